import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { Field, Float, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { DateScalar } from '../core/scalars';
import { Group } from '../groups/group.entity';
import { School } from '../schools/school.entity';
import { SupportArea } from './support.enums';

/** One school supporting another, inside a group or not, with the staff days promised and given. */
@ObjectType({ implements: Node, description: 'One school supporting another in an area, with staff days committed and delivered.' })
@Entity({ tableName: 'support_link' })
export class SupportLink implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt' | 'staffDaysDelivered';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('SupportLink', this.id);
  }

  @ManyToOne(() => School, { deleteRule: 'cascade' })
  @Index()
  giver!: School;

  @ManyToOne(() => School, { deleteRule: 'cascade' })
  @Index()
  receiver!: School;

  /** The group the support is brokered through, if any. */
  @ManyToOne(() => Group, { nullable: true, deleteRule: 'set null' })
  group?: Group;

  @Field(() => SupportArea, { description: 'Area of support.' })
  @Enum({ items: () => SupportArea })
  area!: SupportArea;

  @Field(() => Float, { description: 'Staff days the giver committed.' })
  @Property({ type: 'decimal', precision: 7, scale: 1, runtimeType: 'number' })
  staffDaysCommitted!: number;

  @Field(() => Float, { description: 'Staff days delivered so far.' })
  @Property({ type: 'decimal', precision: 7, scale: 1, runtimeType: 'number' })
  staffDaysDelivered: number = 0;

  @Field(() => DateScalar, { description: 'Date the support started.' })
  @Property({ type: 'date' })
  startedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the support ended or is due to end.' })
  @Property({ type: 'date', nullable: true })
  endsOn?: string;

  @Field({ nullable: true, description: 'What the support is for.' })
  @Property({ type: 'text', nullable: true })
  description?: string;
}
