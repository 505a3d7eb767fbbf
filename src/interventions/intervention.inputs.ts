import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { DateScalar } from '../core/scalars';
import { InterventionOutcome, RagRating, Term } from './intervention.enums';

const TEXT = { message: 'must be at most $constraint1 characters long.' };

@InputType({ description: 'A milestone of a support plan.' })
export class InterventionMilestoneInput {
  @Field({ description: 'What is to be achieved (1 to 2000 characters).' })
  @MaxLength(2000, TEXT)
  description!: string;

  @Field(() => DateScalar, { description: 'When it is due (not before the case opens).' })
  dueOn!: string;
}

@InputType({ description: "An intervention case to open: from an alert of severity INTERVENTION, or by the supporting group's leaders." })
export class InterventionCaseOpenInput {
  @Field(() => ID, { nullable: true, description: 'The alert of severity INTERVENTION it answers; it is acknowledged and linked.' })
  alertId?: string;

  @Field(() => ID, { nullable: true, description: 'The school in intervention. Not needed with `alertId` (the alert names it).' })
  schoolId?: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The group that supports the school (needed without an alert; the school must be a current member).',
  })
  supportingGroupId?: string;

  @Field(() => ID, { nullable: true, description: 'The school that supports it (not the school itself).' })
  supportingSchoolId?: string;

  @Field(() => ID, {
    description: "Who leads the case: a person with a current post or seat in the school, the supporter, or one of the school's groups.",
  })
  leadId!: string;

  @Field({ description: 'The concern and the support plan, in words (1 to 5000 characters).' })
  @MaxLength(5000, TEXT)
  concern!: string;

  @Field(() => DateScalar, { nullable: true, description: 'The day it opens (default today; not in the future).' })
  openedOn?: string;

  @Field(() => [InterventionMilestoneInput], { nullable: true, description: "The support plan's milestones (at most 20)." })
  @IsOptional()
  @ArrayMaxSize(20, { message: 'may hold at most 20 milestones.' })
  milestones?: InterventionMilestoneInput[];
}

@InputType({ description: 'A milestone added to an open case.' })
export class InterventionMilestoneAddInput {
  @Field(() => ID, { description: 'The intervention case (open).' })
  interventionCaseId!: string;

  @Field({ description: 'What is to be achieved (1 to 2000 characters).' })
  @MaxLength(2000, TEXT)
  description!: string;

  @Field(() => DateScalar, { description: 'When it is due (not before the case opened).' })
  dueOn!: string;
}

@InputType({ description: 'A milestone met.' })
export class InterventionMilestoneMeetInput {
  @Field(() => ID, { description: 'The milestone.' })
  interventionMilestoneId!: string;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'The day it was met (default today; not in the future, not before the case opened).',
  })
  metOn?: string;

  @Field(() => String, { nullable: true, description: 'A note (at most 2000 characters).' })
  @IsOptional()
  @MaxLength(2000, TEXT)
  note?: string;
}

@InputType({ description: 'A termly review of an open case.' })
export class InterventionReviewRecordInput {
  @Field(() => ID, { description: 'The intervention case (open).' })
  interventionCaseId!: string;

  @Field({ description: "Academic year, e.g. '2025/26'." })
  academicYear!: string;

  @Field(() => Term, { description: 'The term reviewed (one review per term).' })
  term!: Term;

  @Field(() => RagRating, { description: 'Red, amber or green.' })
  rating!: RagRating;

  @Field({ description: 'What the review found (1 to 5000 characters).' })
  @MaxLength(5000, TEXT)
  notes!: string;

  @Field(() => DateScalar, { nullable: true, description: 'The day of the review (default today; not in the future).' })
  reviewedOn?: string;
}

@InputType({ description: 'An open case to close, with its outcome.' })
export class InterventionCaseCloseInput {
  @Field(() => ID, { description: 'The intervention case (open).' })
  interventionCaseId!: string;

  @Field(() => InterventionOutcome, { description: 'How it ended.' })
  outcome!: InterventionOutcome;

  @Field({ description: 'What the outcome rests on (1 to 5000 characters).' })
  @MaxLength(5000, TEXT)
  outcomeNotes!: string;

  @Field(() => DateScalar, { nullable: true, description: 'The day it closes (default today; not in the future, not before it opened).' })
  closedOn?: string;
}
