import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, Float, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { School } from '../schools/school.entity';
import { OutcomeMetric } from './evidence.enums';

/** One value of one metric for one school and academic year. Recording it again replaces the value. */
@ObjectType({ implements: Node, description: 'A school outcome (attainment, progress, attendance, exclusions) for an academic year.' })
@Entity({ tableName: 'outcome_measure' })
@Unique({ name: 'outcome_measure_school_metric_year_unique', properties: ['school', 'metric', 'academicYear'] })
export class OutcomeMeasure implements Node {
  @PrimaryKey({ type: 'bigint', runtimeType: 'number' })
  id!: number;

  get nodeId(): string {
    return toGlobalId('OutcomeMeasure', this.id);
  }

  @ManyToOne(() => School, { deleteRule: 'cascade' })
  school!: School;

  @Field(() => OutcomeMetric, { description: 'What is measured.' })
  @Enum({ items: () => OutcomeMetric })
  metric!: OutcomeMetric;

  @Field({ description: "Academic year, as 'YYYY/YY' (e.g. '2017/18')." })
  @Property({ type: 'text' })
  academicYear!: string;

  @Field(() => Float, { description: 'The value, in the unit of the metric (percentages are 0-100).' })
  @Property({ type: 'decimal', runtimeType: 'number' })
  value!: number;

  @Field({ description: "Where the value came from (e.g. 'ks2_performance_tables')." })
  @Property({ type: 'text' })
  source!: string;

  @Field({ description: 'When the value was last recorded.' })
  @Property({ onCreate: () => new Date() })
  recordedAt: Date = new Date();
}
