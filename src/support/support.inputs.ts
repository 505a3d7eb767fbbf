import { IsOptional, MaxLength } from 'class-validator';
import { Field, Float, ID, InputType } from 'type-graphql';
import { DateScalar } from '../core/scalars';
import { SupportArea } from './support.enums';

@InputType({ description: 'A school committing to support another.' })
export class SupportLinkCreateInput {
  @Field(() => ID, { description: 'The school giving support.' })
  giverId!: string;

  @Field(() => ID, { description: 'The school receiving support.' })
  receiverId!: string;

  @Field(() => ID, { nullable: true, description: 'The group the support is brokered through, if any.' })
  groupId?: string;

  @Field(() => SupportArea, { description: 'Area of support.' })
  area!: SupportArea;

  @Field(() => Float, { description: 'Staff days the giver commits (0 to 1000).' })
  staffDaysCommitted!: number;

  @Field(() => DateScalar, { description: 'Date the support starts.' })
  startedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the support is due to end (not before it starts).' })
  endsOn?: string;

  @Field({ nullable: true, description: 'What the support is for (at most 2000 characters).' })
  @IsOptional()
  @MaxLength(2000, { message: 'must be at most 2000 characters long.' })
  description?: string;
}

@InputType({ description: 'Staff days delivered under a support link.' })
export class SupportLinkRecordDeliveryInput {
  @Field(() => ID, { description: 'The support link.' })
  supportLinkId!: string;

  @Field(() => Float, { description: 'Staff days delivered since the last record (more than 0, in steps of 0.5).' })
  staffDays!: number;
}
