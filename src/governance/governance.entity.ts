import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { DateScalar } from '../core/scalars';
import { Group } from '../groups/group.entity';
import { Person } from '../people/person.entity';
import { School } from '../schools/school.entity';
import { AppointingBody, GovernanceRole, GoverningBodyKind } from './governance.enums';

/**
 * A governing body: of one school, of a federation, a trust board, or a trust's local committee.
 * Which schools it governs follows from its kind: its school, or the current members of its group.
 */
@ObjectType({ implements: Node, description: 'A governing body: of a school, a federation, a trust board or a local committee.' })
@Entity({ tableName: 'governing_body' })
export class GoverningBody implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('GoverningBody', this.id);
  }

  @Field({ description: 'Name of the body.' })
  @Property()
  name!: string;

  @Field(() => GoverningBodyKind, { description: 'What the body governs.' })
  @Enum({ items: () => GoverningBodyKind })
  kind!: GoverningBodyKind;

  /** Set for a school's own body and for a local committee. */
  @ManyToOne(() => School, { nullable: true, deleteRule: 'cascade' })
  @Index()
  school?: School;

  /** Set for a federation's body, a trust board and a local committee. */
  @ManyToOne(() => Group, { nullable: true, deleteRule: 'cascade' })
  @Index()
  group?: Group;

  /** Seats its instrument of government (or a trust's articles) provides; null until set (governingBodySetSize). */
  @Field(() => Int, { nullable: true, description: 'Seats the body has by its instrument of government or articles; null until set.' })
  @Property({ type: 'smallint', nullable: true })
  setSize?: number | null;

  @Property({ onCreate: () => new Date() })
  createdAt: Date = new Date();
}

/** A person's seat on a governing body, with GIAS role, appointing body and term. */
@ObjectType({ implements: Node, description: "A person's seat on a governing body." })
@Entity({ tableName: 'governorship' })
export class Governorship implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('Governorship', this.id);
  }

  @ManyToOne(() => Person, { deleteRule: 'cascade' })
  @Index()
  person!: Person;

  @ManyToOne(() => GoverningBody, { deleteRule: 'cascade' })
  @Index()
  governingBody!: GoverningBody;

  @Field(() => GovernanceRole, { description: 'Role on the body (GIAS).' })
  @Enum({ items: () => GovernanceRole })
  role!: GovernanceRole;

  @Field(() => AppointingBody, { description: 'Who appointed or elected them.' })
  @Enum({ items: () => AppointingBody })
  appointingBody!: AppointingBody;

  @Field(() => DateScalar, { description: 'Start of the term of office.' })
  @Property({ type: 'date' })
  termStartedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Scheduled end of the term (governors usually serve four years).' })
  @Property({ type: 'date', nullable: true })
  termEndsOn?: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the governor actually stood down; null while serving.' })
  @Property({ type: 'date', nullable: true })
  endedOn?: string;
}
