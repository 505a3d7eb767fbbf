import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { DateScalar } from '../core/scalars';
import { EvidenceArea } from '../evidence/evidence.enums';
import { PeerReviewActionStatus, PeerReviewerRole, PeerReviewStatus } from './review.enums';

const TEXT = { message: 'must be at most $constraint1 characters long.' };

@InputType({ description: 'A peer review to schedule: by a group, of one of its schools, or from an alert of severity PEER_REVIEW.' })
export class PeerReviewScheduleInput {
  @Field(() => ID, { description: 'The group that schedules the review (the school must be a current member).' })
  groupId!: string;

  @Field(() => ID, { nullable: true, description: 'The school to review. Not needed with `alertId` (the alert names it).' })
  schoolId?: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The alert of severity PEER_REVIEW that raised the review; it is acknowledged and linked to the review.',
  })
  alertId?: string;

  @Field(() => DateScalar, { description: 'The day the review is planned to start.' })
  startsOn!: string;

  @Field(() => String, { nullable: true, description: 'What the review looks at (at most 2000 characters).' })
  @IsOptional()
  @MaxLength(2000, TEXT)
  focus?: string;

  @Field(() => ID, {
    description: 'The lead reviewer: a person with a current post or seat in another member school of a group the school is in.',
  })
  leadReviewerId!: string;

  @Field(() => [ID], { defaultValue: [], description: 'Further reviewers, on the same terms as the lead (at most 10).' })
  @ArrayMaxSize(10, { message: 'may hold at most 10 reviewers.' })
  reviewerIds!: string[];

  @Field(() => ID, { nullable: true, description: 'An external adviser: anyone but a person of the reviewed school.' })
  externalAdviserId?: string;

  @Field(() => String, { nullable: true, description: "The external adviser's organisation (at most 200 characters)." })
  @IsOptional()
  @MaxLength(200, TEXT)
  externalAdviserOrganisation?: string;
}

@InputType({ description: 'A move of a peer review to its next status.' })
export class PeerReviewStatusUpdateInput {
  @Field(() => ID, { description: 'The peer review.' })
  peerReviewId!: string;

  @Field(() => PeerReviewStatus, {
    description:
      'The new status: PLANNED -> IN_PROGRESS -> COMPLETED -> FOLLOWED_UP, or CANCELLED before completion. Every other move is refused.',
  })
  status!: PeerReviewStatus;

  @Field(() => DateScalar, { nullable: true, description: 'The day it happened (default today; not in the future).' })
  on?: string;

  @Field(() => String, {
    nullable: true,
    description: "The reviewers' summary when completing; the reason, required, when cancelling (at most 5000 characters).",
  })
  @IsOptional()
  @MaxLength(5000, TEXT)
  note?: string;
}

@InputType({
  description: "The reviewers' grade for one evidence area; recording the area again replaces it while the review is in progress.",
})
export class PeerReviewFindingRecordInput {
  @Field(() => ID, { description: 'The peer review (IN_PROGRESS).' })
  peerReviewId!: string;

  @Field(() => EvidenceArea, { description: 'The area graded.' })
  area!: EvidenceArea;

  @Field(() => Int, { description: 'Grade 1 (outstanding) to 4 (inadequate).' })
  grade!: number;

  @Field({ description: 'The evidence the grade rests on (1 to 5000 characters).' })
  @MaxLength(5000, TEXT)
  evidence!: string;
}

@InputType({ description: 'An action agreed at a peer review.' })
export class PeerReviewActionAddInput {
  @Field(() => ID, { description: 'The peer review (IN_PROGRESS or COMPLETED).' })
  peerReviewId!: string;

  @Field({ description: 'What is to be done (1 to 2000 characters).' })
  @MaxLength(2000, TEXT)
  description!: string;

  @Field(() => ID, { description: 'Who owns it: a reviewer, or a person with a current post or seat in the school or one of its groups.' })
  ownerId!: string;

  @Field(() => DateScalar, { description: 'When it is due (not before the review started).' })
  dueOn!: string;
}

@InputType({ description: 'A change of an agreed action: taken up, done or dropped.' })
export class PeerReviewActionUpdateInput {
  @Field(() => ID, { description: 'The action.' })
  peerReviewActionId!: string;

  @Field(() => PeerReviewActionStatus, {
    description: 'The new status: OPEN -> IN_PROGRESS -> DONE, or CANCELLED; DONE and CANCELLED are final.',
  })
  status!: PeerReviewActionStatus;

  @Field(() => DateScalar, { nullable: true, description: 'The day it was done (DONE only; default today; not in the future).' })
  on?: string;

  @Field(() => String, { nullable: true, description: 'A note (at most 2000 characters).' })
  @IsOptional()
  @MaxLength(2000, TEXT)
  note?: string;
}

@InputType({
  description:
    "A person joining a peer review's team after scheduling, on the same terms as at scheduling; until the review is completed.",
})
export class PeerReviewReviewerAddInput {
  @Field(() => ID, { description: 'The peer review (PLANNED or IN_PROGRESS).' })
  peerReviewId!: string;

  @Field(() => ID, {
    description:
      'The person: for LEAD_REVIEWER or REVIEWER, one with a current post or seat in another member school of a group the school is in; for EXTERNAL_ADVISER, anyone but a person of the reviewed school.',
  })
  personId!: string;

  @Field(() => PeerReviewerRole, {
    defaultValue: PeerReviewerRole.REVIEWER,
    description: 'Their part: a new LEAD_REVIEWER makes the current lead a REVIEWER; one EXTERNAL_ADVISER at most; ten REVIEWERs at most.',
  })
  role!: PeerReviewerRole;

  @Field(() => String, { nullable: true, description: "The external adviser's organisation (EXTERNAL_ADVISER only; at most 200 characters)." })
  @IsOptional()
  @MaxLength(200, TEXT)
  organisation?: string;
}

@InputType({ description: "A person leaving a peer review's team before it is completed." })
export class PeerReviewReviewerRemoveInput {
  @Field(() => ID, { description: 'The peer review (PLANNED or IN_PROGRESS).' })
  peerReviewId!: string;

  @Field(() => ID, { description: 'The reviewer to remove (not the lead, and not while they own open actions of the review).' })
  personId!: string;
}
