import type { EntityManager } from '@mikro-orm/postgresql';
import { OPEN_STATUSES } from './geo';
import { dissimilarity, PRIOR_ATTAINMENT_CTE } from './similarity';

/**
 * Impact of a group on one metric (DESIGN.md, Analytics): difference in differences.
 *
 * For each school that joined (current members, and former ones while they were in), its change is
 * the metric's value in the latest academic year that started on or after it joined, less the value
 * in the latest year that ended before it joined. Its comparison schools are the COMPARISONS_PER_MEMBER
 * most similar schools of its phase (similarity.ts) that have never been in the group, with their
 * change over the same two years. The estimate is the members' mean change less the comparison
 * schools' mean change, with a percentile bootstrap interval (members and comparison schools
 * resampled independently, BOOTSTRAP_ROUNDS times, from a fixed seed so a report reads the same
 * twice). Fewer than MIN_MEMBERS members or MIN_COMPARISONS comparison schools with both years:
 * "too little data", said plainly, with the counts.
 */
export const COMPARISONS_PER_MEMBER = 5;
export const MIN_MEMBERS = 3;
export const MIN_COMPARISONS = 5;
export const BOOTSTRAP_ROUNDS = 2000;

export interface Change {
  schoolId: number;
  before: number;
  after: number;
  change: number;
}

export interface ImpactEstimate {
  metric: string;
  higherIsBetter: boolean;
  members: Change[];
  comparisons: Change[];
  memberMeanChange: number | null;
  comparisonMeanChange: number | null;
  difference: number | null;
  intervalLow: number | null;
  intervalHigh: number | null;
  verdict: 'improved' | 'no_clear_difference' | 'worsened' | 'too_little_data';
  summary: string;
  /** Members' mean in the latest year held (for the success criterion). */
  latestMean: number | null;
  latestYear: string | null;
}

interface Pair {
  side: 'member' | 'comparison';
  school_id: number;
  before: string;
  after: string;
}

/** Academic year as a date range: '2021/22' starts 2021-09-01 and ends 2022-08-31. */
const YEAR_START = (y: string) => `make_date(substr(${y}, 1, 4)::int, 9, 1)`;
const YEAR_END = (y: string) => `make_date(substr(${y}, 1, 4)::int + 1, 8, 31)`;

export async function changesFor(em: EntityManager, groupId: number, metric: string): Promise<Pair[]> {
  return em.execute(
    `with prior as materialized (${PRIOR_ATTAINMENT_CTE}),
     joined as (
       select m.school_id, min(m.joined_on) as joined_on from membership m where m.group_id = ? group by m.school_id),
     years as (
       select j.school_id,
         (select om.academic_year from outcome_measure om where om.school_id = j.school_id and om.metric = ?
            and ${YEAR_END('om.academic_year')} < j.joined_on order by om.academic_year desc limit 1) as before_year,
         (select om.academic_year from outcome_measure om where om.school_id = j.school_id and om.metric = ?
            and ${YEAR_START('om.academic_year')} >= j.joined_on order by om.academic_year desc limit 1) as after_year
       from joined j),
     members as (
       select y.school_id, y.before_year, y.after_year from years y where y.before_year is not null and y.after_year is not null),
     comparison as (
       select m.school_id as member_id, m.before_year, m.after_year, c.id as school_id
       from members m join school o on o.id = m.school_id left join prior po on po.school_id = o.id
       cross join lateral (
         select c.id from school c left join prior pc on pc.school_id = c.id
         where c.phase = o.phase and c.status in ${OPEN_STATUSES} and c.id <> o.id
           and not exists (select 1 from membership x where x.group_id = ? and x.school_id = c.id)
           and exists (select 1 from outcome_measure b where b.school_id = c.id and b.metric = ? and b.academic_year = m.before_year)
           and exists (select 1 from outcome_measure a where a.school_id = c.id and a.metric = ? and a.academic_year = m.after_year)
         order by ${dissimilarity('o', 'c', 'po.value', 'pc.value')}, c.urn limit ${COMPARISONS_PER_MEMBER}) c)
     select 'member' as side, m.school_id, b.value as before, a.value as after
     from members m
     join outcome_measure b on b.school_id = m.school_id and b.metric = ? and b.academic_year = m.before_year
     join outcome_measure a on a.school_id = m.school_id and a.metric = ? and a.academic_year = m.after_year
     union all
     select 'comparison', c.school_id, b.value, a.value
     from comparison c
     join outcome_measure b on b.school_id = c.school_id and b.metric = ? and b.academic_year = c.before_year
     join outcome_measure a on a.school_id = c.school_id and a.metric = ? and a.academic_year = c.after_year`,
    [groupId, metric, metric, groupId, metric, metric, metric, metric, metric, metric],
  );
}

/** A small seeded PRNG (mulberry32): the bootstrap gives the same interval for the same data. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const round = (value: number) => Number(value.toFixed(3));

export function bootstrapInterval(members: number[], comparisons: number[], rounds = BOOTSTRAP_ROUNDS, seed = 12): [number, number] {
  const random = seeded(seed);
  const draw = (values: number[]) => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[Math.floor(random() * values.length)];
    return sum / values.length;
  };
  const estimates: number[] = [];
  for (let r = 0; r < rounds; r++) estimates.push(draw(members) - draw(comparisons));
  estimates.sort((a, b) => a - b);
  return [estimates[Math.floor(0.025 * rounds)], estimates[Math.min(rounds - 1, Math.ceil(0.975 * rounds) - 1)]];
}

export async function estimateImpact(em: EntityManager, groupId: number, metric: string): Promise<ImpactEstimate> {
  const [spec]: { higher_is_better: boolean }[] = await em.execute(`select higher_is_better from outcome_metric where metric = ?`, [
    metric,
  ]);
  const higherIsBetter = spec?.higher_is_better ?? true;
  const pairs = await changesFor(em, groupId, metric);
  const toChange = (p: Pair): Change => ({
    schoolId: p.school_id,
    before: Number(p.before),
    after: Number(p.after),
    change: Number(p.after) - Number(p.before),
  });
  const members = pairs.filter((p) => p.side === 'member').map(toChange);
  // A school may be the comparison of several members: it counts once per member it stands beside.
  const comparisons = pairs.filter((p) => p.side === 'comparison').map(toChange);
  const [latest]: { mean: string | null; year: string | null }[] = await em.execute(
    `with latest as (
       select distinct on (om.school_id) om.school_id, om.academic_year, om.value
       from outcome_measure om join membership m on m.school_id = om.school_id and m.group_id = ?
         and m.joined_on <= current_date and (m.left_on is null or m.left_on > current_date)
       where om.metric = ? order by om.school_id, om.academic_year desc)
     select avg(value) as mean, max(academic_year) as year from latest`,
    [groupId, metric],
  );
  const base = {
    metric,
    higherIsBetter,
    members,
    comparisons,
    latestMean: latest?.mean == null ? null : round(Number(latest.mean)),
    latestYear: latest?.year ?? null,
  };
  if (members.length < MIN_MEMBERS || comparisons.length < MIN_COMPARISONS) {
    return {
      ...base,
      memberMeanChange: members.length ? round(mean(members.map((m) => m.change))) : null,
      comparisonMeanChange: comparisons.length ? round(mean(comparisons.map((c) => c.change))) : null,
      difference: null,
      intervalLow: null,
      intervalHigh: null,
      verdict: 'too_little_data',
      summary:
        `Too little data to conclude: ${members.length} member school(s) have ${metric} both before and after joining ` +
        `(at least ${MIN_MEMBERS} needed) and ${comparisons.length} comparison school(s) the same years (at least ${MIN_COMPARISONS} needed).`,
    };
  }
  const memberMean = mean(members.map((m) => m.change));
  const comparisonMean = mean(comparisons.map((c) => c.change));
  const difference = memberMean - comparisonMean;
  const [low, high] = bootstrapInterval(
    members.map((m) => m.change),
    comparisons.map((c) => c.change),
  );
  const better = higherIsBetter ? low > 0 : high < 0;
  const worse = higherIsBetter ? high < 0 : low > 0;
  const verdict = better ? 'improved' : worse ? 'worsened' : 'no_clear_difference';
  const words = { improved: 'improved more than', worsened: 'did worse than', no_clear_difference: 'cannot be told apart from' }[verdict];
  return {
    ...base,
    memberMeanChange: round(memberMean),
    comparisonMeanChange: round(comparisonMean),
    difference: round(difference),
    intervalLow: round(low),
    intervalHigh: round(high),
    verdict,
    summary:
      `Members (${members.length}) changed by ${round(memberMean)} on ${metric} since joining; similar schools that did not join (${comparisons.length}) ` +
      `by ${round(comparisonMean)} over the same years. Difference ${round(difference)} (95% bootstrap interval ${round(low)} to ${round(high)}): the members ${words} them.`,
  };
}
