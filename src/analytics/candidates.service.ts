import type { EntityManager } from '@mikro-orm/postgresql';
import { currentMembership } from '../core/current';
import { UrbanRural } from '../schools/school.enums';
import { highPerformingWithin } from './geo';
import { PRIOR_ATTAINMENT_METRIC, PRIOR_ATTAINMENT_SPAN } from './similarity';

/**
 * Partner candidates for a school: open high-performing schools of the same phase within a radius,
 * ranked by a score that weighs nearness, similarity and spare capacity, each part given in words.
 *
 *   score = 0.45 proximity + 0.35 similarity + 0.20 spare capacity   (each part 0..1)
 *   proximity  = 1 - distance / radius
 *   similarity = mean of what both schools hold: pupils (1 at the same roll, 0 at a third or three
 *                times it), % FSM (0 at 25 points apart), urban/rural (1 same class, 0.5 both urban
 *                or both rural, 0 otherwise), prior attainment (KS1 average point score of the KS2
 *                cohort, latest year held: 0 at 3 points apart); a part either lacks is left out
 *   spare      = 1 - stretch; stretch grows with staff days still owed on support it gives now
 *                (all of it at 40 days), its current support links (at 4) and its groups (at 4).
 *                Support links are private rows: only those the caller may read are counted (a
 *                school's own people, its authority's officers, admins, apps with read:schools),
 *                so the ranking can differ by caller and never reveals a link the caller may not see.
 */
export const WEIGHTS = { proximity: 0.45, similarity: 0.35, spare: 0.2 };
const STRETCH = { owedDays: 40, links: 4, memberships: 4 };

export interface CandidateRow {
  id: number;
  distance_km: number;
  pupils_on_roll: number | null;
  percent_fsm: string | null;
  urban_rural: UrbanRural | null;
  prior_attainment: number | null;
  prior_attainment_year: string | null;
  links: number;
  committed: string;
  delivered: string;
  owed: string;
  memberships: number;
}

export interface OriginRow {
  id: number;
  urn: number;
  phase: string;
  latitude: number | null;
  longitude: number | null;
  pupils_on_roll: number | null;
  percent_fsm: string | null;
  urban_rural: UrbanRural | null;
  prior_attainment: number | null;
  prior_attainment_year: string | null;
}

export interface ScoredCandidate {
  schoolId: number;
  distanceKm: number;
  proximity: number;
  similarity: number;
  spareCapacity: number;
  score: number;
  reasons: string[];
  commitments: {
    supportLinksGiven: number;
    staffDaysCommitted: number;
    staffDaysDelivered: number;
    staffDaysOwed: number;
    memberships: number;
  };
}

/** A school's latest prior attainment (value and academic year), as a lateral subquery. */
const LATEST_PRIOR = (schoolId: string) =>
  `select om.value::float8 as value, om.academic_year from outcome_measure om
   where om.school_id = ${schoolId} and om.metric = '${PRIOR_ATTAINMENT_METRIC}' order by om.academic_year desc limit 1`;

/**
 * Which support links the caller may read, as auth/policy.ts rowFilter gives it (SQL on alias `t`);
 * undefined: all of them. Support links are private rows: a candidate's commitments count only those.
 */
export type SupportLinkFilter = { sql: string; params: unknown[] } | undefined;

/**
 * The school and every high-performing open school of its phase within the radius, with their
 * current commitments (the support links the caller may read), in one statement (one round trip):
 * undefined when there is no such school.
 */
export async function candidatesWithin(
  em: EntityManager,
  schoolId: number,
  radiusKm: number,
  supportLinks?: SupportLinkFilter,
): Promise<{ origin: OriginRow; rows: CandidateRow[]; schools: Record<string, unknown>[] } | undefined> {
  const rows: ({ origin: OriginRow; candidate: CandidateRow | null } & Record<string, unknown>)[] = await em.execute(
    `with o as materialized (
       select s.id, s.urn, s.phase, s.latitude, s.longitude, s.pupils_on_roll, s.percent_fsm, s.urban_rural,
         pa.value as prior_attainment, pa.academic_year as prior_attainment_year
       from school s left join lateral (${LATEST_PRIOR('s.id')}) pa on true where s.id = ?),
     near as (
       select c.school_id as id, trellis_distance_km(o.latitude, o.longitude, c.latitude, c.longitude) as distance_km
       from o cross join ${highPerformingWithin('c', 'o.latitude', 'o.longitude', 'o.phase', 'o.id', '?::float8')}),
     candidate as (
       select n.id, n.distance_km, s.pupils_on_roll, s.percent_fsm, s.urban_rural,
         pa.value as prior_attainment, pa.academic_year as prior_attainment_year,
         coalesce(g.links, 0)::int as links, coalesce(g.committed, 0) as committed, coalesce(g.delivered, 0) as delivered,
         coalesce(g.owed, 0) as owed,
         (select count(*) from membership m where m.school_id = n.id and ${currentMembership('m')})::int as memberships
       from near n
       join school s on s.id = n.id
       left join lateral (${LATEST_PRIOR('n.id')}) pa on true
       left join lateral (
         select count(*) as links, sum(t.staff_days_committed) as committed, sum(t.staff_days_delivered) as delivered,
           sum(greatest(t.staff_days_committed - t.staff_days_delivered, 0)) as owed
         from support_link t where t.giver_id = n.id and t.started_on <= current_date and (t.ends_on is null or t.ends_on >= current_date)
           and (${supportLinks?.sql ?? 'true'})) g on true)
     select to_jsonb(o) as origin, to_jsonb(c) as candidate, s.*
     from o left join candidate c on true left join school s on s.id = c.id
     order by c.distance_km, c.id`,
    // The radius appears twice in the fragment: the box, then the distance.
    [schoolId, radiusKm, radiusKm, ...(supportLinks?.params ?? [])],
  );
  if (rows.length === 0) return undefined;
  const found = rows.filter((row) => row.candidate);
  return {
    origin: rows[0].origin,
    rows: found.map((row) => row.candidate!),
    // Each candidate's school row, as `select * from school` gives it (for the School loader: no second round trip).
    schools: found.map(({ origin: _origin, candidate: _candidate, ...school }) => school),
  };
}

const round = (value: number, places = 3) => Number(value.toFixed(places));
const isRural = (u: UrbanRural) => u.startsWith('rural');

export function scoreCandidate(origin: OriginRow, c: CandidateRow, radiusKm: number, supportFiltered = false): ScoredCandidate {
  const reasons: string[] = [];
  const distance = Number(c.distance_km);
  const proximity = Math.max(0, 1 - distance / radiusKm);
  reasons.push(`${round(distance, 1)} km away (proximity ${round(proximity, 2)} within ${radiusKm} km).`);

  const parts: number[] = [];
  if (origin.pupils_on_roll && c.pupils_on_roll) {
    const part = 1 - Math.min(1, Math.abs(Math.log(c.pupils_on_roll / origin.pupils_on_roll)) / Math.log(3));
    parts.push(part);
    reasons.push(`${c.pupils_on_roll} pupils against ${origin.pupils_on_roll} (size similarity ${round(part, 2)}).`);
  } else reasons.push('Pupils on roll not held for both schools: size not compared.');
  if (origin.percent_fsm != null && c.percent_fsm != null) {
    const gap = Math.abs(Number(c.percent_fsm) - Number(origin.percent_fsm));
    const part = 1 - Math.min(1, gap / 25);
    parts.push(part);
    reasons.push(`${Number(c.percent_fsm)}% FSM against ${Number(origin.percent_fsm)}% (disadvantage similarity ${round(part, 2)}).`);
  } else reasons.push('% FSM not held for both schools: disadvantage not compared.');
  if (origin.urban_rural && c.urban_rural) {
    const part = origin.urban_rural === c.urban_rural ? 1 : isRural(origin.urban_rural) === isRural(c.urban_rural) ? 0.5 : 0;
    parts.push(part);
    reasons.push(
      origin.urban_rural === c.urban_rural
        ? `Same urban/rural class (${c.urban_rural.replace(/_/g, ' ')}).`
        : `${c.urban_rural.replace(/_/g, ' ')} against ${origin.urban_rural.replace(/_/g, ' ')} (setting similarity ${part}).`,
    );
  } else reasons.push('Urban/rural class not held for both schools: setting not compared.');
  if (origin.prior_attainment != null && c.prior_attainment != null) {
    const gap = Math.abs(Number(c.prior_attainment) - Number(origin.prior_attainment));
    const part = 1 - Math.min(1, gap / PRIOR_ATTAINMENT_SPAN);
    parts.push(part);
    reasons.push(
      `KS1 average point score of its KS2 cohort ${Number(c.prior_attainment)} (${c.prior_attainment_year}) against ${Number(origin.prior_attainment)} (${origin.prior_attainment_year}) (prior attainment similarity ${round(part, 2)}).`,
    );
  } else
    reasons.push(
      origin.prior_attainment == null && c.prior_attainment == null
        ? 'Prior attainment (KS1 average point score) not held for either school: not compared.'
        : `Prior attainment (KS1 average point score) not held for ${origin.prior_attainment == null ? 'this school' : 'the candidate'}: not compared.`,
    );
  const similarity = parts.length ? parts.reduce((a, b) => a + b, 0) / parts.length : 0.5;

  const owed = Number(c.owed);
  const stretch = Math.min(
    1,
    0.6 * Math.min(1, owed / STRETCH.owedDays) +
      0.25 * Math.min(1, c.links / STRETCH.links) +
      0.15 * Math.min(1, c.memberships / STRETCH.memberships),
  );
  const spare = 1 - stretch;
  const counted = supportFiltered ? ' (counting only the support links you may read)' : '';
  reasons.push(
    c.links === 0
      ? `Gives no support now${counted}; in ${c.memberships} group(s) (spare capacity ${round(spare, 2)}).`
      : `Gives support on ${c.links} link(s) now, ${Number(c.committed)} staff days committed, ${round(owed, 1)} still owed${counted}; in ${c.memberships} group(s) (spare capacity ${round(spare, 2)}).`,
  );
  const score = WEIGHTS.proximity * proximity + WEIGHTS.similarity * similarity + WEIGHTS.spare * spare;
  reasons.push(
    `Score ${round(score)} = 0.45 x proximity ${round(proximity, 2)} + 0.35 x similarity ${round(similarity, 2)} + 0.20 x spare capacity ${round(spare, 2)}.`,
  );
  return {
    schoolId: c.id,
    distanceKm: round(distance),
    proximity: round(proximity),
    similarity: round(similarity),
    spareCapacity: round(spare),
    score: round(score),
    reasons,
    commitments: {
      supportLinksGiven: c.links,
      staffDaysCommitted: Number(c.committed),
      staffDaysDelivered: Number(c.delivered),
      staffDaysOwed: Number(c.owed),
      memberships: c.memberships,
    },
  };
}

/** Candidates ranked: best score first, then the nearer, then by id (a stable order for paging); undefined when there is no such school. */
export async function partnerCandidates(
  em: EntityManager,
  schoolId: number,
  radiusKm: number,
  supportLinks?: SupportLinkFilter,
): Promise<{ candidates: ScoredCandidate[]; schools: Record<string, unknown>[] } | undefined> {
  const found = await candidatesWithin(em, schoolId, radiusKm, supportLinks);
  if (!found) return undefined;
  const { origin, rows, schools } = found;
  if (origin.latitude == null || origin.longitude == null) return { candidates: [], schools: [] };
  const candidates = rows
    .map((row) => scoreCandidate(origin, row, radiusKm, supportLinks !== undefined))
    .sort((a, b) => b.score - a.score || a.distanceKm - b.distanceKm || a.schoolId - b.schoolId);
  return { candidates, schools };
}
