import { IsOptional, Length, MaxLength } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';
import { DateScalar } from '../core/scalars';
import { GroupFormation, GroupKind, GroupLinkKind, GroupStatus, MembershipRole } from './group.enums';

@InputType({ description: 'Narrows a list of groups. Every condition given must hold.' })
export class GroupFilter {
  @Field(() => [GroupStatus], { nullable: true, description: 'Statuses to include.' })
  status?: GroupStatus[];

  @Field({ nullable: true, description: 'Case-insensitive part of the name.' })
  nameContains?: string;

  @Field(() => Int, { nullable: true, description: 'Only groups with a current member school in this local authority.' })
  localAuthorityCode?: number;

  @Field(() => [GroupFormation], { nullable: true, description: 'How the group was formed.' })
  formation?: GroupFormation[];
}

@InputType({ description: 'A new group.' })
export class GroupCreateInput {
  @Field({ description: 'Name of the group (1 to 255 characters).' })
  @Length(1, 255, { message: 'must be 1 to 255 characters long.' })
  name!: string;

  @Field(() => GroupKind, { description: 'Kind of partnership; it cannot change later.' })
  kind!: GroupKind;

  @Field(() => GroupFormation, { nullable: true, description: 'How the group was formed.' })
  formation?: GroupFormation;

  @Field(() => DateScalar, { nullable: true, description: 'Date the group opened; omit while it is only proposed.' })
  openedOn?: string;
}

@InputType({ description: 'Changes to a group. Fields left out are not changed.' })
export class GroupUpdateInput {
  @Field(() => ID, { description: 'The group to change.' })
  groupId!: string;

  @Field({ nullable: true, description: 'New name (1 to 255 characters).' })
  @IsOptional()
  @Length(1, 255, { message: 'must be 1 to 255 characters long.' })
  name?: string;

  @Field(() => GroupFormation, { nullable: true, description: 'How the group was formed.' })
  formation?: GroupFormation;

  @Field(() => GroupStatus, {
    nullable: true,
    description: 'New status; to close a group use groupClose, which also ends its memberships.',
  })
  status?: GroupStatus;

  @Field(() => DateScalar, { nullable: true, description: 'Date the group opened.' })
  openedOn?: string;
}

@InputType({ description: 'Closes a group: its current memberships and links end on the same date.' })
export class GroupCloseInput {
  @Field(() => ID, { description: 'The group to close.' })
  groupId!: string;

  @Field(() => DateScalar, { description: 'Date the group closed.' })
  closedOn!: string;
}

@InputType({ description: 'Adds a school to a group.' })
export class GroupAddMemberInput {
  @Field(() => ID, { description: 'The group.' })
  groupId!: string;

  @Field(() => ID, { description: 'The school joining.' })
  schoolId!: string;

  @Field(() => MembershipRole, { defaultValue: MembershipRole.MEMBER, description: "The school's role in the group." })
  role: MembershipRole = MembershipRole.MEMBER;

  @Field(() => DateScalar, { description: 'Date the school joined.' })
  joinedOn!: string;
}

@InputType({ description: 'Ends a membership; the row is kept as history.' })
export class MembershipEndInput {
  @Field(() => ID, { description: 'The membership to end.' })
  membershipId!: string;

  @Field(() => DateScalar, { description: 'Date the school left (not before it joined).' })
  leftOn!: string;
}

@InputType({ description: 'Links one group to another, e.g. a teaching school hub serving a trust.' })
export class GroupLinkCreateInput {
  @Field(() => ID, { description: 'The group the link starts from (the hub, umbrella or sponsor).' })
  fromGroupId!: string;

  @Field(() => ID, { description: 'The group the link points to.' })
  toGroupId!: string;

  @Field(() => GroupLinkKind, { description: 'How the first group relates to the second.' })
  kind!: GroupLinkKind;

  @Field(() => DateScalar, { description: 'Date the link started.' })
  startedOn!: string;
}

@InputType({ description: 'A strategic objective for a group: what it means to achieve and how it will know.' })
export class StrategicObjectiveAddInput {
  @Field(() => ID, { description: 'The group.' })
  groupId!: string;

  @Field({ description: 'The objective (1 to 2000 characters).' })
  @Length(1, 2000, { message: 'must be 1 to 2000 characters long.' })
  objective!: string;

  @Field({ nullable: true, description: 'Outcome metric the success criterion is measured on.' })
  @IsOptional()
  @MaxLength(100, { message: 'must be at most 100 characters long.' })
  metric?: string;

  @Field({ nullable: true, description: 'Target change in the metric.' })
  targetChange?: number;

  @Field({ description: 'How success will be judged (1 to 2000 characters).' })
  @Length(1, 2000, { message: 'must be 1 to 2000 characters long.' })
  successCriteria!: string;
}
