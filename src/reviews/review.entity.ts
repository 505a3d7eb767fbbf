import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { DateScalar } from '../core/scalars';
import { EvidenceArea } from '../evidence/evidence.enums';
import { PeerReviewActionStatus, PeerReviewerRole, PeerReviewReason, PeerReviewStatus } from './review.enums';

/**
 * A school reviewed by people from partner schools (and perhaps an external adviser). The table is
 * the one the PEER_REVIEW_OVERDUE rule reads: `started_on` is the planned start until the review
 * starts, then the day it did.
 */
@ObjectType({ implements: Node, description: 'A school reviewed by people from its partner schools, with findings and agreed actions.' })
@Entity({ tableName: 'peer_review' })
export class PeerReview implements Node {
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'reviewerIds' | 'status' | 'reason';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('PeerReview', this.id);
  }

  @Property()
  schoolId!: number;

  /** The group that scheduled the review. */
  @Property({ nullable: true })
  groupId?: number | null;

  /** The alert that raised it (severity PEER_REVIEW). */
  @Property({ nullable: true })
  alertId?: number | null;

  @Field(() => PeerReviewReason, { description: 'Scheduled by the group, or raised by an alert.' })
  @Enum({ items: () => PeerReviewReason })
  reason: PeerReviewReason = PeerReviewReason.SCHEDULED;

  @Field(() => PeerReviewStatus, { description: 'Where the review is.' })
  @Enum({ items: () => PeerReviewStatus })
  status: PeerReviewStatus = PeerReviewStatus.PLANNED;

  @Field(() => DateScalar, { description: 'The planned start while PLANNED; the day it started once under way.' })
  @Property({ type: 'date' })
  startedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'The day it was completed.' })
  @Property({ type: 'date', nullable: true })
  completedOn?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'The day its actions were followed up.' })
  @Property({ type: 'date', nullable: true })
  followedUpOn?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'The day it was cancelled.' })
  @Property({ type: 'date', nullable: true })
  cancelledOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Why it was cancelled.' })
  @Property({ type: 'text', nullable: true })
  cancelReason?: string | null;

  @Field(() => String, { nullable: true, description: 'What the review looks at, as agreed when scheduling.' })
  @Property({ type: 'text', nullable: true })
  focus?: string | null;

  @Field(() => String, { nullable: true, description: "The reviewers' summary, given when completing." })
  @Property({ type: 'text', nullable: true })
  summary?: string | null;

  @Field({ description: 'Who scheduled it.' })
  @Property()
  createdBy!: string;

  @Field({ description: 'When it was scheduled.' })
  @Property()
  createdAt: Date = new Date();

  /** The reviewers' person ids, kept by the database (a trigger on peer_review_reviewer) for the row rules in review.policy.ts. */
  @Property({ type: 'json' })
  reviewerIds?: number[];
}

/** A person taking part in a review: a lead reviewer or reviewer from a partner school, or the external adviser. */
@ObjectType({ description: 'A person taking part in a peer review, and the partner school they review from.' })
@Entity({ tableName: 'peer_review_reviewer' })
export class PeerReviewReviewer {
  [OptionalProps]?: 'addedAt';

  @PrimaryKey()
  id!: number;

  @Property()
  peerReviewId!: number;

  @Property()
  personId!: number;

  @Field(() => PeerReviewerRole, { description: 'Lead reviewer, reviewer or external adviser.' })
  @Enum({ items: () => PeerReviewerRole })
  role!: PeerReviewerRole;

  /** The partner school whose post or seat qualifies them; null for the external adviser. */
  @Property({ nullable: true })
  schoolId?: number | null;

  @Field(() => String, { nullable: true, description: "The external adviser's organisation." })
  @Property({ type: 'text', nullable: true })
  organisation?: string | null;

  @Property()
  addedAt: Date = new Date();
}

/** The reviewers' grade for one evidence area, beside the school's own latest self-evaluation of it. */
@ObjectType({ description: "A peer review's grade for one evidence area, with the evidence, set beside the school's own self-evaluation." })
@Entity({ tableName: 'peer_review_finding' })
export class PeerReviewFinding {
  [OptionalProps]?: 'recordedAt';

  @PrimaryKey()
  id!: number;

  @Property()
  peerReviewId!: number;

  @Field(() => EvidenceArea, { description: 'The area graded.' })
  @Enum({ items: () => EvidenceArea })
  area!: EvidenceArea;

  @Field(() => Int, { description: 'Grade 1 (outstanding) to 4 (inadequate).' })
  @Property({ type: 'smallint' })
  grade!: number;

  @Field({ description: 'The evidence the grade rests on.' })
  @Property({ type: 'text' })
  evidence!: string;

  @Field(() => Int, {
    nullable: true,
    description: "The school's own latest grade for the area when the finding was recorded; null if it had none.",
  })
  @Property({ type: 'smallint', nullable: true })
  selfEvaluationGrade?: number | null;

  @Field(() => DateScalar, { nullable: true, description: 'Date of that self-evaluation.' })
  @Property({ type: 'date', nullable: true })
  selfEvaluatedOn?: string | null;

  @Field({ description: 'Who recorded it.' })
  @Property()
  recordedBy!: string;

  @Field({ description: 'When it was recorded.' })
  @Property()
  recordedAt: Date = new Date();

  @Field({
    description:
      "Whether the reviewers graded the area worse than the school's own self-evaluation (flagged; the PEER_REVIEW_FINDING_WORSE rule reads it).",
  })
  get worseThanSelfEvaluation(): boolean {
    return this.selfEvaluationGrade != null && this.grade > this.selfEvaluationGrade;
  }
}

/** An action agreed at a review: what, who owns it, by when, and where it is. */
@ObjectType({ implements: Node, description: 'An action agreed at a peer review, with its owner, due date and status.' })
@Entity({ tableName: 'peer_review_action' })
export class PeerReviewAction implements Node {
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt' | 'status' | 'review' | 'overdue';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('PeerReviewAction', this.id);
  }

  @Property()
  peerReviewId!: number;

  @Field({ description: 'What is to be done.' })
  @Property({ type: 'text' })
  description!: string;

  @Property()
  ownerId!: number;

  @Field(() => DateScalar, { description: 'When it is due.' })
  @Property({ type: 'date' })
  dueOn!: string;

  @Field(() => PeerReviewActionStatus, { description: 'Where it is.' })
  @Enum({ items: () => PeerReviewActionStatus })
  status: PeerReviewActionStatus = PeerReviewActionStatus.OPEN;

  @Field(() => DateScalar, { nullable: true, description: 'When it was done.' })
  @Property({ type: 'date', nullable: true })
  doneOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Note left with the last status change.' })
  @Property({ type: 'text', nullable: true })
  note?: string | null;

  @Field({ description: 'Who agreed it.' })
  @Property()
  createdBy!: string;

  @Field({ description: 'When it was agreed.' })
  @Property()
  createdAt: Date = new Date();

  @Property()
  updatedAt: Date = new Date();

  /** The review's school, scheduling group and reviewers, copied by the database when the action is agreed, for the row rules (review.policy.ts). */
  @Property({ type: 'json', fieldName: 'review_access', nullable: true })
  review?: { schoolId: number; groupId: number | null; reviewerIds: number[] };

  /** Whether it is past due and not done or dropped (what PEER_REVIEW_ACTION_OVERDUE looks for). */
  @Field({ description: 'Whether it is past its due date and neither done nor cancelled.' })
  get overdue(): boolean {
    const open = this.status === PeerReviewActionStatus.OPEN || this.status === PeerReviewActionStatus.IN_PROGRESS;
    return open && this.dueOn < new Date().toISOString().slice(0, 10);
  }
}
