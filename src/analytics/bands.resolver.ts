import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  Float,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Authorized } from '../auth/guard';
import { Access } from '../auth/auth-checker';
import type { Context } from '../core/context';
import { byId } from '../core/loaders';
import { mutate } from '../core/mutation';
import { DateScalar } from '../core/scalars';
import { fail, UserError } from '../core/user-errors';
import { OutcomeMetric } from '../evidence/evidence.enums';
import { Inspection } from '../evidence/inspection.entity';
import { School } from '../schools/school.entity';
import { Phase } from '../schools/school.enums';
import { BandCriterion, PerformanceBand } from './analytics.enums';
import { bandReasons, BandRow, computeAllBands, loadBands } from './bands.service';

@ObjectType({ description: 'One measure a band rests on: its latest value within the window, against a threshold.' })
export class BandMeasure {
  @Field(() => BandCriterion, { description: 'What the threshold decides.' })
  criterion!: BandCriterion;

  @Field(() => OutcomeMetric, { description: 'The metric.' })
  metric!: OutcomeMetric;

  @Field({ description: "Academic year of the value (e.g. '2017/18'): the latest held within the window." })
  academicYear!: string;

  @Field(() => Float, { description: 'The value.' })
  value!: number;

  @Field(() => Float, { description: 'The threshold it is compared with.' })
  threshold!: number;

  @Field({ description: "Whether the value is on the threshold's good side (for a floor: not below it)." })
  passed!: boolean;
}

@ObjectType({ description: "A school's performance band and exactly what it rests on." })
export class PerformanceBandAssessment {
  @Field(() => PerformanceBand, { description: 'The band.' })
  band!: PerformanceBand;

  @Field(() => [String], { description: 'Why, in words: which inspection, which measures and years, and the rule that decided.' })
  reasons!: string[];

  /** Database id of the inspection, loaded by `inspection`. */
  inspectionId!: number | null;

  @Field(() => [BandMeasure], { description: 'The measures compared with the thresholds of the school’s phase.' })
  measures!: BandMeasure[];

  @Field(() => DateScalar, { description: 'The day the evidence windows were counted back from.' })
  asOf!: string;

  @Field({ description: 'When the band was last computed (it is recomputed when evidence or settings change, and when the day turns).' })
  computedAt!: Date;
}

function assessment(row: BandRow | undefined, asOf: string): PerformanceBandAssessment {
  if (!row) {
    return {
      band: PerformanceBand.NO_RECENT_EVIDENCE,
      reasons: ['No inspection or outcome measure has been recorded for this school.'],
      inspectionId: null,
      measures: [],
      asOf,
      computedAt: new Date(),
    };
  }
  return {
    band: row.band,
    reasons: bandReasons(row),
    inspectionId: row.inspection_id,
    measures: row.measures.map((m) => ({
      ...m,
      metric: m.metric as OutcomeMetric,
      value: Number(m.value),
      threshold: Number(m.threshold),
    })),
    asOf: row.as_of,
    computedAt: row.computed_at,
  };
}

export function bandLoader(ctx: Context): DataLoader<number, PerformanceBandAssessment> {
  return ctx.loaders.get(
    'PerformanceBand.bySchool',
    () =>
      new DataLoader<number, PerformanceBandAssessment>(async (ids) => {
        const rows = await loadBands(ctx.em, ids);
        const today = new Date().toISOString().slice(0, 10);
        return ids.map((id) => assessment(rows.get(id), today));
      }),
  );
}

@Resolver(() => PerformanceBandAssessment)
export class PerformanceBandAssessmentResolver {
  @FieldResolver(() => Inspection, {
    nullable: true,
    description: 'The inspection the band rests on (the latest within the window), if any.',
  })
  async inspection(@Root() band: PerformanceBandAssessment, @Ctx() ctx: Context): Promise<Inspection | null> {
    return band.inspectionId == null ? null : ((await byId(ctx, Inspection).load(band.inspectionId)) ?? null);
  }
}

@Resolver(() => School)
export class SchoolBandResolver {
  @FieldResolver(() => PerformanceBandAssessment, {
    description: 'Performance band (high-performing, in need, ...) with the inspection and measures it rests on. Public: from public data.',
  })
  performanceBand(@Root() school: School, @Ctx() ctx: Context): Promise<PerformanceBandAssessment> {
    return bandLoader(ctx).load(school.id);
  }
}

@ObjectType({ description: 'A threshold on one metric for one phase.' })
export class BandThreshold {
  @Field(() => Phase, { description: 'Phase of the schools it applies to.' })
  phase!: Phase;

  @Field(() => BandCriterion, { description: 'What it decides.' })
  criterion!: BandCriterion;

  @Field(() => OutcomeMetric, { description: 'The metric compared.' })
  metric!: OutcomeMetric;

  @Field(() => Float, { description: "The threshold (in the metric's unit; the metric says whether higher is better)." })
  threshold!: number;
}

@ObjectType({ description: 'How performance bands are computed: evidence windows and thresholds.' })
export class PerformanceBandSettings {
  @Field(() => Int, { description: 'The latest inspection counts if not older than this many years.' })
  inspectionMaxAgeYears!: number;

  @Field(() => Int, { description: "Each metric's latest academic year counts if not older than this many academic years." })
  measureMaxAgeYears!: number;

  @Field(() => DateScalar, { nullable: true, description: 'Day the windows are counted back from (later evidence ignored); null: today.' })
  asOf!: string | null;

  @Field(() => [BandThreshold], { description: 'Every threshold, by phase.' })
  thresholds!: BandThreshold[];
}

@InputType({ description: 'Changes to the evidence windows; fields left out keep their value.' })
export class PerformanceBandSettingsUpdateInput {
  @Field(() => Int, { nullable: true, description: 'Years an inspection counts (1 to 20).' })
  inspectionMaxAgeYears?: number;

  @Field(() => Int, { nullable: true, description: 'Academic years a measure counts (1 to 20).' })
  measureMaxAgeYears?: number;

  @Field(() => DateScalar, { nullable: true, description: 'Read the evidence as it stood on this day.' })
  asOf?: string;

  @Field({ nullable: true, description: 'True to count back from today again (clears `asOf`).' })
  asOfToday?: boolean;
}

@InputType({ description: 'Sets (adds or changes) the threshold for a phase, criterion and metric.' })
export class BandThresholdSetInput {
  @Field(() => Phase, { description: 'Phase it applies to.' })
  phase!: Phase;

  @Field(() => BandCriterion, { description: 'What it decides.' })
  criterion!: BandCriterion;

  @Field(() => OutcomeMetric, { description: 'The metric.' })
  metric!: OutcomeMetric;

  @Field(() => Float, { description: "The threshold, within the metric's range." })
  threshold!: number;
}

@InputType({ description: 'Removes the threshold for a phase, criterion and metric.' })
export class BandThresholdRemoveInput {
  @Field(() => Phase, { description: 'Phase.' })
  phase!: Phase;

  @Field(() => BandCriterion, { description: 'Criterion.' })
  criterion!: BandCriterion;

  @Field(() => OutcomeMetric, { description: 'Metric.' })
  metric!: OutcomeMetric;
}

@ObjectType({ description: 'Result of changing how bands are computed (every band is recomputed in the same transaction).' })
export class PerformanceBandSettingsPayload {
  @Field(() => PerformanceBandSettings, { nullable: true, description: 'The settings after the change; null when nothing was written.' })
  settings?: PerformanceBandSettings;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

export async function readSettings(em: EntityManager): Promise<PerformanceBandSettings> {
  const [row] = await em.execute(
    `select inspection_max_age_years, measure_max_age_years, as_of::text as as_of from performance_band_settings`,
  );
  const thresholds: { phase: Phase; criterion: BandCriterion; metric: OutcomeMetric; threshold: string }[] = await em.execute(
    `select phase, criterion, metric, threshold from performance_band_threshold order by phase, criterion, metric`,
  );
  return {
    inspectionMaxAgeYears: row.inspection_max_age_years,
    measureMaxAgeYears: row.measure_max_age_years,
    asOf: row.as_of,
    thresholds: thresholds.map((t) => ({ ...t, threshold: Number(t.threshold) })),
  };
}

const inRange = (value: number | undefined, field: string) => {
  if (value !== undefined && value !== null && !(Number.isInteger(value) && value >= 1 && value <= 20))
    fail(['input', field], `must be a whole number of years from 1 to 20; got ${value}.`);
};

@Resolver()
export class PerformanceBandSettingsResolver {
  @Query(() => PerformanceBandSettings, { description: 'How performance bands are computed: evidence windows and thresholds.' })
  performanceBandSettings(@Ctx() ctx: Context): Promise<PerformanceBandSettings> {
    return readSettings(ctx.em);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => PerformanceBandSettingsPayload, { description: 'Changes the evidence windows (admins); every band is recomputed.' })
  performanceBandSettingsUpdate(
    @Arg('input', { description: 'The changes.' }) input: PerformanceBandSettingsUpdateInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      inRange(input.inspectionMaxAgeYears, 'inspectionMaxAgeYears');
      inRange(input.measureMaxAgeYears, 'measureMaxAgeYears');
      if (input.asOf && input.asOfToday) fail(['input', 'asOfToday'], 'give either asOf or asOfToday, not both.');
      if (input.asOf && input.asOf > new Date().toISOString().slice(0, 10)) fail(['input', 'asOf'], 'must not be in the future.');
      await em.execute(
        `update performance_band_settings set
           inspection_max_age_years = coalesce(?, inspection_max_age_years),
           measure_max_age_years = coalesce(?, measure_max_age_years),
           as_of = case when ? then null else coalesce(?::date, as_of) end,
           updated_at = now(), updated_by = ?`,
        [
          input.inspectionMaxAgeYears ?? null,
          input.measureMaxAgeYears ?? null,
          Boolean(input.asOfToday),
          input.asOf ?? null,
          ctx.viewer.label,
        ],
      );
      await computeAllBands(em);
      return { settings: await readSettings(em) };
    });
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => PerformanceBandSettingsPayload, { description: 'Adds or changes one threshold (admins); every band is recomputed.' })
  performanceBandThresholdSet(@Arg('input', { description: 'The threshold.' }) input: BandThresholdSetInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      const [metric]: { min_value: string; max_value: string }[] = await em.execute(
        `select min_value, max_value from outcome_metric where metric = ?`,
        [input.metric],
      );
      if (!Number.isFinite(input.threshold) || input.threshold < Number(metric.min_value) || input.threshold > Number(metric.max_value))
        fail(
          ['input', 'threshold'],
          `must be within ${input.metric}'s range, ${Number(metric.min_value)} to ${Number(metric.max_value)}; got ${input.threshold}.`,
        );
      await em.execute(
        `insert into performance_band_threshold (phase, criterion, metric, threshold) values (?, ?, ?, ?)
         on conflict (phase, criterion, metric) do update set threshold = excluded.threshold`,
        [input.phase, input.criterion, input.metric, input.threshold],
      );
      await em.execute(`update performance_band_settings set updated_at = now(), updated_by = ?`, [ctx.viewer.label]);
      await computeAllBands(em);
      return { settings: await readSettings(em) };
    });
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => PerformanceBandSettingsPayload, { description: 'Removes one threshold (admins); every band is recomputed.' })
  performanceBandThresholdRemove(@Arg('input', { description: 'Which threshold.' }) input: BandThresholdRemoveInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      const removed: unknown[] = await em.execute(
        `delete from performance_band_threshold where phase = ? and criterion = ? and metric = ? returning id`,
        [input.phase, input.criterion, input.metric],
      );
      if (removed.length === 0) fail(['input'], `no ${input.criterion} threshold on ${input.metric} is set for ${input.phase} schools.`);
      await em.execute(`update performance_band_settings set updated_at = now(), updated_by = ?`, [ctx.viewer.label]);
      await computeAllBands(em);
      return { settings: await readSettings(em) };
    });
  }
}

export const bandResolvers = [PerformanceBandAssessmentResolver, SchoolBandResolver, PerformanceBandSettingsResolver] as const;
