import { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Info, Resolver, Root } from 'type-graphql';
import { visibleRows, visibleRowsNow } from '../auth/policy';
import { listsByParent, Loader, selectByParent } from '../core/loaders';
import { registerPrefetch, rowVariant, sql } from '../core/prefetch';
import { arrayRowMapper, rowArraySql } from '../core/rows';
import type { Context } from '../core/context';
import { School } from '../schools/school.entity';
import { OutcomeMetric } from './evidence.enums';
import { OutcomeMeasure } from './outcome-measure.entity';

/**
 * The newest value of each metric for every school in the batch: one `distinct on` statement, read
 * along the (school, metric, academic year) unique index. A metric that stopped being published
 * (e.g. no KS2 tests in 2019/20) keeps its last value rather than vanishing from the list.
 */
export function latestMeasuresLoader(ctx: Context, metrics?: OutcomeMetric[] | null, variant?: string): Loader<number, OutcomeMeasure[]> {
  const wanted = metrics ? [...new Set(metrics)].sort() : undefined;
  // `variant`: rows a prefetch read with fewer columns (core/prefetch.ts `rowVariant`); loaded here, rows are whole.
  return listsByParent(ctx, `OutcomeMeasure.latestBySchool:${JSON.stringify(wanted ?? null)}${variant ? `:${variant}` : ''}`, async (schoolIds) => {
    if (wanted?.length === 0) return [];
    return selectByParent(
      ctx.em,
      OutcomeMeasure,
      `select distinct on (m.school_id, m.metric) m.school_id as _parent, m.id, m.school_id, m.metric, m.academic_year, m.value, m.source, m.recorded_at
       from outcome_measure m
       where m.school_id = any(?::int[])${wanted ? ' and m.metric = any(?::text[])' : ''}
       order by m.school_id, m.metric, m.academic_year desc`,
      wanted ? [`{${schoolIds.join(',')}}`, `{${wanted.join(',')}}`] : [`{${schoolIds.join(',')}}`],
    );
  });
}

// The same rows in the statement of the list above the school (core/prefetch.ts).
registerPrefetch<OutcomeMetric[] | undefined>('School', 'latestMeasures', {
  childType: 'OutcomeMeasure',
  parentColumns: [],
  prepare: (args) => (args.metric ? [...(args.metric as OutcomeMetric[])] : undefined),
  sql: async (ctx, metrics, parent, b, _nested, child) => {
    const wanted = metrics ? [...new Set(metrics)].sort() : undefined;
    if (wanted?.length === 0) return sql`'[]'::json`;
    const m = b.alias('m');
    const x = b.alias('x');
    const filter = wanted ? { sql: ` and ${m}.metric = any(?::text[])`, params: [`{${wanted.join(',')}}`] } : '';
    // Only the columns the selection asks for (`child`), as arrays of values, aggregated in the order
    // `distinct on` yields them (by metric): an ordered aggregate would sort them again.
    return sql`coalesce((select json_agg(${rowArraySql(ctx.em, OutcomeMeasure, x, child?.columns)}) from (
      select distinct on (${m}.metric) ${m}.* from outcome_measure ${m} where ${m}.school_id = ${parent}.id${filter} order by ${m}.metric, ${m}.academic_year desc) ${x}), '[]'::json)`;
  },
  prime: (ctx, metrics, school, json, _nested, child, field) => {
    const rows = (json as unknown[][]).map(arrayRowMapper(ctx.em, OutcomeMeasure, child?.columns)) as OutcomeMeasure[];
    const loader = ctx.loaders.atPosition(field, () => latestMeasuresLoader(ctx, metrics, child?.variant));
    const now = visibleRowsNow(ctx.viewer, rows);
    if (now) return void loader.prime(school.id, now);
    return visibleRows(ctx.viewer, rows).then((visible) => void loader.prime(school.id, visible));
  },
});

@Resolver(() => School)
export class SchoolLatestMeasuresResolver {
  @FieldResolver(() => [OutcomeMeasure], {
    description:
      'The newest value of each outcome metric held for this school (one per metric, whatever its year), by metric name. At most one per metric, so the list is bounded by the OutcomeMetric enum.',
  })
  latestMeasures(
    @Root() school: School,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('metric', () => [OutcomeMetric], { nullable: true, description: 'Only these metrics (all when left out).' })
    metric?: OutcomeMetric[] | null,
  ): OutcomeMeasure[] | Promise<OutcomeMeasure[]> {
    return ctx.loaders.atPosition(info.fieldNodes, () => latestMeasuresLoader(ctx, metric, rowVariant(ctx, info, 'OutcomeMeasure', false))).loadNow(school.id);
  }
}
