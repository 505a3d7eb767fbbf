import { registerEnumType } from 'type-graphql';

/** Where a peer review is. The allowed moves are in PEER_REVIEW_TRANSITIONS; every other is refused. */
export enum PeerReviewStatus {
  PLANNED = 'planned',
  IN_PROGRESS = 'in_progress',
  COMPLETED = 'completed',
  FOLLOWED_UP = 'followed_up',
  CANCELLED = 'cancelled',
}

/** planned -> in progress -> completed -> followed up, or cancelled before completion; nothing goes back. */
export const PEER_REVIEW_TRANSITIONS: Record<PeerReviewStatus, PeerReviewStatus[]> = {
  [PeerReviewStatus.PLANNED]: [PeerReviewStatus.IN_PROGRESS, PeerReviewStatus.CANCELLED],
  [PeerReviewStatus.IN_PROGRESS]: [PeerReviewStatus.COMPLETED, PeerReviewStatus.CANCELLED],
  [PeerReviewStatus.COMPLETED]: [PeerReviewStatus.FOLLOWED_UP],
  [PeerReviewStatus.FOLLOWED_UP]: [],
  [PeerReviewStatus.CANCELLED]: [],
};

export enum PeerReviewReason {
  SCHEDULED = 'scheduled',
  ALERT = 'alert',
}

export enum PeerReviewerRole {
  LEAD_REVIEWER = 'lead_reviewer',
  REVIEWER = 'reviewer',
  EXTERNAL_ADVISER = 'external_adviser',
}

export enum PeerReviewActionStatus {
  OPEN = 'open',
  IN_PROGRESS = 'in_progress',
  DONE = 'done',
  CANCELLED = 'cancelled',
}

/** An action can be taken up, done or dropped; done and dropped are final. */
export const ACTION_TRANSITIONS: Record<PeerReviewActionStatus, PeerReviewActionStatus[]> = {
  [PeerReviewActionStatus.OPEN]: [PeerReviewActionStatus.IN_PROGRESS, PeerReviewActionStatus.DONE, PeerReviewActionStatus.CANCELLED],
  [PeerReviewActionStatus.IN_PROGRESS]: [PeerReviewActionStatus.DONE, PeerReviewActionStatus.CANCELLED],
  [PeerReviewActionStatus.DONE]: [],
  [PeerReviewActionStatus.CANCELLED]: [],
};

registerEnumType(PeerReviewStatus, {
  name: 'PeerReviewStatus',
  description: 'Where a peer review is: planned -> in progress -> completed -> followed up, or cancelled before it is completed.',
  valuesConfig: {
    PLANNED: { description: 'Scheduled, with its reviewers; not started.' },
    IN_PROGRESS: { description: 'The reviewers are at work; findings and actions are recorded.' },
    COMPLETED: { description: 'Findings are agreed; actions are being carried out.' },
    FOLLOWED_UP: { description: 'Every agreed action was checked: done or dropped.' },
    CANCELLED: { description: 'Called off before completion.' },
  },
});
registerEnumType(PeerReviewReason, {
  name: 'PeerReviewReason',
  description: 'Why a peer review started.',
  valuesConfig: {
    SCHEDULED: { description: 'Scheduled by the group in its review cycle.' },
    ALERT: { description: 'Raised by an alert of severity PEER_REVIEW.' },
  },
});
registerEnumType(PeerReviewerRole, {
  name: 'PeerReviewerRole',
  description: 'The part a person plays in a peer review.',
  valuesConfig: {
    LEAD_REVIEWER: { description: 'Leads the review; from a partner school.' },
    REVIEWER: { description: 'Reviews; from a partner school.' },
    EXTERNAL_ADVISER: { description: 'An adviser from outside the partnership.' },
  },
});
registerEnumType(PeerReviewActionStatus, {
  name: 'PeerReviewActionStatus',
  description: 'Where an agreed action is: open -> in progress -> done, or cancelled.',
  valuesConfig: {
    OPEN: { description: 'Agreed, not yet started.' },
    IN_PROGRESS: { description: 'Being carried out.' },
    DONE: { description: 'Done (final).' },
    CANCELLED: { description: 'Dropped (final).' },
  },
});
