import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { Ctx, Field, FieldResolver, Float, Int, ObjectType, registerEnumType, Resolver, Root } from 'type-graphql';
import { TriggerRuleKind } from '../alerts/alert.enums';
import { EVIDENCE_AGE_DEFAULTS } from '../alerts/evaluation';
import type { Context } from '../core/context';
import { currentMembership } from '../core/current';
import { byId } from '../core/loaders';
import { DateScalar } from '../core/scalars';
import { isOutcomeMetric, METRICS } from '../evidence/evidence.enums';
import { StrategicObjective } from '../groups/group.entity';
import { School } from '../schools/school.entity';

/*
 * Progress of a strategic objective against its success criterion (metric, baseline, target, date),
 * computed from the outcome measures, per current member school and for the group.
 *
 *  - Evidence counts as the rules count it: a school's latest academic year of the metric, and only
 *    when that year ended (31 August) within MEASURE_WINDOW_YEARS (the METRIC_BELOW rules' default
 *    window). Older or missing: NO_DATA, with the year held, never a verdict from stale data.
 *  - MET: the value reaches the target (at least, or at most for metrics where lower is better).
 *  - Not reached and the target date has passed: OFF_TRACK.
 *  - Not reached, date to come: the trajectory is the straight line from the baseline (on the day the
 *    criterion was set) to the target (on its date); the value is compared with that line at the end of
 *    its academic year. At or beyond the line: ON_TRACK; behind it: OFF_TRACK. A school's own baseline
 *    is its value in the latest year that ended by the day the criterion was set; failing that, the
 *    criterion's baseline (the members' mean). Without either there is no line: OFF_TRACK, and the
 *    reason says so.
 *  - The group: the mean of the members whose evidence counts, judged the same way against the
 *    criterion's baseline; the reason names how many members counted and how many were left out.
 */
export const MEASURE_WINDOW_YEARS = EVIDENCE_AGE_DEFAULTS[TriggerRuleKind.METRIC_BELOW]!;

export enum ObjectiveProgressStatus {
  MET = 'met',
  ON_TRACK = 'on_track',
  OFF_TRACK = 'off_track',
  NO_DATA = 'no_data',
}
registerEnumType(ObjectiveProgressStatus, {
  name: 'ObjectiveProgressStatus',
  description: 'Where an objective stands against its success criterion.',
  valuesConfig: {
    MET: { description: 'The latest value that counts reaches the target.' },
    ON_TRACK: { description: 'Not reached yet, but at or beyond the straight line from the baseline to the target by its date.' },
    OFF_TRACK: { description: 'Behind that line, or the target date passed without reaching it (or no baseline to draw a line from).' },
    NO_DATA: { description: `No value of the metric recent enough to count (its academic year ended within ${MEASURE_WINDOW_YEARS} years).` },
  },
});

@ObjectType({ description: 'How one member school stands against an objective’s success criterion, and why.' })
export class SchoolObjectiveProgress {
  schoolId!: number;

  @Field(() => ObjectiveProgressStatus, { description: 'Met, on track, off track or no data.' })
  status!: ObjectiveProgressStatus;

  @Field({ description: 'Why: which measure, which year, and how the trajectory was judged.' })
  reason!: string;

  @Field(() => Float, { nullable: true, description: 'The value that counted (null with NO_DATA).' })
  value!: number | null;

  @Field(() => String, { nullable: true, description: 'Its academic year (the latest held, even when too old to count).' })
  academicYear!: string | null;

  @Field(() => Float, { nullable: true, description: 'The baseline the trajectory starts from.' })
  baseline!: number | null;

  @Field(() => Float, { nullable: true, description: 'Where the trajectory from baseline to target stood at the end of that academic year.' })
  expected!: number | null;
}

@ObjectType({ description: "An objective's progress: for the group (the mean of members whose evidence counts) and per member school." })
export class ObjectiveProgress {
  @Field(() => ObjectiveProgressStatus, { description: 'For the group.' })
  status!: ObjectiveProgressStatus;

  @Field({ description: 'Why, for the group: the members counted and left out, the value, the year and the trajectory.' })
  reason!: string;

  @Field(() => Float, { nullable: true, description: "Mean of the counted members' latest values." })
  value!: number | null;

  @Field(() => String, { nullable: true, description: 'The latest academic year among the counted values.' })
  academicYear!: string | null;

  @Field(() => Float, { nullable: true, description: "The criterion's baseline." })
  baseline!: number | null;

  @Field(() => Float, { nullable: true, description: 'Where the trajectory stood at the end of that academic year.' })
  expected!: number | null;

  @Field(() => Float, { description: 'The target.' })
  target!: number;

  @Field(() => DateScalar, { description: 'By when.' })
  targetOn!: string;

  @Field(() => Int, { description: 'Member schools whose evidence counted.' })
  schoolsCounted!: number;

  @Field(() => Int, { description: 'Member schools left out: no value, or too old to count.' })
  schoolsLeftOut!: number;

  @Field(() => [SchoolObjectiveProgress], { description: 'Each current member school, by name.' })
  schools!: SchoolObjectiveProgress[];
}

interface Criterion {
  id: number;
  group_id: number;
  metric: string;
  baseline: number | null;
  target: number;
  target_on: string;
  set_on: string;
}

interface MemberRow {
  school_id: number;
  name: string;
  academic_year: string | null;
  value: number | null;
  fresh: boolean;
  baseline_year: string | null;
  baseline_value: number | null;
}

const round = (value: number) => Number(value.toFixed(2));
const yearEnd = (year: string) => `${Number(year.slice(0, 4)) + 1}-08-31`;
const days = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);

interface Judged {
  status: ObjectiveProgressStatus;
  reason: string;
  expected: number | null;
}

/** Judges a value that counts against the criterion (the NO_DATA cases are decided before). */
export function judge(c: Criterion, value: number, year: string, baseline: number | null, baselineWords: string): Judged {
  const spec = METRICS[c.metric as keyof typeof METRICS];
  const sign = spec?.higherIsBetter === false ? -1 : 1;
  const better = sign > 0 ? 'at least' : 'at most';
  const of = `${c.metric} ${round(value)} in ${year}`;
  if (sign * (value - c.target) >= 0) return { status: ObjectiveProgressStatus.MET, reason: `${of} reaches the target (${better} ${c.target}).`, expected: null };
  if (c.target_on < today())
    return { status: ObjectiveProgressStatus.OFF_TRACK, reason: `${of} is short of the target (${better} ${c.target}), and its date ${c.target_on} has passed.`, expected: null };
  if (baseline == null)
    return {
      status: ObjectiveProgressStatus.OFF_TRACK,
      reason: `${of} is short of the target (${better} ${c.target} by ${c.target_on}); there is no baseline to draw a trajectory from, so it is not shown as on track.`,
      expected: null,
    };
  const at = yearEnd(year);
  const span = days(c.target_on) - days(c.set_on);
  const share = span <= 0 ? 1 : Math.min(1, Math.max(0, (days(at) - days(c.set_on)) / span));
  const expected = round(baseline + (c.target - baseline) * share);
  const onTrack = sign * (value - expected) >= 0;
  return {
    status: onTrack ? ObjectiveProgressStatus.ON_TRACK : ObjectiveProgressStatus.OFF_TRACK,
    reason:
      `${of} against ${expected} expected at the end of that year, on the straight line from the baseline ${round(baseline)} (${baselineWords}, as at ${c.set_on}) ` +
      `to ${c.target} by ${c.target_on}: ${onTrack ? 'at or beyond the line, on track' : 'behind the line, off track'}.`,
    expected,
  };
}

export async function progressOf(em: EntityManager, c: Criterion): Promise<ObjectiveProgress> {
  const members: MemberRow[] = await em.execute(
    `with members as (select distinct m.school_id from membership m where m.group_id = ? and ${currentMembership('m')})
     select s.id as school_id, s.name, l.academic_year, l.value,
       coalesce(make_date(left(l.academic_year, 4)::int + 1, 8, 31) > current_date - make_interval(years => ?), false) as fresh,
       b.academic_year as baseline_year, b.value as baseline_value
     from members mb join school s on s.id = mb.school_id
     left join lateral (select om.academic_year, om.value from outcome_measure om where om.school_id = s.id and om.metric = ?
       order by om.academic_year desc limit 1) l on true
     left join lateral (select om.academic_year, om.value from outcome_measure om where om.school_id = s.id and om.metric = ?
       and make_date(left(om.academic_year, 4)::int + 1, 8, 31) <= ?::date order by om.academic_year desc limit 1) b on true
     order by s.name, s.id`,
    [c.group_id, MEASURE_WINDOW_YEARS, c.metric, c.metric, c.set_on],
  );
  const schools: SchoolObjectiveProgress[] = members.map((m) => {
    const base = { schoolId: m.school_id, academicYear: m.academic_year, baseline: null as number | null, expected: null as number | null };
    if (m.value == null)
      return { ...base, status: ObjectiveProgressStatus.NO_DATA, value: null, reason: `${m.name} has no ${c.metric} recorded.` };
    if (!m.fresh)
      return {
        ...base,
        status: ObjectiveProgressStatus.NO_DATA,
        value: null,
        reason: `${m.name}'s latest ${c.metric} is for ${m.academic_year}, which ended more than ${MEASURE_WINDOW_YEARS} years ago: too old to count.`,
      };
    const own = m.baseline_value != null;
    const baseline = own ? Number(m.baseline_value) : c.baseline;
    const words = own ? `${m.name}'s own value in ${m.baseline_year}` : "the criterion's baseline, the members' mean";
    const judged = judge(c, Number(m.value), m.academic_year!, baseline, words);
    return { ...base, value: Number(m.value), baseline, expected: judged.expected, status: judged.status, reason: `${m.name}: ${judged.reason}` };
  });
  const counted = members.filter((m) => m.value != null && m.fresh);
  const leftOut = members.length - counted.length;
  const group = { target: c.target, targetOn: c.target_on, baseline: c.baseline, schools, schoolsCounted: counted.length, schoolsLeftOut: leftOut };
  if (!counted.length)
    return {
      ...group,
      status: ObjectiveProgressStatus.NO_DATA,
      reason: `None of the ${members.length} current member school(s) has ${c.metric} for an academic year that ended within ${MEASURE_WINDOW_YEARS} years.`,
      value: null,
      academicYear: null,
      expected: null,
    };
  const mean = round(counted.reduce((sum, m) => sum + Number(m.value), 0) / counted.length);
  const year = counted.map((m) => m.academic_year!).sort().at(-1)!;
  const judged = judge(c, mean, year, c.baseline, "the members' mean when the criterion was set");
  return {
    ...group,
    status: judged.status,
    value: mean,
    academicYear: year,
    expected: judged.expected,
    reason:
      `Mean of ${counted.length} of ${members.length} current member school(s) with ${c.metric} recent enough to count` +
      `${leftOut ? ` (${leftOut} left out: no value, or older than ${MEASURE_WINDOW_YEARS} years)` : ''}. ${judged.reason}`,
  };
}

function criterionLoader(ctx: Context): DataLoader<number, Criterion | null> {
  return ctx.loaders.get(
    'StrategicObjective.criterionForProgress',
    () =>
      new DataLoader<number, Criterion | null>(async (ids) => {
        const rows: Criterion[] = await ctx.em.execute(
          `select id, group_id, metric, baseline, target, target_on::text as target_on, coalesce(criterion_set_on, current_date)::text as set_on
           from strategic_objective where id = any(?::int[]) and metric is not null and target is not null and target_on is not null`,
          [`{${ids.join(',')}}`],
        );
        const found = new Map(rows.filter((row) => isOutcomeMetric(row.metric)).map((row) => [row.id, row]));
        return ids.map((id) => found.get(id) ?? null);
      }),
  );
}

@Resolver(() => StrategicObjective)
export class StrategicObjectiveProgressResolver {
  @FieldResolver(() => ObjectiveProgress, {
    nullable: true,
    description:
      'Progress against the success criterion, from the outcome measures: for the group and per current member school, each with its reason. Null until the criterion is set as data (successCriterionSet).',
  })
  async progress(@Root() objective: StrategicObjective, @Ctx() ctx: Context): Promise<ObjectiveProgress | null> {
    const criterion = await criterionLoader(ctx).load(objective.id);
    return criterion ? progressOf(ctx.em, criterion) : null;
  }
}

@Resolver(() => SchoolObjectiveProgress)
export class SchoolObjectiveProgressResolver {
  @FieldResolver(() => School, { description: 'The member school.' })
  async school(@Root() progress: SchoolObjectiveProgress, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(progress.schoolId))!;
  }
}

export const progressResolvers = [StrategicObjectiveProgressResolver, SchoolObjectiveProgressResolver] as const;
