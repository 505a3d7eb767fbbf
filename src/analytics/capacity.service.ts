import type { EntityManager } from '@mikro-orm/postgresql';
import { CapacityLevel } from './analytics.enums';
import { highPerformingWithin, OPEN_STATUSES } from './geo';

/**
 * Support capacity by area (the NFER analysis, live): per region, local authority or constituency,
 * the open high-performing and in-need schools, their ratio, the median number of high-performing
 * schools of the same phase within the radius of each school in need (wherever those are: across an
 * area's border counts), and the schools in need with none. One statement for all of England: each
 * school in need counts its neighbours through the GiST index (geo.ts).
 */

/** SQL for an area's key and name at each level. */
export const AREA: Record<CapacityLevel, { key: string; name: string }> = {
  [CapacityLevel.REGION]: { key: 's.region', name: 's.region' },
  [CapacityLevel.LOCAL_AUTHORITY]: { key: 's.la_code::text', name: 's.la_name' },
  [CapacityLevel.CONSTITUENCY]: { key: 's.constituency', name: 's.constituency' },
};

/** Narrows a capacity question to one area (any of the three, all that are given must hold). */
export interface AreaFilter {
  region?: string | null;
  localAuthorityCode?: number | null;
  constituency?: string | null;
}

export function areaSql(area: AreaFilter | undefined, s = 's'): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (area?.region != null) (parts.push(`${s}.region = ?`), params.push(area.region));
  if (area?.localAuthorityCode != null) (parts.push(`${s}.la_code = ?`), params.push(area.localAuthorityCode));
  if (area?.constituency != null) (parts.push(`${s}.constituency = ?`), params.push(area.constituency));
  return { sql: parts.length ? parts.join(' and ') : 'true', params };
}

/**
 * Open schools of the phases asked for in the high-performing and in-need bands, with, for those in
 * need, how many high-performing open schools of their phase are within the radius (null: no site).
 */
export function bandedSchoolsSql(phases: string[] | null, area: AreaFilter | undefined): { sql: string; params: unknown[] } {
  const where = areaSql(area);
  return {
    sql: `banded as (
      select s.id, s.urn, s.phase, s.region, s.la_code, s.la_name, s.constituency, s.latitude, s.longitude, b.band
      from school s join performance_band b on b.school_id = s.id
      where s.status in ${OPEN_STATUSES} and b.band in ('high_performing', 'in_need')
        and (?::text[] is null or s.phase = any(?::text[])) and ${where.sql}),
    reach as (
      select n.id, case when n.latitude is null or n.longitude is null then null else (
        select count(*) from ${highPerformingWithin('c', 'n.latitude', 'n.longitude', 'n.phase', 'n.id', '?::float8')}) end::int as within
      from banded n where n.band = 'in_need')`,
    params: [phases ? `{${phases.join(',')}}` : null, phases ? `{${phases.join(',')}}` : null, ...where.params],
  };
}

export interface CapacityRow {
  key: string | null;
  name: string | null;
  high_performing: number;
  in_need: number;
  in_need_located: number;
  median_within: number | null;
  without_candidate: number;
}

/** Per area at the level (and one row with key 'all' for everything asked), most schools in need without a candidate first. */
export async function supportCapacity(
  em: EntityManager,
  level: CapacityLevel,
  phases: string[] | null,
  radiusKm: number,
  area?: AreaFilter,
): Promise<{ areas: CapacityRow[]; total: CapacityRow }> {
  const banded = bandedSchoolsSql(phases, area);
  const { key, name } = AREA[level];
  const rows: (CapacityRow & { grouping: number })[] = await em.execute(
    `with ${banded.sql}
     select grouping(${key})::int as grouping, ${key} as key, ${name} as name,
       count(*) filter (where s.band = 'high_performing')::int as high_performing,
       count(*) filter (where s.band = 'in_need')::int as in_need,
       count(r.within)::int as in_need_located,
       percentile_cont(0.5) within group (order by r.within) as median_within,
       count(*) filter (where r.within = 0)::int as without_candidate
     from banded s left join reach r on r.id = s.id
     group by grouping sets ((${key}, ${name}), ())
     order by grouping, without_candidate desc, key`,
    [...banded.params, radiusKm, radiusKm],
  );
  const total = rows.find((row) => row.grouping === 1) ?? {
    key: 'all',
    name: 'All',
    high_performing: 0,
    in_need: 0,
    in_need_located: 0,
    median_within: null,
    without_candidate: 0,
    grouping: 1,
  };
  return { areas: rows.filter((row) => row.grouping === 0), total: { ...total, key: 'all', name: 'All' } };
}

/** Schools in need with no high-performing school of their phase within the radius, by URN, paged. */
export async function schoolsInNeedWithoutCandidate(
  em: EntityManager,
  phases: string[] | null,
  radiusKm: number,
  area: AreaFilter | undefined,
  afterUrn: number | undefined,
  limit: number,
): Promise<{ ids: number[]; urns: number[]; total: number }> {
  const banded = bandedSchoolsSql(phases, area);
  const rows: { id: number; urn: number; total: number }[] = await em.execute(
    `with ${banded.sql},
     unsupported as (select s.id, s.urn from banded s join reach r on r.id = s.id where r.within = 0)
     select u.id, u.urn, (select count(*) from unsupported)::int as total from unsupported u
     where u.urn > ? order by u.urn limit ?`,
    [...banded.params, radiusKm, radiusKm, afterUrn ?? 0, limit],
  );
  let total = rows[0]?.total;
  if (total === undefined) {
    const [counted]: { total: number }[] = await em.execute(
      `with ${banded.sql} select count(*)::int as total from reach r where r.within = 0`,
      [...banded.params, radiusKm, radiusKm],
    );
    total = counted.total;
  }
  return { ids: rows.map((row) => row.id), urns: rows.map((row) => row.urn), total };
}
