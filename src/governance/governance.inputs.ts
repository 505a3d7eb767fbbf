import { IsOptional, Length, ValidateNested } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { DateScalar } from '../core/scalars';
import { PersonCreateInput } from '../people/people.inputs';
import { AppointingBody, GovernanceRole, GoverningBodyKind } from './governance.enums';

@InputType({ description: 'A new governing body. Which of schoolId and groupId to give follows from its kind.' })
export class GoverningBodyCreateInput {
  @Field({ description: 'Name of the body (1 to 255 characters).' })
  @Length(1, 255, { message: 'must be 1 to 255 characters long.' })
  name!: string;

  @Field(() => GoverningBodyKind, { description: 'What the body governs.' })
  kind!: GoverningBodyKind;

  @Field(() => ID, { nullable: true, description: 'The school: for a SCHOOL body or a LOCAL_COMMITTEE.' })
  schoolId?: string;

  @Field(() => ID, { nullable: true, description: 'The group: a federation for FEDERATION, a trust for TRUST_BOARD or LOCAL_COMMITTEE.' })
  groupId?: string;
}

@InputType({ description: 'Appoints a governor: an existing person (personId) or a new one (person), not both.' })
export class GoverningBodyAppointGovernorInput {
  @Field(() => ID, { description: 'The governing body.' })
  governingBodyId!: string;

  @Field(() => ID, { nullable: true, description: 'An existing person.' })
  personId?: string;

  @Field(() => PersonCreateInput, { nullable: true, description: 'A new person, created with the appointment.' })
  @IsOptional()
  @ValidateNested()
  person?: PersonCreateInput;

  @Field(() => GovernanceRole, { description: 'Role on the body.' })
  role!: GovernanceRole;

  @Field(() => AppointingBody, { description: 'Who appointed or elected them.' })
  appointingBody!: AppointingBody;

  @Field(() => DateScalar, { description: 'Start of the term.' })
  termStartedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Scheduled end of the term (not before its start).' })
  termEndsOn?: string;
}

@InputType({ description: 'Ends a governor’s term early or records that it ended.' })
export class GovernorshipEndInput {
  @Field(() => ID, { description: 'The governorship.' })
  governorshipId!: string;

  @Field(() => DateScalar, { description: 'Date the governor stood down (not before the term started).' })
  endedOn!: string;
}
