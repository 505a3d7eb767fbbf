import { IsEmail, IsOptional, Length, MaxLength } from 'class-validator';
import { Field, Float, ID, InputType } from 'type-graphql';
import { DateScalar } from '../core/scalars';
import { StaffRole } from './people.enums';

@InputType({ description: 'A new person.' })
export class PersonCreateInput {
  @Field({ description: 'Full name (1 to 255 characters).' })
  @Length(1, 255, { message: 'must be 1 to 255 characters long.' })
  fullName!: string;

  @Field({ nullable: true, description: 'Email address.' })
  @IsOptional()
  @IsEmail({}, { message: 'must be an email address.' })
  email?: string;

  @Field({ nullable: true, description: 'Telephone number.' })
  @IsOptional()
  @MaxLength(40, { message: 'must be at most 40 characters long.' })
  phone?: string;
}

@InputType({ description: 'Gives a person a staff post in a school or a group (exactly one of the two).' })
export class PersonAssignPostInput {
  @Field(() => ID, { description: 'The person.' })
  personId!: string;

  @Field(() => StaffRole, { description: 'The role.' })
  role!: StaffRole;

  @Field(() => ID, { nullable: true, description: 'The school served.' })
  schoolId?: string;

  @Field(() => ID, { nullable: true, description: 'The group served (e.g. a trust CEO).' })
  groupId?: string;

  @Field(() => Float, { defaultValue: 1, description: 'Share of a full-time post, more than 0 and at most 1.' })
  fte: number = 1;

  @Field(() => DateScalar, { description: 'Date the post starts.' })
  startedOn!: string;
}

@InputType({ description: 'Ends a staff post; it is kept as history.' })
export class PostEndInput {
  @Field(() => ID, { description: 'The post.' })
  postId!: string;

  @Field(() => DateScalar, { description: 'Date the post ended (not before it started).' })
  endedOn!: string;
}
