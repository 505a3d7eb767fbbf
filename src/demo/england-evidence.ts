import type { MikroORM } from '@mikro-orm/postgresql';
import { computeAllBands } from '../analytics/bands.service';
import { addDays, utcDay } from './random';

/**
 * Evidence for the England-size seed, a step of its own after the schools are written: every open
 * school gets its latest Ofsted inspection and the one before, and KS2-like (primary, middle,
 * all-through: with the cohort's prior attainment) or KS4-like (secondary, all-through) outcome measures for the last three published
 * academic years; then every performance band is computed. Generated in SQL, set-based, from hashes
 * of each URN, so the same schools always get the same evidence.
 *
 * Shape, roughly England's: latest grades about 18% outstanding, 68% good, 10% requires improvement
 * and 4% inadequate (a third of those in special measures, a third with serious weaknesses);
 * inspections spread over the last seven years (so some fall outside the six-year window); a school
 * effect that grade and outcomes share (good schools tend to have higher attainment and progress),
 * plus noise from year to year.
 */

/** A uniform number in [0, 1) from an integer SQL expression and a salt. */
const uniform = (key: string, salt: string) => `((hashtext((${key})::text || '${salt}') & 2147483647)::float8 / 2147483648.0)`;
/** A standard normal number (Box-Muller) from an integer SQL expression and a salt. */
const normal = (key: string, salt: string) =>
  `(sqrt(-2 * ln(1 - ${uniform(key, `${salt}.a`)})) * cos(2 * pi() * ${uniform(key, `${salt}.b`)}))`;

export interface EvidenceSeedResult {
  inspections: number;
  measures: number;
  seconds: number;
  bandSeconds: number;
}

/** The academic year a day falls in, by its starting year (September to August). */
export function academicYearOf(day: string): number {
  const d = new Date(`${day}T00:00:00Z`);
  return d.getUTCMonth() >= 8 ? d.getUTCFullYear() : d.getUTCFullYear() - 1;
}

export const academicYearLabel = (start: number): string => `${start}/${String((start + 1) % 100).padStart(2, '0')}`;

export async function seedEnglandEvidence(orm: MikroORM, options: { today?: Date } = {}): Promise<EvidenceSeedResult> {
  const started = performance.now();
  const today = addDays(utcDay(options.today), 0);
  const yearNow = academicYearOf(today);
  // The last three published years: the current one is not published until it ends.
  const years = [yearNow - 3, yearNow - 2, yearNow - 1].map(academicYearLabel);
  let bandStarted = 0;
  const counts = await orm.em.fork().transactional(async (tx) => {
    // z: the school effect; latent: z with noise, cut at England's grade shares (Φ: 0.18, 0.86, 0.96).
    await tx.execute(`create temporary table seed_school_effect on commit drop as
      select id, urn, phase, z, case when latent > 0.915 then 1 when latent > -1.08 then 2 when latent > -1.75 then 3 else 4 end as grade
      from (select s.id, s.urn, s.phase, ${normal('s.urn', 'z')} as z,
              0.8 * ${normal('s.urn', 'z')} + 0.6 * ${normal('s.urn', 'grade')} as latent
            from school s where s.status in ('open', 'proposed_to_close')) e`);
    const [inspections]: { n: number }[] = await tx.execute(
      `with latest as (
         select id as school_id, ?::date - (${uniform('urn', 'when')} * 7 * 365)::int as inspected_on, grade,
           case when grade = 4 and ${uniform('urn', 'category')} < 0.33 then 'special_measures'
                when grade = 4 and ${uniform('urn', 'category')} < 0.67 then 'serious_weaknesses' end as category,
           least(4, greatest(1, grade + case when ${uniform('urn', 'before')} < 0.25 then -1 when ${uniform('urn', 'before')} < 0.8 then 0 else 1 end)) as previous_grade
         from seed_school_effect),
       rows as (
         select school_id, inspected_on, grade, category from latest
         union all
         select school_id, inspected_on - 1200 - (school_id % 300), previous_grade, null from latest),
       written as (
         insert into inspection (school_id, inspectorate, inspected_on, overall_effectiveness, category_of_concern, source)
         select school_id, 'ofsted', inspected_on, grade, category, 'england_seed' from rows
         returning 1)
       select count(*)::int as n from written`,
      [today],
    );
    const noise = (salt: string) => normal('e.urn * 7 + y.i', salt);
    const [measures]: { n: number }[] = await tx.execute(
      `with years as (select * from unnest(?::text[]) with ordinality as y(year, i)),
       ks2 as (
         select e.id, y.year,
           least(100, greatest(0, round((64 + 11 * e.z - 5 * (e.grade - 2) + 4 * ${noise('rwm')})::numeric, 0))) as rwm,
           least(15, greatest(-15, round((1.2 * e.z - 0.8 * (e.grade - 2) + 1.2 * ${noise('read')})::numeric, 1))) as reading,
           least(15, greatest(-15, round((1.2 * e.z - 0.8 * (e.grade - 2) + 1.2 * ${noise('writ')})::numeric, 1))) as writing,
           least(15, greatest(-15, round((1.2 * e.z - 0.8 * (e.grade - 2) + 1.2 * ${noise('mat')})::numeric, 1))) as maths,
           -- Prior attainment (TKS1AVERAGE): the cohort's KS1 average point score, about 16 with an sd of 1.
           least(21, greatest(3, round((16 + 0.8 * e.z + 0.6 * ${noise('ks1')})::numeric, 1))) as ks1
         from seed_school_effect e cross join years y where e.phase in ('primary', 'middle', 'all_through')),
       ks4 as (
         select e.id, y.year,
           least(90, greatest(0, round((46 + 7 * e.z - 3 * (e.grade - 2) + 2 * ${noise('a8')})::numeric, 1))) as attainment8,
           least(3, greatest(-3, round((0.35 * e.z - 0.2 * (e.grade - 2) + 0.15 * ${noise('p8')})::numeric, 2))) as progress8
         from seed_school_effect e cross join years y where e.phase in ('secondary', 'all_through')),
       rows as (
         select id, 'ks2_rwm_expected_pct' as metric, year, rwm as value from ks2
         union all select id, 'ks2_reading_progress', year, reading from ks2
         union all select id, 'ks2_writing_progress', year, writing from ks2
         union all select id, 'ks2_maths_progress', year, maths from ks2
         union all select id, 'ks2_prior_attainment_ks1_aps', year, ks1 from ks2
         union all select id, 'ks4_attainment8', year, attainment8 from ks4
         union all select id, 'ks4_progress8', year, progress8 from ks4),
       written as (
         insert into outcome_measure (school_id, metric, academic_year, value, source)
         select id, metric, year, value, 'england_seed' from rows
         returning 1)
       select count(*)::int as n from written`,
      [`{${years.join(',')}}`],
    );
    bandStarted = performance.now();
    await computeAllBands(tx);
    return { inspections: inspections.n, measures: measures.n };
  });
  const bandSeconds = (performance.now() - bandStarted) / 1000;
  await orm.em.fork().execute(`analyze inspection, outcome_measure, performance_band`);
  return { ...counts, seconds: (performance.now() - started) / 1000, bandSeconds };
}
