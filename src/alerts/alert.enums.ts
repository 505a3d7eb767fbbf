import { registerEnumType } from 'type-graphql';

/** How urgent an alert is; a partnership agrees in advance what each level means for it. */
export enum AlertSeverity {
  WATCH = 'watch',
  PEER_REVIEW = 'peer_review',
  INTERVENTION = 'intervention',
}

/** Order of severities, stored with each event so `minSeverity` filters in SQL and in memory alike. */
export const SEVERITY_RANK: Record<AlertSeverity, number> = { watch: 1, peer_review: 2, intervention: 3 };

export enum AlertStatus {
  OPEN = 'open',
  ACKNOWLEDGED = 'acknowledged',
  RESOLVED = 'resolved',
}

/** What happened to an alert: each is one row of the commit-ordered event log. */
export enum AlertEventKind {
  RAISED = 'raised',
  ACKNOWLEDGED = 'acknowledged',
  RESOLVED = 'resolved',
}

/** The conditions a partnership can agree in advance (DESIGN.md, Trigger rule). */
export enum TriggerRuleKind {
  METRIC_BELOW = 'metric_below',
  METRIC_FALL = 'metric_fall',
  INSPECTION_GRADE_AT_OR_BELOW = 'inspection_grade_at_or_below',
  INSPECTION_DECLINE = 'inspection_decline',
  SELF_EVALUATION_OPTIMISTIC = 'self_evaluation_optimistic',
  WORKING_IN_ISOLATION = 'working_in_isolation',
  PEER_REVIEW_OVERDUE = 'peer_review_overdue',
  SUPPORT_SHORTFALL = 'support_shortfall',
  GOVERNANCE_VACANCIES = 'governance_vacancies',
  GOVERNOR_TERMS_ENDING = 'governor_terms_ending',
  // Evaluated by src/reviews/review.rules.ts and src/interventions/intervention.rules.ts.
  PEER_REVIEW_FINDING_WORSE = 'peer_review_finding_worse',
  PEER_REVIEW_ACTION_OVERDUE = 'peer_review_action_overdue',
  INTERVENTION_MILESTONE_MISSED = 'intervention_milestone_missed',
}

export enum TriggerRuleChangeAction {
  CREATED = 'created',
  UPDATED = 'updated',
  ENABLED = 'enabled',
  DISABLED = 'disabled',
}

/** Why a person is told of an alert. */
export enum AlertRecipientReason {
  GOVERNOR = 'governor',
  EXECUTIVE_LEADER = 'executive_leader',
  HEADTEACHER = 'headteacher',
  LOCAL_AUTHORITY_OFFICER = 'local_authority_officer',
  PARTNER_REVIEW_LEAD = 'partner_review_lead',
}

registerEnumType(AlertSeverity, {
  name: 'AlertSeverity',
  description: 'How urgent an alert is, from least to most.',
  valuesConfig: {
    WATCH: { description: 'Keep an eye on it.' },
    PEER_REVIEW: { description: 'Calls for a peer review by partner schools.' },
    INTERVENTION: { description: 'Calls for intervention by the partnership or the authority.' },
  },
});
registerEnumType(AlertStatus, {
  name: 'AlertStatus',
  description: 'Where an alert is in its life.',
  valuesConfig: {
    OPEN: { description: 'Raised; nobody has acknowledged it yet.' },
    ACKNOWLEDGED: { description: 'Someone responsible has seen it and is acting.' },
    RESOLVED: { description: 'Dealt with; the rule may fire again for the school.' },
  },
});
registerEnumType(AlertEventKind, {
  name: 'AlertEventKind',
  description: 'What happened to an alert.',
  valuesConfig: {
    RAISED: { description: 'A rule fired and the alert was raised.' },
    ACKNOWLEDGED: { description: 'The alert was acknowledged.' },
    RESOLVED: { description: 'The alert was resolved.' },
  },
});
registerEnumType(TriggerRuleKind, {
  name: 'TriggerRuleKind',
  description: 'The condition a trigger rule checks.',
  valuesConfig: {
    METRIC_BELOW: {
      description:
        'The latest academic year of a metric, if not older than `maxEvidenceAgeYears` (default 3), is below `threshold` (parameters: metric, threshold, maxEvidenceAgeYears).',
    },
    METRIC_FALL: {
      description:
        'The latest value of a metric, if not older than `maxEvidenceAgeYears` (default 3), fell by more than `fallBy` from the year before (metric, fallBy, maxEvidenceAgeYears).',
    },
    INSPECTION_GRADE_AT_OR_BELOW: {
      description:
        'The latest inspection, if not older than `maxEvidenceAgeYears` (default 6), graded `grade` or worse (4 is inadequate; for Estyn, the worst judgement), or a category of concern when `includeCategoriesOfConcern`.',
    },
    INSPECTION_DECLINE: {
      description: 'The latest inspection, if not older than `maxEvidenceAgeYears` (default 6), is graded worse than the one before.',
    },
    SELF_EVALUATION_OPTIMISTIC: {
      description:
        "The school's own grade for an area is better than the latest inspection's (if not older than `maxEvidenceAgeYears`, default 6) by `margin` grades or more.",
    },
    WORKING_IN_ISOLATION: { description: 'No partnership membership and no support received for `months` months.' },
    PEER_REVIEW_OVERDUE: { description: 'No peer review completed for `months` months (a planned, started or cancelled one does not count).' },
    SUPPORT_SHORTFALL: {
      description: 'Staff days delivered to the school are more than `shortfallPercent`% short of those committed to date.',
    },
    GOVERNANCE_VACANCIES: { description: 'A body governing the school has fewer than `minGovernors` serving governors.' },
    GOVERNOR_TERMS_ENDING: { description: "Governors' terms have ended, or end within `withinDays` days, with no one appointed." },
    PEER_REVIEW_FINDING_WORSE: {
      description: "The school's latest peer review graded an area worse than the school's own self-evaluation of it by `margin` grades or more.",
    },
    PEER_REVIEW_ACTION_OVERDUE: { description: 'An action agreed at a peer review of the school is not done by its due date.' },
    INTERVENTION_MILESTONE_MISSED: { description: "A milestone of the school's open intervention case is not met by its due date." },
  },
});
registerEnumType(TriggerRuleChangeAction, {
  name: 'TriggerRuleChangeAction',
  description: 'What a change did to a trigger rule.',
  valuesConfig: {
    CREATED: { description: 'The rule was defined.' },
    UPDATED: { description: 'Its name, severity or values changed.' },
    ENABLED: { description: 'It was switched on.' },
    DISABLED: { description: 'It was switched off.' },
  },
});
registerEnumType(AlertRecipientReason, {
  name: 'AlertRecipientReason',
  description: 'Why a person must know of an alert.',
  valuesConfig: {
    GOVERNOR: {
      description: "Serves on a body that governs the school (its own, its federation's, its trust's board or local committee).",
    },
    EXECUTIVE_LEADER: {
      description: 'Executive head or CEO of the school, or of the federation or trust it belongs to (not of a cluster or hub).',
    },
    HEADTEACHER: { description: 'Headteacher or head of school of the school.' },
    LOCAL_AUTHORITY_OFFICER: { description: "Officer of the school's local authority." },
    PARTNER_REVIEW_LEAD: { description: 'Peer review lead of a partner school in one of its groups.' },
  },
});
