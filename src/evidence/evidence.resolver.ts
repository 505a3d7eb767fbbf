import type { EntityManager } from '@mikro-orm/postgresql';
import type { GraphQLResolveInfo } from 'graphql';
import { Access } from '../auth/auth-checker';
import { Arg, Args, Ctx, Field, FieldResolver, Info, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { publish } from '../core/domain-events';
import { byId, ChildList, childConnection, childPages } from '../core/loaders';
import { registerNodeTypes } from '../core/node.resolver';
import { rowVariant } from '../core/prefetch';
import { badInput, ConnectionType, EdgeType, isPosition, PageArgs, readPage } from '../core/pagination';
import { loadByGlobalId, mutate } from '../core/mutation';
import { check, UserError, userError, UserInputFailure } from '../core/user-errors';
import { School } from '../schools/school.entity';
import type { Context } from '../core/context';
import { CATEGORIES_OF, ESTYN_GRADE, EvidenceArea, Inspectorate, OfstedGrade, OutcomeMetric } from './evidence.enums';
import { InspectionRecordInput, MeasureRecordInput, MeasuresRecordBulkInput, SelfEvaluationRecordInput } from './evidence.inputs';
import { judgementsLoader, latestInspectionLoader, measuresLoader } from './evidence.loaders';
import { Inspection, InspectionJudgement } from './inspection.entity';
import { inspectionsRecorded, writeInspections } from './inspections.service';
import { academicYearProblem, checkMeasures, ItemProblem, MeasureRow, recordMeasures, valueProblem } from './measures.service';
import { OutcomeMeasure } from './outcome-measure.entity';
import { SelfEvaluation } from './self-evaluation.entity';

registerNodeTypes(Inspection, OutcomeMeasure, SelfEvaluation);

/** Most measures one school returns in one list: a school has a few metrics a year, so this is years of data. */
export const MAX_MEASURES = 500;
/** Most values one data drop may carry (England is about 24,000 schools x 10 metrics). */
export const MAX_DROP = 500_000;
/** Most item errors a refused drop reports; the count of the rest follows in one last error. */
export const MAX_REPORTED_PROBLEMS = 1000;

@ObjectType({ description: 'An edge in a list of inspections.' })
export class InspectionEdge extends EdgeType(Inspection, 'The inspection.') {}

@ObjectType({ description: 'A page of inspections.' })
export class InspectionConnection extends ConnectionType(InspectionEdge) {}

@ObjectType({ description: 'An edge in a list of self-evaluations.' })
export class SelfEvaluationEdge extends EdgeType(SelfEvaluation, 'The self-evaluation.') {}

@ObjectType({ description: 'A page of self-evaluations.' })
export class SelfEvaluationConnection extends ConnectionType(SelfEvaluationEdge) {}

@ObjectType({ description: 'Result of recording an inspection.' })
export class InspectionRecordPayload {
  @Field(() => Inspection, { nullable: true, description: 'The inspection as recorded; null when nothing was written.' })
  inspection?: Inspection;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of recording one outcome value.' })
export class MeasureRecordPayload {
  @Field(() => OutcomeMeasure, { nullable: true, description: 'The measure as recorded; null when nothing was written.' })
  measure?: OutcomeMeasure;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of a data drop: every value written, or none.' })
export class MeasuresRecordBulkPayload {
  @Field(() => Int, { nullable: true, description: 'Values recorded for the first time; null when nothing was written.' })
  created?: number;

  @Field(() => Int, { nullable: true, description: 'Values that replaced a different earlier value; null when nothing was written.' })
  updated?: number;

  @Field(() => Int, { nullable: true, description: 'Values equal to those already recorded; null when nothing was written.' })
  unchanged?: number;

  @Field(() => Int, { nullable: true, description: 'Schools the drop covers; null when nothing was written.' })
  schoolCount?: number;

  @Field(() => [UserError], {
    description: `Every item at fault, by path (e.g. ["input", "measures", "12", "value"]), up to ${MAX_REPORTED_PROBLEMS}; empty on success.`,
  })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of recording a self-evaluation.' })
export class SelfEvaluationRecordPayload {
  @Field(() => SelfEvaluation, { nullable: true, description: 'The self-evaluation as recorded; null when nothing was written.' })
  selfEvaluation?: SelfEvaluation;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

const today = () => new Date().toISOString().slice(0, 10);

const inspectionList: ChildList = {
  list: 'school.inspections',
  table: 'inspection',
  parentColumn: 'school_id',
  orderBy: 't.inspected_on desc, t.id desc',
};

const selfEvaluationList: ChildList = {
  list: 'school.selfEvaluations',
  table: 'self_evaluation',
  parentColumn: 'school_id',
  orderBy: 't.evaluated_on desc, t.area, t.id',
};

@Resolver(() => School)
export class SchoolEvidenceResolver {
  @FieldResolver(() => Inspection, {
    nullable: true,
    description: 'The most recent inspection (by inspection date); null if never inspected.',
  })
  latestInspection(@Root() school: School, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Inspection | null | Promise<Inspection | null> {
    return ctx.loaders.atPosition(info.fieldNodes, () => latestInspectionLoader(ctx, rowVariant(ctx, info, 'Inspection', false))).loadNow(school.id);
  }

  @FieldResolver(() => InspectionConnection, { description: 'Inspections of this school, newest first.' })
  async inspections(@Root() school: School, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const page = readPage(inspectionList.list, pageArgs, isPosition);
    const result = await childPages(ctx, Inspection, inspectionList, page).load(school.id);
    return childConnection(inspectionList, page, result, (node, cursor) => ({ node, cursor }));
  }

  @FieldResolver(() => [OutcomeMeasure], {
    description: `Outcome measures, newest academic year first, then by metric; at most \`limit\` (up to ${MAX_MEASURES}).`,
  })
  measures(
    @Root() school: School,
    @Ctx() ctx: Context,
    @Arg('metric', () => [OutcomeMetric], { nullable: true, description: 'Only these metrics (all when left out).' })
    metric?: OutcomeMetric[],
    @Arg('years', () => [String], { nullable: true, description: "Only these academic years, as 'YYYY/YY' (all when left out)." })
    years?: string[],
    @Arg('limit', () => Int, { defaultValue: 100, description: `Most measures to return (1 to ${MAX_MEASURES}).` }) limit = 100,
  ): Promise<OutcomeMeasure[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_MEASURES)
      throw badInput(`limit must be between 1 and ${MAX_MEASURES}; got ${limit}.`, 'limit');
    for (const year of years ?? []) {
      const problem = academicYearProblem(year);
      if (problem) throw badInput(`years: ${problem}`, 'years');
    }
    return measuresLoader(ctx, { metrics: metric ?? undefined, years: years ?? undefined, limit }).load(school.id);
  }

  @Authorized(Access.EVIDENCE)
  @FieldResolver(() => SelfEvaluationConnection, { description: "The school's self-evaluations, newest first." })
  async selfEvaluations(@Root() school: School, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const page = readPage(selfEvaluationList.list, pageArgs, isPosition);
    const result = await childPages(ctx, SelfEvaluation, selfEvaluationList, page).load(school.id);
    return childConnection(selfEvaluationList, page, result, (node, cursor) => ({ node, cursor }));
  }
}

@Resolver(() => Inspection)
export class InspectionResolver {
  @FieldResolver(() => School, { description: 'The school inspected.' })
  async school(@Root() inspection: Inspection, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(inspection.school.id)) as School;
  }

  @FieldResolver(() => [InspectionJudgement], { description: 'Grades by area, in area order.' })
  judgements(@Root() inspection: Inspection, @Ctx() ctx: Context): Promise<InspectionJudgement[]> {
    return judgementsLoader(ctx).load(inspection.id);
  }
}

@Resolver(() => OutcomeMeasure)
export class OutcomeMeasureResolver {
  @FieldResolver(() => School, { description: 'The school measured.' })
  async school(@Root() measure: OutcomeMeasure, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(measure.school.id)) as School;
  }
}

@Resolver(() => SelfEvaluation)
export class SelfEvaluationResolver {
  @FieldResolver(() => School, { description: 'The school that evaluated itself.' })
  async school(@Root() evaluation: SelfEvaluation, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(evaluation.school.id)) as School;
  }
}

function requireSource(source: string, field: string[]): UserError[] {
  const trimmed = source.trim();
  if (!trimmed) return [userError(field, 'must not be empty.')];
  if (trimmed.length > 100) return [userError(field, 'must be at most 100 characters long.')];
  return [];
}

function throwIfAny(errors: UserError[]): void {
  if (errors.length > 0) throw new UserInputFailure(errors);
}

/** Every rule an inspection must meet, reported together so one round trip shows all that is wrong. */
function inspectionErrors(input: InspectionRecordInput): UserError[] {
  const errors: UserError[] = [];
  const at = (...path: (string | number)[]) => ['input', ...path.map(String)];
  if (input.inspectedOn > today()) errors.push(userError(at('inspectedOn'), 'must not be in the future.'));
  if (input.publishedOn && input.publishedOn < input.inspectedOn)
    errors.push(userError(at('publishedOn'), 'must not be before the inspection.'));
  const estyn = input.inspectorate === Inspectorate.ESTYN;
  if (estyn && input.overallEffectiveness != null) {
    errors.push(userError(at('overallEffectiveness'), 'Estyn gives no overall effectiveness grade; leave it out.'));
  }
  if (input.categoryOfConcern) {
    if (!CATEGORIES_OF[input.inspectorate].includes(input.categoryOfConcern)) {
      errors.push(userError(at('categoryOfConcern'), `${input.categoryOfConcern} is not a category ${input.inspectorate} uses.`));
    } else if (!estyn && input.overallEffectiveness !== OfstedGrade.INADEQUATE) {
      errors.push(userError(at('overallEffectiveness'), 'must be INADEQUATE when Ofsted places a school in a category of concern.'));
    }
  }
  const areas = new Set<EvidenceArea>();
  input.judgements?.forEach((judgement, i) => {
    if (judgement.area === EvidenceArea.OVERALL_EFFECTIVENESS) {
      errors.push(userError(at('judgements', i, 'area'), 'overall effectiveness is the inspection’s own field, not a judgement area.'));
    } else if (areas.has(judgement.area)) {
      errors.push(userError(at('judgements', i, 'area'), `${judgement.area} is judged more than once.`));
    }
    areas.add(judgement.area);
    if (estyn) {
      if (!judgement.evaluation) errors.push(userError(at('judgements', i, 'evaluation'), 'is required for an Estyn judgement.'));
      else if (judgement.grade != null && judgement.grade !== ESTYN_GRADE[judgement.evaluation]) {
        errors.push(
          userError(at('judgements', i, 'grade'), `must be ${ESTYN_GRADE[judgement.evaluation]} for ${judgement.evaluation}, or left out.`),
        );
      }
    } else {
      if (judgement.evaluation) errors.push(userError(at('judgements', i, 'evaluation'), 'is for Estyn judgements only.'));
      if (judgement.grade == null) errors.push(userError(at('judgements', i, 'grade'), 'is required for an Ofsted judgement.'));
      else if (!Number.isInteger(judgement.grade) || judgement.grade < 1 || judgement.grade > 4) {
        errors.push(userError(at('judgements', i, 'grade'), `must be between 1 and 4; got ${judgement.grade}.`));
      }
    }
  });
  if (input.source != null) errors.push(...requireSource(input.source, at('source')));
  return errors;
}

async function replaceJudgements(em: EntityManager, inspectionId: number, input: InspectionRecordInput): Promise<void> {
  if (!input.judgements) return;
  await em.execute(`delete from inspection_judgement where inspection_id = ?`, [inspectionId]);
  if (input.judgements.length === 0) return;
  const rows = input.judgements.map((j) => [j.area, j.evaluation ? ESTYN_GRADE[j.evaluation] : j.grade, j.evaluation ?? null]);
  await em.execute(
    `insert into inspection_judgement (inspection_id, area, grade, evaluation)
     select ?, r->>0, (r->>1)::smallint, r->>2 from json_array_elements(?::json) r`,
    [inspectionId, JSON.stringify(rows)],
  );
}

function itemErrors(problems: ItemProblem[]): UserError[] {
  const shown = problems.slice(0, MAX_REPORTED_PROBLEMS).map((p) => userError(['input', 'measures', String(p.index), p.field], p.message));
  if (problems.length > MAX_REPORTED_PROBLEMS) {
    shown.push(userError(['input', 'measures'], `and ${problems.length - MAX_REPORTED_PROBLEMS} more problems not listed.`));
  }
  return shown;
}

@Resolver()
@Authorized(Access.WRITE_EVIDENCE)
export class EvidenceMutations {
  @Mutation(() => InspectionRecordPayload, {
    description: 'Records an inspection; the same school, inspectorate and date again updates it. Evaluates the inspection rules.',
  })
  inspectionRecord(@Arg('input', { description: 'The inspection and its grades.' }) input: InspectionRecordInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      await check(input);
      throwIfAny(inspectionErrors(input));
      const school = await loadByGlobalId(em, School, input.schoolId, ['input', 'schoolId']);
      const written = await writeInspections(em, [
        {
          schoolId: school.id,
          inspectorate: input.inspectorate,
          inspectedOn: input.inspectedOn,
          publishedOn: input.publishedOn,
          overallEffectiveness: input.overallEffectiveness,
          categoryOfConcern: input.categoryOfConcern,
          source: input.source?.trim() || 'trellis',
        },
      ]);
      await replaceJudgements(em, written.ids[0], input);
      await inspectionsRecorded(em, [school.id]);
      return { inspection: await em.findOneOrFail(Inspection, { id: written.ids[0] }, { refresh: true }) };
    });
  }

  @Mutation(() => MeasureRecordPayload, {
    description: 'Records one outcome value; the same school, metric and year again replaces it. Evaluates the metric rules.',
  })
  measureRecord(@Arg('input', { description: 'The value and what it measures.' }) input: MeasureRecordInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      const errors: UserError[] = [];
      const yearProblem = academicYearProblem(input.academicYear);
      if (yearProblem) errors.push(userError(['input', 'academicYear'], yearProblem));
      const wrongValue = valueProblem(input.metric, input.value);
      if (wrongValue) errors.push(userError(['input', 'value'], wrongValue));
      errors.push(...requireSource(input.source, ['input', 'source']));
      throwIfAny(errors);
      const school = await loadByGlobalId(em, School, input.schoolId, ['input', 'schoolId']);
      const row: MeasureRow = { schoolId: school.id, metric: input.metric, academicYear: input.academicYear, value: input.value };
      await recordMeasures(em, [row], input.source.trim());
      const measure = await em.findOneOrFail(
        OutcomeMeasure,
        { school: school.id, metric: input.metric, academicYear: input.academicYear },
        { refresh: true },
      );
      return { measure };
    });
  }

  @Mutation(() => MeasuresRecordBulkPayload, {
    description:
      "Records a data drop (e.g. a year's KS2 results for every school) in one transaction: every item is checked first and " +
      'any bad item refuses the whole drop (a drop is one unit), with an error per item. Writes set-based; evaluates the rules once.',
  })
  @Authorized(Access.DATA_DROP)
  measuresRecordBulk(@Arg('input', { description: 'The source and its values.' }) input: MeasuresRecordBulkInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      throwIfAny(requireSource(input.source, ['input', 'source']));
      if (input.measures.length > MAX_DROP)
        throwIfAny([userError(['input', 'measures'], `may hold at most ${MAX_DROP} values; got ${input.measures.length}.`)]);
      const { rows, problems } = await checkMeasures(em, input.measures);
      throwIfAny(itemErrors(problems));
      const written = await recordMeasures(em, rows as MeasureRow[], input.source.trim());
      return { created: written.created, updated: written.updated, unchanged: written.unchanged, schoolCount: written.schoolIds.length };
    });
  }

  @Mutation(() => SelfEvaluationRecordPayload, {
    description:
      "Records a school's own grade for an area; the same school, area and date again replaces it. Evaluates the comparison rules.",
  })
  selfEvaluationRecord(
    @Arg('input', { description: 'The school, the area and its grade.' }) input: SelfEvaluationRecordInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(input);
      const errors: UserError[] = [];
      if (!Number.isInteger(input.grade) || input.grade < 1 || input.grade > 4) {
        errors.push(userError(['input', 'grade'], `must be between 1 and 4; got ${input.grade}.`));
      }
      if (input.evaluatedOn > today()) errors.push(userError(['input', 'evaluatedOn'], 'must not be in the future.'));
      throwIfAny(errors);
      const school = await loadByGlobalId(em, School, input.schoolId, ['input', 'schoolId']);
      const [row]: { id: number }[] = await em.execute(
        `insert into self_evaluation (school_id, area, grade, evaluated_on, summary) values (?, ?, ?, ?, ?)
         on conflict on constraint self_evaluation_school_area_date_unique do update set grade = excluded.grade, summary = excluded.summary
         returning id`,
        [school.id, input.area, input.grade, input.evaluatedOn, input.summary ?? null],
      );
      await publish(em, { type: 'self_evaluations.recorded', schoolIds: [school.id] });
      return { selfEvaluation: await em.findOneOrFail(SelfEvaluation, { id: row.id }, { refresh: true }) };
    });
  }
}

export const evidenceResolvers = [
  SchoolEvidenceResolver,
  InspectionResolver,
  OutcomeMeasureResolver,
  SelfEvaluationResolver,
  EvidenceMutations,
] as const;
