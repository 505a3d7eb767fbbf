import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { Field, Float, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { DateScalar } from '../core/scalars';
import { School } from '../schools/school.entity';
import { GroupFormation, GroupKind, GroupLinkKind, GroupStatus, MembershipRole } from './group.enums';

@ObjectType({ implements: Node, description: 'A partnership of schools: federation, trust, hub, cluster or collaboration.' })
@Entity({ tableName: 'school_group' })
export class Group implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('Group', this.id);
  }

  @Field({ description: 'Name of the group.' })
  @Property()
  @Index()
  name!: string;

  @Field(() => GroupKind, { description: 'Kind of partnership. Fixed once created.' })
  @Enum({ items: () => GroupKind })
  kind!: GroupKind;

  @Field(() => GroupStatus, { description: 'Lifecycle status.' })
  @Enum({ items: () => GroupStatus })
  status: GroupStatus = GroupStatus.OPEN;

  @Field(() => GroupFormation, { nullable: true, description: 'How the group was formed.' })
  @Enum({ items: () => GroupFormation, nullable: true })
  formation?: GroupFormation;

  @Field(() => DateScalar, { nullable: true, description: 'Date the group opened.' })
  @Property({ type: 'date', nullable: true })
  openedOn?: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the group closed.' })
  @Property({ type: 'date', nullable: true })
  closedOn?: string;

  /** GIAS group UID or name key, so re-imports update the same group. */
  @Property({ nullable: true, unique: 'school_group_source_key_unique' })
  sourceKey?: string;

  @Property({ onCreate: () => new Date() })
  createdAt: Date = new Date();

  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/**
 * A school's membership of a group, with its role and dates. Ending a membership sets `leftOn`;
 * rows are never overwritten, so the history of who was in which trust stays queryable.
 */
@ObjectType({ implements: Node, description: "A school's membership of a group, with role and dates." })
@Entity({ tableName: 'membership' })
@Index({ properties: ['group', 'school'] })
export class Membership implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('Membership', this.id);
  }

  @ManyToOne(() => School, { deleteRule: 'cascade' })
  @Index()
  school!: School;

  @ManyToOne(() => Group, { deleteRule: 'cascade' })
  group!: Group;

  /** Copy of the group's kind, so the database can forbid two trusts or federations at once. */
  @Enum({ items: () => GroupKind })
  groupKind!: GroupKind;

  @Field(() => MembershipRole, { description: "The school's role in the group." })
  @Enum({ items: () => MembershipRole })
  role: MembershipRole = MembershipRole.MEMBER;

  @Field(() => DateScalar, { description: 'Date the school joined.' })
  @Property({ type: 'date' })
  joinedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the school left; null while it is a member.' })
  @Property({ type: 'date', nullable: true })
  leftOn?: string;
}

/** A standing relation between two groups: a hub serving a trust, an umbrella trust over trusts. */
@ObjectType({ implements: Node, description: 'A link from one group to another.' })
@Entity({ tableName: 'group_link' })
export class GroupLink implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('GroupLink', this.id);
  }

  @ManyToOne(() => Group, { deleteRule: 'cascade' })
  @Index()
  fromGroup!: Group;

  @ManyToOne(() => Group, { deleteRule: 'cascade' })
  @Index()
  toGroup!: Group;

  @Field(() => GroupLinkKind, { description: 'How the first group relates to the second.' })
  @Enum({ items: () => GroupLinkKind })
  kind!: GroupLinkKind;

  @Field(() => DateScalar, { description: 'Date the link started.' })
  @Property({ type: 'date' })
  startedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the link ended.' })
  @Property({ type: 'date', nullable: true })
  endedOn?: string;
}

/** What a group set out to achieve, and how it will know: the basis for impact evaluation. */
@ObjectType({ implements: Node, description: 'A strategic objective of a group, with its success criterion.' })
@Entity({ tableName: 'strategic_objective' })
export class StrategicObjective implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('StrategicObjective', this.id);
  }

  @ManyToOne(() => Group, { deleteRule: 'cascade' })
  @Index()
  group!: Group;

  @Field({ description: "The objective, in the group's words." })
  @Property({ type: 'text' })
  objective!: string;

  @Field({ nullable: true, description: 'Outcome metric the success criterion is measured on.' })
  @Property({ nullable: true })
  metric?: string;

  @Field(() => Float, { nullable: true, description: 'Target improvement in the metric.' })
  @Property({ type: 'double', nullable: true })
  targetChange?: number;

  @Field({ description: 'How success will be judged.' })
  @Property({ type: 'text' })
  successCriteria!: string;
}
