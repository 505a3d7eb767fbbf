import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { Field, Float, ObjectType } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { Access } from '../auth/auth-checker';
import { Node, toGlobalId } from '../core/node';
import { DateScalar } from '../core/scalars';
import { Group } from '../groups/group.entity';
import { School } from '../schools/school.entity';
import { StaffRole } from './people.enums';

/** A person who governs or works in schools. Contact details are private to the bodies they sit on. */
@ObjectType({ implements: Node, description: 'A person who governs or works in schools.' })
@Entity({ tableName: 'person' })
export class Person implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('Person', this.id);
  }

  @Field({ description: 'Full name.' })
  @Property()
  fullName!: string;

  @Authorized(Access.CONTACT)
  @Field({ nullable: true, description: 'Email address. Shown to those who sit on a governing body with the person, and to admins.' })
  @Property({ nullable: true })
  email?: string;

  @Authorized(Access.CONTACT)
  @Field({ nullable: true, description: 'Telephone number. Shown to those who sit on a governing body with the person, and to admins.' })
  @Property({ nullable: true })
  phone?: string;

  @Property({ onCreate: () => new Date() })
  createdAt: Date = new Date();
}

/**
 * A staff post: a person serving a school or a group, for a share of their time (FTE).
 * Shared staff are people whose current posts span more than one school.
 */
@ObjectType({ implements: Node, description: 'A staff post held by a person in a school or a group.' })
@Entity({ tableName: 'post' })
export class Post implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('Post', this.id);
  }

  @ManyToOne(() => Person, { deleteRule: 'cascade' })
  @Index()
  person!: Person;

  @Field(() => StaffRole, { description: 'The role.' })
  @Enum({ items: () => StaffRole })
  role!: StaffRole;

  @ManyToOne(() => School, { nullable: true, deleteRule: 'cascade' })
  @Index()
  school?: School;

  @ManyToOne(() => Group, { nullable: true, deleteRule: 'cascade' })
  @Index()
  group?: Group;

  @Field(() => Float, { description: 'Share of a full-time post (0 < FTE <= 1).' })
  @Property({ type: 'decimal', precision: 4, scale: 3, runtimeType: 'number' })
  fte!: number;

  @Field(() => DateScalar, { description: 'Date the post started.' })
  @Property({ type: 'date' })
  startedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the post ended; null while held.' })
  @Property({ type: 'date', nullable: true })
  endedOn?: string;
}
