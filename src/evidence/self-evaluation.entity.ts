import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { DateScalar } from '../core/scalars';
import { School } from '../schools/school.entity';
import { EvidenceArea } from './evidence.enums';

/** A school's own grade for an area, to set beside the external judgement ("an overly optimistic view"). */
@ObjectType({ implements: Node, description: "A school's own grade for one area, on Ofsted's scale, at a date." })
@Entity({ tableName: 'self_evaluation' })
@Unique({ name: 'self_evaluation_school_area_date_unique', properties: ['school', 'area', 'evaluatedOn'] })
export class SelfEvaluation implements Node {
  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('SelfEvaluation', this.id);
  }

  @ManyToOne(() => School, { deleteRule: 'cascade' })
  school!: School;

  @Field(() => EvidenceArea, { description: 'The area graded.' })
  @Enum({ items: () => EvidenceArea })
  area!: EvidenceArea;

  @Field(() => Int, { description: 'Grade 1 (outstanding) to 4 (inadequate).' })
  @Property({ type: 'smallint' })
  grade!: number;

  @Field(() => DateScalar, { description: 'Date of the self-evaluation.' })
  @Property({ type: 'date' })
  evaluatedOn!: string;

  @Field({ nullable: true, description: "The school's summary of its reasons." })
  @Property({ type: 'text', nullable: true })
  summary?: string;

  @Property({ onCreate: () => new Date() })
  createdAt: Date = new Date();
}
