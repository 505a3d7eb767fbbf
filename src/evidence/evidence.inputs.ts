import { IsOptional, MaxLength } from 'class-validator';
import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { DateScalar } from '../core/scalars';
import { CategoryOfConcern, EstynEvaluation, EvidenceArea, Inspectorate, OfstedGrade, OutcomeMetric } from './evidence.enums';

@InputType({ description: 'The grade an inspection gave one area.' })
export class InspectionJudgementInput {
  @Field(() => EvidenceArea, { description: 'The area judged (not OVERALL_EFFECTIVENESS: that is the inspection’s own field).' })
  area!: EvidenceArea;

  @Field(() => Int, { nullable: true, description: 'Grade 1 (best) to 4. Required for Ofsted; for Estyn it follows from `evaluation`.' })
  grade?: number;

  @Field(() => EstynEvaluation, { nullable: true, description: "Estyn's evaluation (Estyn only)." })
  evaluation?: EstynEvaluation;
}

@InputType({ description: 'An inspection to record. The same school, inspectorate and date again updates the record.' })
export class InspectionRecordInput {
  @Field(() => ID, { description: 'The school inspected.' })
  schoolId!: string;

  @Field(() => Inspectorate, { description: 'Ofsted or Estyn.' })
  inspectorate!: Inspectorate;

  @Field(() => DateScalar, { description: 'Date of the inspection (not in the future).' })
  inspectedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the report was published (not before the inspection).' })
  publishedOn?: string;

  @Field(() => OfstedGrade, { nullable: true, description: 'Ofsted overall effectiveness; leave out for Estyn and ungraded inspections.' })
  overallEffectiveness?: OfstedGrade;

  @Field(() => CategoryOfConcern, {
    nullable: true,
    description: 'Category of concern, if any (Ofsted: only with INADEQUATE; Estyn: its own categories).',
  })
  categoryOfConcern?: CategoryOfConcern;

  @Field(() => [InspectionJudgementInput], {
    nullable: true,
    description: 'Grades by area; when given they replace those recorded before, when left out those are kept.',
  })
  judgements?: InspectionJudgementInput[];

  @Field({ nullable: true, description: "Where the record comes from (default 'trellis'; at most 100 characters)." })
  @IsOptional()
  @MaxLength(100, { message: 'must be at most 100 characters long.' })
  source?: string;
}

@InputType({ description: 'One outcome value for one school and academic year. Recording it again replaces the value.' })
export class MeasureRecordInput {
  @Field(() => ID, { description: 'The school.' })
  schoolId!: string;

  @Field(() => OutcomeMetric, { description: 'What is measured.' })
  metric!: OutcomeMetric;

  @Field({ description: "Academic year as 'YYYY/YY' (e.g. '2017/18')." })
  academicYear!: string;

  @Field(() => Float, { description: "The value, within the metric's range (percentages 0 to 100)." })
  value!: number;

  @Field({ description: "Where the value comes from (e.g. 'ks2_performance_tables'; at most 100 characters)." })
  source!: string;
}

@InputType({ description: 'One value in a data drop. Name the school by exactly one of `urn` and `schoolId`.' })
export class BulkMeasureInput {
  @Field(() => Int, { nullable: true, description: 'GIAS URN of the school.' })
  urn?: number;

  @Field(() => ID, { nullable: true, description: 'Global ID of the school.' })
  schoolId?: string;

  @Field(() => OutcomeMetric, { description: 'What is measured.' })
  metric!: OutcomeMetric;

  @Field({ description: "Academic year as 'YYYY/YY' (e.g. '2017/18')." })
  academicYear!: string;

  @Field(() => Float, { description: "The value, within the metric's range (percentages 0 to 100)." })
  value!: number;
}

@InputType({ description: 'A data drop: many schools’ outcome values from one source, recorded all or nothing.' })
export class MeasuresRecordBulkInput {
  @Field({ description: "Where the values come from (e.g. 'ks2_performance_tables'; at most 100 characters)." })
  source!: string;

  @Field(() => [BulkMeasureInput], { description: 'The values (at most 500,000; each school, metric and year at most once).' })
  measures!: BulkMeasureInput[];
}

@InputType({ description: "A school's own grade for one area." })
export class SelfEvaluationRecordInput {
  @Field(() => ID, { description: 'The school evaluating itself.' })
  schoolId!: string;

  @Field(() => EvidenceArea, { description: 'The area graded.' })
  area!: EvidenceArea;

  @Field(() => Int, { description: 'Grade 1 (outstanding) to 4 (inadequate).' })
  grade!: number;

  @Field(() => DateScalar, { description: 'Date of the self-evaluation (not in the future).' })
  evaluatedOn!: string;

  @Field({ nullable: true, description: 'Summary of the reasons (at most 4000 characters).' })
  @IsOptional()
  @MaxLength(4000, { message: 'must be at most 4000 characters long.' })
  summary?: string;
}
