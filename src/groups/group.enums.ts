import { registerEnumType } from 'type-graphql';

/** Kinds of partnership. The first six are GIAS group types, so imports map one to one. */
export enum GroupKind {
  FEDERATION = 'federation',
  MULTI_ACADEMY_TRUST = 'multi_academy_trust',
  SINGLE_ACADEMY_TRUST = 'single_academy_trust',
  UMBRELLA_TRUST = 'umbrella_trust',
  /** GIAS "Trust": a foundation (supporting) trust of maintained schools. */
  FOUNDATION_TRUST = 'foundation_trust',
  SCHOOL_SPONSOR = 'school_sponsor',
  TEACHING_SCHOOL_HUB = 'teaching_school_hub',
  CLUSTER = 'cluster',
  FAMILY_OF_SCHOOLS = 'family_of_schools',
  PRACTITIONER_PAIR = 'practitioner_pair',
  INFORMAL_COLLABORATION = 'informal_collaboration',
}

/** Kinds a school can belong to only one of at a time (enforced by the database). */
export const EXCLUSIVE_GROUP_KINDS: readonly GroupKind[] = [GroupKind.MULTI_ACADEMY_TRUST, GroupKind.FEDERATION];

export enum GroupStatus {
  PROPOSED = 'proposed',
  OPEN = 'open',
  CLOSING = 'closing',
  CLOSED = 'closed',
}

/** How the partnership came about: research finds self-generated ones last longer. */
export enum GroupFormation {
  SELF_GENERATED = 'self_generated',
  BROKERED_BY_LOCAL_AUTHORITY = 'brokered_by_local_authority',
  BROKERED_BY_CONSORTIUM = 'brokered_by_consortium',
  DIRECTED = 'directed',
}

export enum MembershipRole {
  MEMBER = 'member',
  LEAD = 'lead',
  EMERGING = 'emerging',
  SPONSOR = 'sponsor',
  HUB = 'hub',
}

/** How one group relates to another. */
export enum GroupLinkKind {
  /** A teaching school hub serving a trust or cluster. */
  HUB_SERVES = 'hub_serves',
  /** An umbrella trust over the trusts beneath it. */
  UMBRELLA_OVER = 'umbrella_over',
  /** A sponsor responsible for a trust. */
  SPONSORS = 'sponsors',
  /** Any other standing partnership between two groups. */
  PARTNERS_WITH = 'partners_with',
}

registerEnumType(GroupKind, {
  name: 'GroupKind',
  description: 'Kind of partnership.',
  valuesConfig: {
    FEDERATION: { description: 'Maintained schools under one governing body, usually led by an executive head.' },
    MULTI_ACADEMY_TRUST: { description: 'An academy trust running several academies.' },
    SINGLE_ACADEMY_TRUST: { description: 'An academy trust running one academy.' },
    UMBRELLA_TRUST: { description: 'A trust over several trusts or schools, without running them.' },
    FOUNDATION_TRUST: { description: 'A foundation (supporting) trust of maintained schools (GIAS "Trust").' },
    SCHOOL_SPONSOR: { description: 'An academy sponsor.' },
    TEACHING_SCHOOL_HUB: { description: 'A teaching school hub serving schools in an area.' },
    CLUSTER: { description: 'A local cluster of schools working together.' },
    FAMILY_OF_SCHOOLS: { description: 'A family of schools, e.g. a secondary and its feeder primaries.' },
    PRACTITIONER_PAIR: { description: 'Two schools paired for practitioner exchange.' },
    INFORMAL_COLLABORATION: { description: 'Any other informal partnership.' },
  },
});
registerEnumType(GroupStatus, {
  name: 'GroupStatus',
  description: 'Lifecycle status of a group.',
  valuesConfig: {
    PROPOSED: { description: 'Proposed, not yet formed.' },
    OPEN: { description: 'Open and working.' },
    CLOSING: { description: 'Closing: members are leaving.' },
    CLOSED: { description: 'Closed; its history is kept.' },
  },
});
registerEnumType(GroupFormation, {
  name: 'GroupFormation',
  description: 'How the group was formed.',
  valuesConfig: {
    SELF_GENERATED: { description: 'Formed by the schools themselves.' },
    BROKERED_BY_LOCAL_AUTHORITY: { description: 'Brokered by the local authority.' },
    BROKERED_BY_CONSORTIUM: { description: 'Brokered by a regional consortium.' },
    DIRECTED: { description: 'Directed, e.g. by the regional director or Secretary of State.' },
  },
});
registerEnumType(MembershipRole, {
  name: 'MembershipRole',
  description: "A school's role in a group.",
  valuesConfig: {
    MEMBER: { description: 'An ordinary member.' },
    LEAD: { description: 'The lead school.' },
    EMERGING: { description: 'A school joining or being supported to join.' },
    SPONSOR: { description: 'The sponsoring school.' },
    HUB: { description: 'The hub school of a teaching school hub.' },
  },
});
registerEnumType(GroupLinkKind, {
  name: 'GroupLinkKind',
  description: 'How one group relates to another.',
  valuesConfig: {
    HUB_SERVES: { description: 'A teaching school hub serving the other group.' },
    UMBRELLA_OVER: { description: 'An umbrella trust over the other group.' },
    SPONSORS: { description: 'A sponsor responsible for the other group.' },
    PARTNERS_WITH: { description: 'Any other standing partnership between the two.' },
  },
});
