import DataLoader from 'dataloader';
import { listsByParent, Loader, selectByParent } from '../core/loaders';
import type { Context } from '../core/context';
import { registerPrefetch, sql } from '../core/prefetch';
import { arrayRowMapper, rowArraySql, rowMapper } from '../core/rows';
import { OutcomeMetric } from './evidence.enums';
import { Inspection, InspectionJudgement } from './inspection.entity';
import { OutcomeMeasure } from './outcome-measure.entity';

/**
 * The newest inspection of each school in the batch: one `distinct on` statement over the index.
 * `variant`: inspections a prefetch read with fewer columns (core/prefetch.ts `rowVariant`); loaded
 * here, rows are whole, which serve any selection.
 */
export function latestInspectionLoader(ctx: Context, variant?: string): Loader<number, Inspection | null> {
  return ctx.loaders.get(
    variant ? `Inspection.latestBySchool:${variant}` : 'Inspection.latestBySchool',
    () =>
      new Loader<number, Inspection | null>(async (schoolIds) => {
        const rows: Record<string, unknown>[] = await ctx.em
          .getConnection()
          .execute(
            `select distinct on (i.school_id) i.* from inspection i where i.school_id in (?) order by i.school_id, i.inspected_on desc, i.id desc`,
            [[...schoolIds]],
          );
        const map = rowMapper(ctx.em, Inspection);
        const found = new Map(rows.map((row) => [row.school_id as number, map(row)]));
        return schoolIds.map((id) => found.get(id) ?? null);
      }),
  );
}

/** Judgements of every inspection in the batch, in area order. */
export function judgementsLoader(ctx: Context): DataLoader<number, InspectionJudgement[]> {
  return listsByParent(ctx, 'InspectionJudgement.byInspection', (inspectionIds) =>
    selectByParent(
      ctx.em,
      InspectionJudgement,
      `select j.inspection_id as _parent, j.* from inspection_judgement j where j.inspection_id in (?) order by j.inspection_id, j.area`,
      [inspectionIds],
    ),
  );
}

export interface MeasureFilter {
  metrics?: OutcomeMetric[];
  years?: string[];
  limit: number;
}

/**
 * Measures of every school in the batch matching one filter (a loader per distinct filter), newest
 * year first, at most `limit` per school: row_number() over a window per school keeps it one statement.
 */
export function measuresLoader(ctx: Context, filter: MeasureFilter): DataLoader<number, OutcomeMeasure[]> {
  const metrics = filter.metrics ? [...new Set(filter.metrics)].sort() : undefined;
  const years = filter.years ? [...new Set(filter.years)].sort() : undefined;
  const key = `OutcomeMeasure.bySchool:${JSON.stringify([metrics, years, filter.limit])}`;
  return listsByParent(ctx, key, async (schoolIds) => {
    if (metrics?.length === 0 || years?.length === 0) return [];
    const conditions = ['m.school_id in (?)'];
    const params: unknown[] = [schoolIds];
    if (metrics) {
      conditions.push('m.metric in (?)');
      params.push(metrics);
    }
    if (years) {
      conditions.push('m.academic_year in (?)');
      params.push(years);
    }
    return selectByParent(
      ctx.em,
      OutcomeMeasure,
      `select x.school_id as _parent, x.id, x.school_id, x.metric, x.academic_year, x.value, x.source, x.recorded_at from (
         select m.*, row_number() over (partition by m.school_id order by m.academic_year desc, m.metric) as _n
         from outcome_measure m where ${conditions.join(' and ')}
       ) x where x._n <= ? order by x.school_id, x._n`,
      [...params, filter.limit],
    );
  });
}

// School.latestInspection in the statement of the list above the school (core/prefetch.ts).
// Only the columns the selection asks for (the plan below, `child`), as an array of values.
registerPrefetch('School', 'latestInspection', {
  childType: 'Inspection',
  parentColumns: [],
  prepare: () => null,
  sql: async (ctx, _prepared, parent, b, _nested, child) => {
    const i = b.alias('i');
    return sql`(select ${rowArraySql(ctx.em, Inspection, i, child?.columns)} from inspection ${i} where ${i}.school_id = ${parent}.id order by ${i}.inspected_on desc, ${i}.id desc limit 1)`;
  },
  prime: (ctx, _prepared, school, json, _nested, child, field) => {
    ctx.loaders.atPosition(field, () => latestInspectionLoader(ctx, child?.variant)).prime(school.id, json ? arrayRowMapper(ctx.em, Inspection, child?.columns)(json) : null);
  },
});
