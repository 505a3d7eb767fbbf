import type { EntityManager } from '@mikro-orm/postgresql';
import { currentMembership } from '../core/current';
import { UrbanRural } from '../schools/school.enums';
import { highPerformingWithin } from './geo';

/**
 * Partner candidates for a school: open high-performing schools of the same phase within a radius,
 * ranked by a score that weighs nearness, similarity and spare capacity, each part given in words.
 *
 *   score = 0.45 proximity + 0.35 similarity + 0.20 spare capacity   (each part 0..1)
 *   proximity  = 1 - distance / radius
 *   similarity = mean of what both schools hold: pupils (1 at the same roll, 0 at a third or three
 *                times it), % FSM (0 at 25 points apart), urban/rural (1 same class, 0.5 both urban
 *                or both rural, 0 otherwise)
 *   spare      = 1 - stretch; stretch grows with staff days still owed on support it gives now
 *                (all of it at 40 days), its current support links (at 4) and its groups (at 4).
 */
export const WEIGHTS = { proximity: 0.45, similarity: 0.35, spare: 0.2 };
const STRETCH = { owedDays: 40, links: 4, memberships: 4 };

export interface CandidateRow {
  id: number;
  distance_km: number;
  pupils_on_roll: number | null;
  percent_fsm: string | null;
  urban_rural: UrbanRural | null;
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

export async function loadOrigin(em: EntityManager, schoolId: number): Promise<OriginRow | undefined> {
  const [row]: OriginRow[] = await em.execute(
    `select id, urn, phase, latitude, longitude, pupils_on_roll, percent_fsm, urban_rural from school where id = ?`,
    [schoolId],
  );
  return row;
}

/** Every high-performing open school of the origin's phase within the radius, with its current commitments. */
export async function candidatesWithin(em: EntityManager, origin: OriginRow, radiusKm: number): Promise<CandidateRow[]> {
  return em.execute(
    `with near as (
       select c.school_id as id, trellis_distance_km(?, ?, c.latitude, c.longitude) as distance_km
       from ${highPerformingWithin('c', '?', '?', '?', '?', '?::float8')})
     select n.id, n.distance_km, s.pupils_on_roll, s.percent_fsm, s.urban_rural,
       coalesce(g.links, 0)::int as links, coalesce(g.committed, 0) as committed, coalesce(g.delivered, 0) as delivered,
       coalesce(g.owed, 0) as owed,
       (select count(*) from membership m where m.school_id = n.id and ${currentMembership('m')})::int as memberships
     from near n
     join school s on s.id = n.id
     left join lateral (
       select count(*) as links, sum(sl.staff_days_committed) as committed, sum(sl.staff_days_delivered) as delivered,
         sum(greatest(sl.staff_days_committed - sl.staff_days_delivered, 0)) as owed
       from support_link sl where sl.giver_id = n.id and sl.started_on <= current_date and (sl.ends_on is null or sl.ends_on >= current_date)) g on true
     order by n.distance_km, n.id`,
    // In the order of the placeholders: the distance selected, then the box, phase, school left out, distance and radius.
    [
      origin.latitude,
      origin.longitude,
      origin.latitude,
      origin.longitude,
      radiusKm,
      origin.phase,
      origin.id,
      origin.latitude,
      origin.longitude,
      radiusKm,
    ],
  );
}

const round = (value: number, places = 3) => Number(value.toFixed(places));
const isRural = (u: UrbanRural) => u.startsWith('rural');

export function scoreCandidate(origin: OriginRow, c: CandidateRow, radiusKm: number): ScoredCandidate {
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
  reasons.push('Prior attainment is not held in Trellis: not compared.');
  const similarity = parts.length ? parts.reduce((a, b) => a + b, 0) / parts.length : 0.5;

  const owed = Number(c.owed);
  const stretch = Math.min(
    1,
    0.6 * Math.min(1, owed / STRETCH.owedDays) +
      0.25 * Math.min(1, c.links / STRETCH.links) +
      0.15 * Math.min(1, c.memberships / STRETCH.memberships),
  );
  const spare = 1 - stretch;
  reasons.push(
    c.links === 0
      ? `Gives no support now; in ${c.memberships} group(s) (spare capacity ${round(spare, 2)}).`
      : `Gives support on ${c.links} link(s) now, ${Number(c.committed)} staff days committed, ${round(owed, 1)} still owed; in ${c.memberships} group(s) (spare capacity ${round(spare, 2)}).`,
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

/** Candidates ranked: best score first, then the nearer, then by id (a stable order for paging). */
export async function partnerCandidates(em: EntityManager, origin: OriginRow, radiusKm: number): Promise<ScoredCandidate[]> {
  if (origin.latitude == null || origin.longitude == null) return [];
  const rows = await candidatesWithin(em, origin, radiusKm);
  return rows
    .map((row) => scoreCandidate(origin, row, radiusKm))
    .sort((a, b) => b.score - a.score || a.distanceKm - b.distanceKm || a.schoolId - b.schoolId);
}
