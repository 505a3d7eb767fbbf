import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique, OptionalProps } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { DateScalar } from '../core/scalars';
import { EstablishmentType, Nation, Phase, SchoolLinkReason, SchoolStatus, UrbanRural } from './school.enums';

@ObjectType({ implements: Node, description: 'A school or other establishment, identified by its GIAS URN.' })
@Entity({ tableName: 'school' })
export class School implements Node {
  /** Fields with defaults or derived values, optional when creating. */
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('School', this.id);
  }

  @Field(() => Int, { description: 'Unique Reference Number from Get Information about Schools (GIAS).' })
  @Property()
  @Unique({ name: 'school_urn_unique' })
  urn!: number;

  @Field({ description: 'Name of the establishment.' })
  @Property()
  name!: string;

  @Field(() => Phase, { description: 'Phase of education.' })
  @Enum({ items: () => Phase })
  phase!: Phase;

  @Field(() => EstablishmentType, { description: 'GIAS type of establishment.' })
  @Enum({ items: () => EstablishmentType })
  establishmentType!: EstablishmentType;

  @Field(() => SchoolStatus, { description: 'Open, closed, or proposed to open or close.' })
  @Enum({ items: () => SchoolStatus })
  status: SchoolStatus = SchoolStatus.OPEN;

  @Field(() => Nation, { description: 'England or Wales.' })
  @Enum({ items: () => Nation })
  nation: Nation = Nation.ENGLAND;

  /** Local authority code (e.g. 850 for Hampshire); the GraphQL field `localAuthority` pairs it with the name. */
  @Property({ nullable: true })
  @Index()
  laCode?: number;

  @Property({ nullable: true })
  laName?: string;

  @Field({ nullable: true, description: 'Government office region (e.g. South East).' })
  @Property({ nullable: true })
  region?: string;

  @Field({ nullable: true, description: 'Parliamentary constituency.' })
  @Property({ nullable: true })
  constituency?: string;

  @Field(() => UrbanRural, { nullable: true, description: 'Rural-urban classification of the site.' })
  @Enum({ items: () => UrbanRural, nullable: true })
  urbanRural?: UrbanRural;

  @Field(() => Float, { nullable: true, description: 'Latitude (WGS84) of the site.' })
  @Property({ type: 'double', nullable: true })
  latitude?: number;

  @Field(() => Float, { nullable: true, description: 'Longitude (WGS84) of the site.' })
  @Property({ type: 'double', nullable: true })
  longitude?: number;

  @Field(() => Int, { nullable: true, description: 'Pupils on roll at the last census.' })
  @Property({ nullable: true })
  pupilsOnRoll?: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Percentage of pupils eligible for free school meals at any time in the last six years (0-100).',
  })
  @Property({ type: 'decimal', precision: 5, scale: 2, nullable: true, runtimeType: 'number' })
  percentFsm?: number;

  @Field(() => DateScalar, { nullable: true, description: 'Date the establishment opened.' })
  @Property({ type: 'date', nullable: true })
  openedOn?: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the establishment closed.' })
  @Property({ type: 'date', nullable: true })
  closedOn?: string;

  @Property({ onCreate: () => new Date() })
  createdAt: Date = new Date();

  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** One URN following another: how a school's history survives academy conversion or merger. */
@ObjectType({ description: 'A link from a predecessor establishment to its successor.' })
@Entity({ tableName: 'school_link' })
@Unique({ name: 'school_link_pair_unique', properties: ['predecessor', 'successor'] })
export class SchoolLink {
  @PrimaryKey()
  id!: number;

  @ManyToOne(() => School, { deleteRule: 'cascade' })
  predecessor!: School;

  @ManyToOne(() => School, { deleteRule: 'cascade' })
  @Index()
  successor!: School;

  @Field(() => SchoolLinkReason, { description: 'Why the successor replaced the predecessor.' })
  @Enum({ items: () => SchoolLinkReason })
  reason: SchoolLinkReason = SchoolLinkReason.SUCCESSION;

  @Field(() => DateScalar, { nullable: true, description: 'Date the link took effect.' })
  @Property({ type: 'date', nullable: true })
  linkedOn?: string;
}
