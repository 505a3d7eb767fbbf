import { registerEnumType } from 'type-graphql';

export enum InterventionCaseStatus {
  OPEN = 'open',
  CLOSED = 'closed',
}

export enum InterventionCaseReason {
  ALERT = 'alert',
  LEADERS = 'leaders',
}

export enum InterventionOutcome {
  IMPROVED = 'improved',
  PARTLY_IMPROVED = 'partly_improved',
  NOT_IMPROVED = 'not_improved',
  ESCALATED = 'escalated',
}

/** Derived, never stored: met when a date is recorded, missed once the due date has passed without one. */
export enum InterventionMilestoneStatus {
  PENDING = 'pending',
  MET = 'met',
  MISSED = 'missed',
}

export enum Term {
  AUTUMN = 'autumn',
  SPRING = 'spring',
  SUMMER = 'summer',
}

export enum RagRating {
  RED = 'red',
  AMBER = 'amber',
  GREEN = 'green',
}

registerEnumType(InterventionCaseStatus, {
  name: 'InterventionCaseStatus',
  description: 'Whether an intervention case is open or closed.',
  valuesConfig: {
    OPEN: { description: 'Support is under way.' },
    CLOSED: { description: 'Closed with an outcome (final).' },
  },
});
registerEnumType(InterventionCaseReason, {
  name: 'InterventionCaseReason',
  description: 'Why an intervention case was opened.',
  valuesConfig: {
    ALERT: { description: 'From an alert of severity INTERVENTION.' },
    LEADERS: { description: "By the supporting group's leaders." },
  },
});
registerEnumType(InterventionOutcome, {
  name: 'InterventionOutcome',
  description: 'How an intervention case ended.',
  valuesConfig: {
    IMPROVED: { description: 'The school improved as the plan intended.' },
    PARTLY_IMPROVED: { description: 'Some of what the plan intended was achieved.' },
    NOT_IMPROVED: { description: 'The school did not improve.' },
    ESCALATED: { description: 'Handed on to the local authority, the regional director or the inspectorate.' },
  },
});
registerEnumType(InterventionMilestoneStatus, {
  name: 'InterventionMilestoneStatus',
  description: 'Where a milestone of a support plan is.',
  valuesConfig: {
    PENDING: { description: 'Not met, and not yet due.' },
    MET: { description: 'Met (see metOn).' },
    MISSED: { description: 'Past its due date and not met.' },
  },
});
registerEnumType(Term, {
  name: 'Term',
  description: 'A term of the school year.',
  valuesConfig: {
    AUTUMN: { description: 'September to December.' },
    SPRING: { description: 'January to Easter.' },
    SUMMER: { description: 'Easter to July.' },
  },
});
registerEnumType(RagRating, {
  name: 'RagRating',
  description: 'Red, amber or green: how a termly review rates progress against the plan.',
  valuesConfig: {
    RED: { description: 'Off track: the plan is not working.' },
    AMBER: { description: 'Some concern: progress slower than planned.' },
    GREEN: { description: 'On track.' },
  },
});
