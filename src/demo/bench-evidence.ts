import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { TriggerRuleKind } from '../alerts/alert.enums';
import { evaluate } from '../alerts/evaluation';
import { computeAllBands } from '../analytics/bands.service';
import { addDays, utcDay } from './random';

/**
 * Evidence for the read-path benchmark (bench/queries), a separate step after `seed england`:
 * Ofsted inspections with judgements and three academic years of outcome measures for every open
 * school, then the data rules (metric below/fall, inspection grade and decline) evaluated over the
 * whole country, so the alerts are the ones Trellis itself would raise. Set-based SQL, one transaction.
 *
 * Values come from md5 of (URN, what, year): the same database gives the same evidence on every run,
 * without a random generator in SQL. Distributions are rough national shapes (Ofsted 2024: about 15%
 * outstanding, 70% good, 11% requires improvement, 4% inadequate; KS2 RWM expected about 61%), with a
 * per-school effect shared across metrics and years, so a weak school is weak on most of them.
 */
export const BENCH_YEARS = ['2022/23', '2023/24', '2024/25'];

/** A deterministic number in [0, 1) from a text key. */
const unit = (key: string) => `((('x' || substr(md5(${key}), 1, 8))::bit(32)::bigint)::float8 / 4294967296.0)`;
/** Roughly standard normal: the sum of three uniforms, centred and scaled (sd 1). */
const normal = (key: string) => `((${unit(`${key} || 'a'`)} + ${unit(`${key} || 'b'`)} + ${unit(`${key} || 'c'`)} - 1.5) * 2.0)`;

/** metric, phases it applies to, mean, sd, min, max, higher is better. */
const METRICS: [string, string[], number, number, number, number, boolean][] = [
  ['ks2_rwm_expected_pct', ['primary', 'middle', 'all_through'], 62, 14, 0, 100, true],
  ['ks2_reading_progress', ['primary', 'middle', 'all_through'], 0, 2.8, -15, 15, true],
  ['ks2_writing_progress', ['primary', 'middle', 'all_through'], 0, 2.8, -15, 15, true],
  ['ks2_maths_progress', ['primary', 'middle', 'all_through'], 0, 2.8, -15, 15, true],
  ['ks2_reading_average_score', ['primary', 'middle', 'all_through'], 105, 3, 90, 118, true],
  ['ks4_attainment8', ['secondary', 'all_through'], 46, 8, 10, 80, true],
  ['ks4_progress8', ['secondary', 'all_through'], 0, 0.5, -3, 3, true],
  ['ks4_english_maths_strong_pass_pct', ['secondary', 'all_through'], 45, 14, 0, 100, true],
  ['attendance_pct', ['primary', 'middle', 'all_through', 'secondary', 'special', 'nursery', 'alternative_provision', 'sixteen_plus'], 93, 2, 70, 99.5, true],
  ['persistent_absence_pct', ['primary', 'middle', 'all_through', 'secondary', 'special', 'nursery', 'alternative_provision', 'sixteen_plus'], 20, 6, 2, 70, false],
];

export interface BenchEvidenceResult {
  inspections: number;
  judgements: number;
  measures: number;
  alerts: number;
  seconds: number;
}

/**
 * Writes the benchmark evidence over the schools held (refuses a database without schools). Evidence
 * and alerts already held are replaced, so the step can be re-run.
 */
export async function seedBenchEvidence(orm: MikroORM, options: { today?: Date } = {}): Promise<BenchEvidenceResult> {
  const started = performance.now();
  const today = utcDay(options.today);
  const result = await orm.em.fork().transactional(async (em: EntityManager) => {
    const [{ schools }] = await em.execute<{ schools: number }[]>(`select count(*)::int as schools from school where status = 'open'`);
    if (schools === 0) throw new Error('No open schools: run `seed england` first.');
    // Everything that rests on evidence or alerts goes with them: bands (recomputed below, once the evidence
    // is written: reads never compute them) and any peer reviews or intervention cases that point at alerts.
    await em.execute(
      `truncate alert_event, alert, inspection_judgement, inspection, outcome_measure, performance_band,
         peer_review, peer_review_reviewer, peer_review_finding, peer_review_action,
         intervention_case, intervention_milestone, intervention_review restart identity`,
    );

    // 1 to 3 inspections per school, the newest within the last 5 years, earlier ones about 4 years apart.
    // The school's quality (q) sets the latest grade; earlier grades drift from it.
    await em.execute(
      `insert into inspection (school_id, inspectorate, inspected_on, published_on, overall_effectiveness, category_of_concern, source)
       select id, 'ofsted', inspected_on, inspected_on + 25, grade,
         case when grade = 4 then case when ${unit(`urn || ':concern' || k`)} < 0.5 then 'special_measures' else 'serious_weaknesses' end end,
         'bench seed'
       from (
         select s.id, s.urn, k,
           (?::date - ((k - 1) * 1400 + floor(${unit(`s.urn || ':when' || k`)} * 1500))::int) as inspected_on,
           least(4, greatest(1, case
             when q + 0.6 * (k - 1) * (${unit(`s.urn || ':drift' || k`)} - 0.5) < 0.15 then 1
             when q + 0.6 * (k - 1) * (${unit(`s.urn || ':drift' || k`)} - 0.5) < 0.85 then 2
             when q + 0.6 * (k - 1) * (${unit(`s.urn || ':drift' || k`)} - 0.5) < 0.96 then 3
             else 4 end)) as grade
         from (select id, urn, ${unit(`urn || ':quality'`)} as q, 1 + floor(${unit(`urn || ':count'`)} * 3)::int as n
               from school where status = 'open') s
         cross join lateral generate_series(1, s.n) k
       ) i`,
      [addDays(today, -30)],
    );
    await em.execute(
      `insert into inspection_judgement (inspection_id, area, grade)
       select i.id, a.area, least(4, greatest(1, i.overall_effectiveness + case
         when ${unit(`i.id || a.area`)} < 0.15 then -1 when ${unit(`i.id || a.area`)} > 0.85 then 1 else 0 end))
       from inspection i
       cross join (values ('quality_of_education'), ('behaviour_and_attitudes'), ('personal_development'), ('leadership_and_management')) a(area)`,
    );

    // Each metric: mean + sd * (0.8 * school effect + 0.6 * yearly noise), rounded to one decimal and kept in range.
    for (const [metric, phases, mean, sd, min, max, higherIsBetter] of METRICS) {
      const effect = `${normal(`s.urn || ':effect'`)} * ${higherIsBetter ? 1 : -1}`;
      await em.execute(
        `insert into outcome_measure (school_id, metric, academic_year, value, source)
         select s.id, ?, y.year,
           round(least(?, greatest(?, ? + ? * (0.8 * ${effect} + 0.6 * ${normal(`s.urn || ':${metric}' || y.year`)})))::numeric, 1),
           'bench seed'
         from school s cross join unnest(?::text[]) y(year)
         where s.status = 'open' and s.phase = any(?::text[])`,
        [metric, max, min, mean, sd, `{${BENCH_YEARS.join(',')}}`, `{${phases.join(',')}}`],
      );
    }

    await computeAllBands(em);

    // The alerts Trellis raises for this evidence, by its own rules; then the log's positions are stamped.
    const alerts = await evaluate(
      em,
      [
        TriggerRuleKind.METRIC_BELOW,
        TriggerRuleKind.METRIC_FALL,
        TriggerRuleKind.INSPECTION_GRADE_AT_OR_BELOW,
        TriggerRuleKind.INSPECTION_DECLINE,
      ],
      {},
    );
    const [counts] = await em.execute<{ inspections: number; judgements: number; measures: number }[]>(
      `select (select count(*)::int from inspection) as inspections, (select count(*)::int from inspection_judgement) as judgements,
         (select count(*)::int from outcome_measure) as measures`,
    );
    return { ...counts, alerts };
  });
  await orm.em.getConnection().execute('select trellis_sequence_alert_events()');
  await orm.em.getConnection().execute('analyze inspection, inspection_judgement, outcome_measure, alert, alert_event');
  return { ...result, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) };
}
