import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { logger } from '../logger';
import { onDomainEvent } from '../core/domain-events';
import { registerSweepPrelude } from '../alerts/sweep';
import { intArray } from '../auth/viewer';
import { BandCriterion, PerformanceBand } from './analytics.enums';

/**
 * Performance bands (DESIGN.md, Analytics), computed set-based in SQL and kept in `performance_band`
 * with what they rest on, so that candidate search and area capacity read an index, not the evidence.
 *
 *  - in need: the latest inspection within the window is requires improvement or inadequate, or has a
 *    category of concern; or any floor measure is on the wrong side of its threshold;
 *  - high-performing: otherwise, the latest inspection is outstanding; or good with every high
 *    attainment and progress threshold of the school's phase met (a phase with none: outstanding only);
 *  - no recent evidence: no inspection and no measure within the windows; neither: the rest.
 *
 * Windows (as the rules read evidence): the latest inspection, if not older than
 * `inspection_max_age_years`; for each metric, the latest academic year, if not older than
 * `measure_max_age_years` academic years. Both are counted back from `as_of` (today when unset), and
 * evidence dated after `as_of` is ignored, so an area can be read as it stood on a given day.
 *
 * Bands are recomputed for the schools whose inspections or measures change, in the writer's
 * transaction (domain events, as the alert rules are); for every school when the settings change;
 * and for every school when the day turns (the windows move with the calendar), by the scheduler,
 * not by a read: reads never write.
 */

/** The settings row: '[0]' of `performance_band_settings`, with the day bands are computed for. */
const SETTINGS = `settings as (
    select coalesce(as_of, current_date) as as_of, inspection_max_age_years as inspection_years, measure_max_age_years as measure_years,
      extract(year from coalesce(as_of, current_date))::int - case when extract(month from coalesce(as_of, current_date)) >= 9 then 0 else 1 end
        as academic_year_now
    from performance_band_settings)`;

/** Categories that put a school in need whatever its grade (an Estyn review alone does not). */
const CONCERNS = `('special_measures', 'serious_weaknesses', 'significant_improvement')`;

function bandSql(target: string): string {
  return `with ${SETTINGS},
    target as (${target}),
    inspections as (
      select distinct on (i.school_id) i.school_id, i.id, i.inspectorate, i.inspected_on, i.category_of_concern,
        coalesce(i.overall_effectiveness, (select max(j.grade) from inspection_judgement j where j.inspection_id = i.id))::int as grade
      from inspection i join target t on t.school_id = i.school_id cross join settings st
      where i.inspected_on <= st.as_of and i.inspected_on > st.as_of - make_interval(years => st.inspection_years)
      order by i.school_id, i.inspected_on desc, i.id desc),
    measures as (
      select distinct on (t.school_id, th.criterion, th.metric) t.school_id, th.criterion, th.metric, th.threshold, om.academic_year, om.value,
        case when th.criterion = 'floor'
             then case when m.higher_is_better then om.value >= th.threshold else om.value <= th.threshold end
             else case when m.higher_is_better then om.value >= th.threshold else om.value <= th.threshold end end as passed
      from target t
      join performance_band_threshold th on th.phase = t.phase
      join outcome_metric m on m.metric = th.metric
      join outcome_measure om on om.school_id = t.school_id and om.metric = th.metric
      cross join settings st
      where substr(om.academic_year, 1, 4)::int <= st.academic_year_now
        and st.academic_year_now - substr(om.academic_year, 1, 4)::int <= st.measure_years
      order by t.school_id, th.criterion, th.metric, om.academic_year desc),
    high_needed as (select phase, count(*)::int as n from performance_band_threshold where criterion <> 'floor' group by phase),
    per_school as (
      select t.school_id, i.id as inspection_id, i.grade, i.category_of_concern,
        case when i.id is null then null else jsonb_build_object('inspectorate', i.inspectorate, 'inspectedOn', i.inspected_on,
          'grade', i.grade, 'categoryOfConcern', i.category_of_concern) end as inspection,
        coalesce(jsonb_agg(jsonb_build_object('criterion', m.criterion, 'metric', m.metric, 'academicYear', m.academic_year,
          'value', m.value, 'threshold', m.threshold, 'passed', m.passed) order by m.criterion, m.metric) filter (where m.metric is not null), '[]') as measures,
        coalesce(bool_or(m.criterion = 'floor' and not m.passed), false) as below_floor,
        count(*) filter (where m.criterion <> 'floor' and m.passed)::int as high_met,
        coalesce(max(h.n), 0) as high_needed
      from target t
      left join inspections i on i.school_id = t.school_id
      left join measures m on m.school_id = t.school_id
      left join high_needed h on h.phase = t.phase
      group by t.school_id, i.id, i.inspectorate, i.inspected_on, i.grade, i.category_of_concern)
    insert into performance_band as pb (school_id, band, inspection_id, inspection_grade, measures, reasons, as_of, computed_at,
      phase, open, latitude, longitude, location)
    select p.school_id,
      case when p.grade >= 3 or p.category_of_concern in ${CONCERNS} or p.below_floor then 'in_need'
           when p.grade = 1 then 'high_performing'
           when p.grade = 2 and p.high_needed > 0 and p.high_met = p.high_needed then 'high_performing'
           when p.inspection_id is null and p.measures = '[]'::jsonb then 'no_recent_evidence'
           else 'neither' end,
      p.inspection_id, p.grade, p.measures,
      jsonb_build_object('inspection', p.inspection, 'highNeeded', p.high_needed, 'highMet', p.high_met, 'belowFloor', p.below_floor,
        'inspectionYears', st.inspection_years, 'measureYears', st.measure_years),
      st.as_of, now(),
      s.phase, s.status in ('open', 'proposed_to_close'), s.latitude, s.longitude, ll_to_earth(s.latitude, s.longitude)
    from per_school p cross join settings st join school s on s.id = p.school_id
    on conflict (school_id) do update set band = excluded.band, inspection_id = excluded.inspection_id,
      inspection_grade = excluded.inspection_grade, measures = excluded.measures, reasons = excluded.reasons,
      as_of = excluded.as_of, computed_at = excluded.computed_at, phase = excluded.phase, open = excluded.open,
      latitude = excluded.latitude, longitude = excluded.longitude, location = excluded.location`;
}

/**
 * Writers of bands and the whole recompute take one advisory lock: shared for a writer's few schools,
 * exclusive for all of them. The whole recompute reads the evidence after every writer in flight has
 * committed, and a writer that starts meanwhile computes its schools after it: a recompute that began
 * before an inspection committed cannot put back the band that inspection changed.
 */
const BAND_LOCK = `hashtext('trellis.performance_band')`;

/** Recomputes the bands of some schools (in the caller's transaction). */
export async function computeBands(em: EntityManager, schoolIds: number[]): Promise<void> {
  if (schoolIds.length === 0) return;
  await em.execute(`select pg_advisory_xact_lock_shared(${BAND_LOCK})`);
  await em.execute(bandSql(`select s.id as school_id, s.phase from school s where s.id = any(?::int[])`), [intArray(new Set(schoolIds))]);
}

/** Recomputes every school's band, and records the day they were computed for (in the caller's transaction). */
export async function computeAllBands(em: EntityManager): Promise<void> {
  await em.execute(`select pg_advisory_xact_lock(${BAND_LOCK})`);
  await em.execute(bandSql(`select s.id as school_id, s.phase from school s`));
  await em.execute(`update performance_band_settings set computed_for = coalesce(as_of, current_date)`);
}

/**
 * The windows move with the calendar: when the day bands were computed for is not today (or the
 * fixed `as_of`), recompute them all. Run by the scheduler (scheduleBandRefresh) and by the alert
 * sweep, never by a read: a read answers the stored bands and says the day they were counted for
 * (`asOf`). Safe on every instance at once: one refreshes, the others skip. Returns whether it
 * recomputed, or null when another instance was refreshing.
 */
export async function refreshStaleBands(orm: MikroORM): Promise<boolean | null> {
  return orm.em.fork().transactional(async (em) => {
    const [{ locked }]: { locked: boolean }[] = await em.execute(
      `select pg_try_advisory_xact_lock(hashtext('trellis.performance_band.refresh')) as locked`,
    );
    if (!locked) return null;
    const [row]: { fresh: boolean }[] = await em.execute(
      `select computed_for is not distinct from coalesce(as_of, current_date) as fresh from performance_band_settings`,
    );
    if (row?.fresh ?? true) return false;
    await computeAllBands(em as EntityManager);
    return true;
  });
}

/** Checks every `intervalMs` whether the day has turned (one read of one row), and recomputes then; returns a stop function. */
export function scheduleBandRefresh(orm: MikroORM, intervalMs: number): () => Promise<void> {
  if (!(intervalMs > 0)) return async () => undefined;
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = refreshStaleBands(orm)
      .then((recomputed) => recomputed && logger.info('performance bands recomputed for a new day'))
      .catch((err) => logger.error({ err }, 'performance band refresh failed'))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

// The alert sweep recomputes bands first when the day has turned, so its rules read today's bands.
registerSweepPrelude(refreshStaleBands);

// Evidence that changes a band: recomputed in the same transaction as the write.
onDomainEvent(async (em, event) => {
  if (event.type === 'measures.recorded' || event.type === 'inspections.recorded') await computeBands(em, event.schoolIds);
});

/** A stored band row, as read for the GraphQL types. */
export interface BandRow {
  school_id: number;
  band: PerformanceBand;
  inspection_id: number | null;
  inspection_grade: number | null;
  measures: BandMeasureRow[];
  reasons: {
    inspection: { inspectorate: string; inspectedOn: string; grade: number | null; categoryOfConcern: string | null } | null;
    highNeeded: number;
    highMet: number;
    belowFloor: boolean;
    inspectionYears: number;
    measureYears: number;
  };
  as_of: string;
  computed_at: Date;
}

export interface BandMeasureRow {
  criterion: BandCriterion;
  metric: string;
  academicYear: string;
  value: number;
  threshold: number;
  passed: boolean;
}

export async function loadBands(em: EntityManager, schoolIds: readonly number[]): Promise<Map<number, BandRow>> {
  const rows: (BandRow & { computed_at: Date | string })[] = await em.execute(
    `select *, as_of::text as as_of, to_json(computed_at) #>> '{}' as computed_at from performance_band where school_id = any(?::int[])`,
    [intArray(schoolIds)],
  );
  // MikroORM has pg hand timestamps over as PostgreSQL's text ('2026-12-02 09:20:17.27+00'), which the
  // DateTime scalar refuses (INTERNAL_SERVER_ERROR on computedAt): read ISO 8601 and make it a Date.
  return new Map(rows.map((row) => [row.school_id, { ...row, computed_at: new Date(row.computed_at) }]));
}

const OFSTED_WORDS: Record<number, string> = { 1: 'outstanding', 2: 'good', 3: 'requires improvement', 4: 'inadequate' };
const ESTYN_WORDS: Record<number, string> = { 1: 'excellent', 2: 'good', 3: 'adequate', 4: 'unsatisfactory' };
const CRITERION_WORDS: Record<BandCriterion, string> = {
  [BandCriterion.HIGH_ATTAINMENT]: 'high attainment',
  [BandCriterion.HIGH_PROGRESS]: 'high progress',
  [BandCriterion.FLOOR]: 'floor',
};

/** The reasons for a band in words: which inspection, which measures, which year, and the rule that decided. */
export function bandReasons(row: BandRow): string[] {
  const reasons: string[] = [];
  const r = row.reasons;
  const inspection = r.inspection;
  if (inspection) {
    const words = inspection.inspectorate === 'estyn' ? ESTYN_WORDS : OFSTED_WORDS;
    const grade = inspection.grade == null ? 'no overall grade' : `${words[inspection.grade]} (grade ${inspection.grade})`;
    const what = inspection.inspectorate === 'estyn' ? 'Estyn inspection' : 'Ofsted inspection';
    const category = inspection.categoryOfConcern ? `, category of concern: ${inspection.categoryOfConcern.replace(/_/g, ' ')}` : '';
    const detail = inspection.inspectorate === 'estyn' ? ' (worst area judgement)' : '';
    reasons.push(`${what} of ${inspection.inspectedOn}: ${grade}${detail}${category}.`);
  } else {
    reasons.push(`No inspection in the ${r.inspectionYears} years to ${row.as_of}.`);
  }
  for (const m of row.measures) {
    const side =
      m.criterion === BandCriterion.FLOOR
        ? m.passed
          ? 'not below the floor of'
          : 'below the floor of'
        : m.passed
          ? `meets the ${CRITERION_WORDS[m.criterion]} threshold of`
          : `misses the ${CRITERION_WORDS[m.criterion]} threshold of`;
    reasons.push(`${m.metric} ${Number(m.value)} in ${m.academicYear}: ${side} ${Number(m.threshold)}.`);
  }
  switch (row.band) {
    case PerformanceBand.IN_NEED:
      reasons.push(
        r.belowFloor && !(inspection && ((inspection.grade ?? 0) >= 3 || inspection.categoryOfConcern))
          ? 'In need: a measure is below its floor.'
          : 'In need: the latest inspection is below good or names a category of concern.',
      );
      break;
    case PerformanceBand.HIGH_PERFORMING:
      reasons.push(
        inspection?.grade === 1
          ? 'High-performing: the latest inspection is outstanding.'
          : 'High-performing: good, with every high attainment and progress threshold met.',
      );
      break;
    case PerformanceBand.NEITHER:
      reasons.push(
        inspection?.grade === 2 && r.highNeeded > 0
          ? `Neither: good, but ${r.highMet} of ${r.highNeeded} high attainment and progress thresholds met within ${r.measureYears} academic years.`
          : inspection?.grade === 2
            ? 'Neither: good, and no high thresholds are set for this phase (only outstanding makes it high-performing).'
            : 'Neither: not in need, and not high-performing.',
      );
      break;
    default:
      reasons.push(`No recent evidence: no inspection in ${r.inspectionYears} years and no measure in ${r.measureYears} academic years.`);
  }
  return reasons;
}
