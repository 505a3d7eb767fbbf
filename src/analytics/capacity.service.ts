import type { EntityManager } from '@mikro-orm/postgresql';
import { CapacityLevel } from './analytics.enums';
import { countWithin, OPEN_STATUSES } from './geo';

/**
 * Support capacity by area (the NFER analysis, live): per region, local authority or constituency,
 * the open high-performing and in-need schools, their ratio, the median number of high-performing
 * schools of the same phase within the radius of each school in need (wherever those are: across an
 * area's border counts), and the schools in need with none. One statement for all of England reads
 * the banded schools and the high-performing sites; the neighbours are counted in one pass (reachOf).
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

interface BandedRow {
  kind: 'area' | 'site';
  id: number;
  urn: number | null;
  phase: string;
  key: string | null;
  name: string | null;
  region: string | null;
  la_code: number | null;
  constituency: string | null;
  latitude: number | null;
  longitude: number | null;
  band: 'high_performing' | 'in_need';
}

export interface Reach {
  /** Open schools of the phases asked for in the area, high-performing or in need, with their area at the level. */
  banded: BandedRow[];
  /** For each school in need with a site: the high-performing open schools of its phase within the radius (anywhere). */
  within: Map<number, number>;
}

/**
 * One statement reads the area's open high-performing and in-need schools and every open
 * high-performing site of the phases asked for (across the area's border too); the neighbours of
 * each school in need are then counted in one pass (geo.ts countWithin). About 11,000 rows for all of
 * England, instead of one index probe per school in need.
 */
export async function reachOf(
  em: EntityManager,
  level: CapacityLevel,
  phases: string[] | null,
  radiusKm: number,
  area: AreaFilter | undefined,
): Promise<Reach> {
  const where = areaSql(area);
  const { key, name } = AREA[level];
  const phaseList = phases ? `{${phases.join(',')}}` : null;
  const rows: BandedRow[] = await em.execute(
    `select 'area' as kind, s.id, s.urn, s.phase, ${key} as key, ${name} as name, s.region, s.la_code, s.constituency,
       s.latitude, s.longitude, b.band
     from school s join performance_band b on b.school_id = s.id
     where s.status in ${OPEN_STATUSES} and b.band in ('high_performing', 'in_need')
       and (?::text[] is null or s.phase = any(?::text[])) and ${where.sql}
     union all
     select 'site', c.school_id, null, c.phase, null, null, null, null, null, c.latitude, c.longitude, c.band
     from performance_band c
     where c.band = 'high_performing' and c.open and c.latitude is not null and c.longitude is not null
       and (?::text[] is null or c.phase = any(?::text[]))`,
    [phaseList, phaseList, ...where.params, phaseList, phaseList],
  );
  const banded = rows.filter((row) => row.kind === 'area');
  const located = (row: BandedRow) => row.latitude != null && row.longitude != null;
  const asSite = (row: BandedRow) => ({ id: row.id, phase: row.phase, latitude: row.latitude!, longitude: row.longitude! });
  const within = countWithin(
    banded.filter((row) => row.band === 'in_need' && located(row)).map(asSite),
    rows.filter((row) => row.kind === 'site').map(asSite),
    radiusKm,
  );
  return { banded, within };
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

/** The median as percentile_cont(0.5): the middle value, or the mean of the two middle ones. */
function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summarise(key: string | null, name: string | null, rows: BandedRow[], within: Map<number, number>): CapacityRow {
  const reach = rows.filter((row) => row.band === 'in_need' && within.has(row.id)).map((row) => within.get(row.id)!);
  return {
    key,
    name,
    high_performing: rows.filter((row) => row.band === 'high_performing').length,
    in_need: rows.filter((row) => row.band === 'in_need').length,
    in_need_located: reach.length,
    median_within: median(reach),
    without_candidate: reach.filter((n) => n === 0).length,
  };
}

/** Per area at the level (and the total for everything asked), most schools in need without a candidate first, then by key. */
export async function supportCapacity(
  em: EntityManager,
  level: CapacityLevel,
  phases: string[] | null,
  radiusKm: number,
  area?: AreaFilter,
): Promise<{ areas: CapacityRow[]; total: CapacityRow }> {
  const { banded, within } = await reachOf(em, level, phases, radiusKm, area);
  const byArea = new Map<string | null, BandedRow[]>();
  for (const row of banded) {
    const rows = byArea.get(row.key);
    if (rows) rows.push(row);
    else byArea.set(row.key, [row]);
  }
  const areas = [...byArea.entries()]
    .map(([key, rows]) => summarise(key, rows[0].name, rows, within))
    .sort(
      (a, b) =>
        b.without_candidate - a.without_candidate ||
        (a.key === b.key ? 0 : a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : 1),
    );
  return { areas, total: summarise('all', 'All', banded, within) };
}

/** Whether a school's row lies in the area (every field given must hold), as areaSql decides in SQL. */
export function inArea(
  row: { region: string | null; la_code: number | null; constituency: string | null },
  area: AreaFilter | undefined,
): boolean {
  return (
    (area?.region == null || row.region === area.region) &&
    (area?.localAuthorityCode == null || row.la_code === area.localAuthorityCode) &&
    (area?.constituency == null || row.constituency === area.constituency)
  );
}

/**
 * Schools in need with no high-performing school of their phase within the radius, by URN, paged,
 * from a reach already read (reachOf; the resolver reads the whole country's once per request and
 * radius, however many areas list theirs).
 */
export function schoolsInNeedWithoutCandidate(
  reach: Reach,
  area: AreaFilter | undefined,
  afterUrn: number | undefined,
  limit: number,
): { ids: number[]; urns: number[]; total: number } {
  const unsupported = reach.banded.filter((row) => reach.within.get(row.id) === 0 && inArea(row, area)).sort((a, b) => a.urn! - b.urn!);
  const page = unsupported.filter((row) => row.urn! > (afterUrn ?? 0)).slice(0, limit);
  return { ids: page.map((row) => row.id), urns: page.map((row) => row.urn!), total: unsupported.length };
}
