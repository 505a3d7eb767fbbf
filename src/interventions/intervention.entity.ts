import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { DateScalar } from '../core/scalars';
import {
  InterventionCaseReason,
  InterventionCaseStatus,
  InterventionMilestoneStatus,
  InterventionOutcome,
  RagRating,
  Term,
} from './intervention.enums';

/** Who a case concerns and who runs it, as the row rules need them (intervention.policy.ts). */
export interface CaseAccess {
  schoolId: number;
  supportingSchoolId: number | null;
  supportingGroupId: number | null;
  leadId: number;
}

/** A school in intervention: who leads it, who supports it, the plan and its milestones, termly reviews, the outcome. */
@ObjectType({
  implements: Node,
  description: 'A school in intervention: its lead, its supporter, a support plan with milestones, termly reviews and the outcome.',
})
@Entity({ tableName: 'intervention_case' })
export class InterventionCase implements Node {
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'status';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('InterventionCase', this.id);
  }

  @Property()
  schoolId!: number;

  @Field(() => InterventionCaseReason, { description: "From an alert, or by the supporting group's leaders." })
  @Enum({ items: () => InterventionCaseReason })
  reason!: InterventionCaseReason;

  @Property({ nullable: true })
  alertId?: number | null;

  @Property()
  leadId!: number;

  @Property({ nullable: true })
  supportingSchoolId?: number | null;

  @Property({ nullable: true })
  supportingGroupId?: number | null;

  @Field({ description: 'The concern the case addresses, and the support plan in words.' })
  @Property({ type: 'text' })
  concern!: string;

  @Field(() => InterventionCaseStatus, { description: 'Open or closed.' })
  @Enum({ items: () => InterventionCaseStatus })
  status: InterventionCaseStatus = InterventionCaseStatus.OPEN;

  @Field(() => DateScalar, { description: 'The day it was opened.' })
  @Property({ type: 'date' })
  openedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'The day it was closed.' })
  @Property({ type: 'date', nullable: true })
  closedOn?: string | null;

  @Field(() => InterventionOutcome, { nullable: true, description: 'How it ended; set when it is closed.' })
  @Enum({ items: () => InterventionOutcome, nullable: true })
  outcome?: InterventionOutcome | null;

  @Field(() => String, { nullable: true, description: 'What the outcome rests on: results, inspection, the last termly review.' })
  @Property({ type: 'text', nullable: true })
  outcomeNotes?: string | null;

  @Field({ description: 'Who opened it.' })
  @Property()
  createdBy!: string;

  @Field({ description: 'When it was opened in Trellis.' })
  @Property()
  createdAt: Date = new Date();
}

/** A dated step of the support plan. */
@ObjectType({ implements: Node, description: 'A milestone of a support plan: what, by when, and whether it was met.' })
@Entity({ tableName: 'intervention_milestone' })
export class InterventionMilestone implements Node {
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'caseAccess' | 'status';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('InterventionMilestone', this.id);
  }

  @Property()
  caseId!: number;

  @Field({ description: 'What is to be achieved.' })
  @Property({ type: 'text' })
  description!: string;

  @Field(() => DateScalar, { description: 'When it is due.' })
  @Property({ type: 'date' })
  dueOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'When it was met.' })
  @Property({ type: 'date', nullable: true })
  metOn?: string | null;

  @Field(() => String, { nullable: true, description: 'Note recorded when it was met.' })
  @Property({ type: 'text', nullable: true })
  note?: string | null;

  @Property()
  createdAt: Date = new Date();

  /** The case's school, supporter and lead, copied by the database when the milestone is added, for the row rules (intervention.policy.ts). */
  @Property({ type: 'json', nullable: true })
  caseAccess?: CaseAccess;

  @Field(() => InterventionMilestoneStatus, {
    description: 'Pending, met, or missed (past due and not met: the INTERVENTION_MILESTONE_MISSED rule fires).',
  })
  get status(): InterventionMilestoneStatus {
    if (this.metOn) return InterventionMilestoneStatus.MET;
    return this.dueOn < new Date().toISOString().slice(0, 10) ? InterventionMilestoneStatus.MISSED : InterventionMilestoneStatus.PENDING;
  }
}

/** The termly look at how the case is going. */
@ObjectType({ description: 'A termly review of an intervention case: a red, amber or green rating with notes.' })
@Entity({ tableName: 'intervention_review' })
export class InterventionReview {
  [OptionalProps]?: 'recordedAt';

  @PrimaryKey()
  id!: number;

  @Property()
  caseId!: number;

  @Field({ description: "Academic year, e.g. '2025/26'." })
  @Property()
  academicYear!: string;

  @Field(() => Term, { description: 'The term reviewed.' })
  @Enum({ items: () => Term })
  term!: Term;

  @Field(() => RagRating, { description: 'Red, amber or green.' })
  @Enum({ items: () => RagRating })
  rating!: RagRating;

  @Field({ description: 'What the review found.' })
  @Property({ type: 'text' })
  notes!: string;

  @Field(() => DateScalar, { description: 'The day of the review.' })
  @Property({ type: 'date' })
  reviewedOn!: string;

  @Field({ description: 'Who recorded it.' })
  @Property()
  recordedBy!: string;

  @Property()
  recordedAt: Date = new Date();
}
