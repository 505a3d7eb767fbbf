/**
 * What each named database constraint means to a caller. The database is the last word on the
 * invariants (a race between two requests cannot break them); this turns its refusal into a userError.
 */
export const CONSTRAINT_ERRORS: Record<string, { field: string[]; message: string }> = {
  school_urn_unique: { field: ['input', 'urn'], message: 'a school with this URN already exists.' },
  membership_one_multi_academy_trust_at_a_time: {
    field: ['input', 'schoolId'],
    message: 'the school is already in a multi-academy trust on these dates; a school can be in only one at a time.',
  },
  membership_one_federation_at_a_time: {
    field: ['input', 'schoolId'],
    message: 'the school is already in a federation on these dates; a school can be in only one at a time.',
  },
  membership_no_overlap_in_group: { field: ['input', 'schoolId'], message: 'the school is already a member of this group on these dates.' },
  membership_dates_order: { field: ['input', 'leftOn'], message: 'must not be before the date the school joined.' },
  governorship_term_order: { field: ['input', 'termEndsOn'], message: 'must not be before the start of the term.' },
  governorship_ended_order: { field: ['input', 'endedOn'], message: 'must not be before the start of the term.' },
  group_link_current_unique: { field: ['input', 'toGroupId'], message: 'these groups are already linked this way.' },
  group_link_not_self: { field: ['input', 'toGroupId'], message: 'a group cannot be linked to itself.' },
  support_link_not_self: { field: ['input', 'receiverId'], message: 'a school cannot support itself.' },
  post_fte_range: { field: ['input', 'fte'], message: 'must be more than 0 and at most 1.' },
  school_group_source_key_unique: { field: ['input', 'name'], message: 'a group with this source key already exists.' },
  // Peer reviews and intervention cases: the checks in their services, held by the database against races.
  peer_review_one_per_alert: { field: ['input', 'alertId'], message: 'a peer review was already scheduled from this alert.' },
  peer_review_reviewer_once: { field: ['input', 'reviewerIds'], message: 'each person takes one part in a review.' },
  intervention_case_one_open_per_school: { field: ['input', 'schoolId'], message: 'the school already has an open intervention case.' },
  intervention_review_once_a_term: { field: ['input', 'term'], message: 'this term was already reviewed.' },
  // Partnership governance (leaving/leave-request.ts, alerts/rule-agreement.ts), against races.
  membership_leave_request_one_live: {
    field: ['input', 'membershipId'],
    message: 'a request to leave is already pending or agreed for this membership; withdraw it first.',
  },
  membership_leave_decision_one_per_body: { field: ['input', 'governingBodyId'], message: 'this body already decided; a body decides once.' },
  trigger_rule_agreement_once_per_version: { field: ['input', 'ruleId'], message: 'this version of the rule was already agreed for the school.' },
};
