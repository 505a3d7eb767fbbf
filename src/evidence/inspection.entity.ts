import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { DateScalar } from '../core/scalars';
import { School } from '../schools/school.entity';
import { CategoryOfConcern, EstynEvaluation, EvidenceArea, Inspectorate, OfstedGrade } from './evidence.enums';

/** One inspection of a school. Recording the same school, inspectorate and date again updates it in place. */
@ObjectType({ implements: Node, description: 'An Ofsted or Estyn inspection of a school, with its grades.' })
@Entity({ tableName: 'inspection' })
@Unique({ name: 'inspection_school_inspectorate_date_unique', properties: ['school', 'inspectorate', 'inspectedOn'] })
export class Inspection implements Node {
  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('Inspection', this.id);
  }

  @ManyToOne(() => School, { deleteRule: 'cascade' })
  school!: School;

  @Field(() => Inspectorate, { description: 'Ofsted or Estyn.' })
  @Enum({ items: () => Inspectorate })
  inspectorate!: Inspectorate;

  @Field(() => DateScalar, { description: 'Date of the inspection (its last day).' })
  @Property({ type: 'date' })
  inspectedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the report was published, when known.' })
  @Property({ type: 'date', nullable: true })
  publishedOn?: string;

  @Field(() => OfstedGrade, {
    nullable: true,
    description: 'Ofsted overall effectiveness; null for Estyn (no overall grade) and for ungraded inspections.',
  })
  @Property({ type: 'smallint', nullable: true })
  overallEffectiveness?: OfstedGrade;

  @Field(() => CategoryOfConcern, { nullable: true, description: 'Category of concern the inspection placed the school in, if any.' })
  @Enum({ items: () => CategoryOfConcern, nullable: true })
  categoryOfConcern?: CategoryOfConcern;

  @Field({ description: "Where the record came from (e.g. 'gias_establishments', 'ofsted_management_information', 'trellis')." })
  @Property({ type: 'text' })
  source!: string;

  @Property({ onCreate: () => new Date() })
  createdAt: Date = new Date();

  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** The grade an inspection gave one area. Estyn areas carry their word as well as the grade. */
@ObjectType({ description: 'The grade an inspection gave one area.' })
@Entity({ tableName: 'inspection_judgement' })
@Unique({ name: 'inspection_judgement_area_unique', properties: ['inspection', 'area'] })
export class InspectionJudgement {
  @PrimaryKey()
  id!: number;

  @ManyToOne(() => Inspection, { deleteRule: 'cascade' })
  inspection!: Inspection;

  @Field(() => EvidenceArea, { description: 'The area judged.' })
  @Enum({ items: () => EvidenceArea })
  area!: EvidenceArea;

  @Field(() => Int, {
    description:
      "Grade 1 to 4, 1 best, on the inspectorate's four-point scale (Ofsted outstanding..inadequate; Estyn excellent..unsatisfactory).",
  })
  @Property({ type: 'smallint' })
  grade!: number;

  @Field(() => EstynEvaluation, { nullable: true, description: "Estyn's word for the grade; null for Ofsted." })
  @Enum({ items: () => EstynEvaluation, nullable: true })
  evaluation?: EstynEvaluation;
}
