/**
 * Distance search, as SQL fragments. Sites are WGS84 points; `school_location_earth_index` is a GiST
 * index on ll_to_earth(latitude, longitude) (cube + earthdistance, shipped with PostgreSQL), so a
 * radius search reads the index for a box around the centre and then measures only what is in it.
 *
 * Distances are great-circle on the mean Earth radius (trellis_distance_km, the haversine formula).
 * earthdistance's own sphere is 6378.168 km, so its box for a radius r on our sphere is r scaled by
 * 6378.168 / 6371.0088 (< 1.0012): the box is never smaller than the circle, and the circle decides.
 */
export const EARTH_BOX_SCALE = 1001.2; // metres per km, widened by the ratio of the two radii

/**
 * The open high-performing schools of a phase within a radius of (lat, lon), as `from ... where ...`
 * on performance_band aliased `c` (its copy of each school's site, phase and status, kept by a
 * trigger on school). The box reads `performance_band_high_performing_location_index`, which holds
 * only those schools; the distance decides. `radiusKm` is a SQL expression used twice.
 */
export const highPerformingWithin = (c: string, lat: string, lon: string, phase: string, exceptSchool: string, radiusKm: string): string =>
  `performance_band ${c}
   where ${c}.band = 'high_performing' and ${c}.open
     and earth_box(ll_to_earth(${lat}, ${lon}), ${radiusKm} * ${EARTH_BOX_SCALE}) @> ${c}.location
     and ${c}.phase = ${phase} and ${c}.school_id <> ${exceptSchool}
     and trellis_distance_km(${lat}, ${lon}, ${c}.latitude, ${c}.longitude) <= ${radiusKm}`;

/** Statuses of a school that can still give or receive support. */
export const OPEN_STATUSES = `('open', 'proposed_to_close')`;

/** Most a radius may be: beyond it "nearby" means nothing for school-to-school support. */
export const MAX_RADIUS_KM = 100;

/** Mean Earth radius (IUGG), km: the sphere trellis_distance_km measures on. */
export const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/** trellis_distance_km in JavaScript, term for term (the haversine formula). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const h =
    Math.sin(((lat2 - lat1) * RAD) / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(((lon2 - lon1) * RAD) / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export interface Site {
  id: number;
  phase: string;
  latitude: number;
  longitude: number;
}

/**
 * For each centre, how many sites of its phase (itself left out) lie within the radius: the whole
 * country's "high-performing schools near each school in need" in one pass, after one read.
 *
 * The sites go into cells of the radius in latitude and at least the radius in longitude at the
 * highest latitude present, so every site within the radius of a centre is in the centre's cell or
 * one of its eight neighbours; only those are measured, and the distance decides, as in SQL. Points
 * near a pole or the antimeridian (none in England or Wales) fall back to measuring every pair.
 */
export function countWithin(centres: Site[], sites: Site[], radiusKm: number): Map<number, number> {
  const counts = new Map<number, number>();
  const dLat = radiusKm / EARTH_RADIUS_KM / RAD;
  let maxLat = 0;
  let minLon = Infinity;
  let maxLon = -Infinity;
  for (const p of [...centres, ...sites]) {
    maxLat = Math.max(maxLat, Math.abs(p.latitude));
    minLon = Math.min(minLon, p.longitude);
    maxLon = Math.max(maxLon, p.longitude);
  }
  // Across a parallel, sin(d/2R) >= cos(lat) sin(dLon/2): widened by 2% for the difference between the angle and its sine.
  const dLon = (dLat / Math.cos(Math.min(90, maxLat + dLat) * RAD)) * 1.02;
  const simple = maxLat + dLat < 85 && minLon - dLon > -180 && maxLon + dLon < 180 && Number.isFinite(dLon);
  const cellOf = (lat: number, lon: number) => (simple ? [Math.floor(lat / dLat), Math.floor(lon / dLon)] : [0, 0]);
  const cells = new Map<string, Site[]>();
  for (const site of sites) {
    const [i, j] = cellOf(site.latitude, site.longitude);
    const key = `${site.phase}|${i}|${j}`;
    const cell = cells.get(key);
    if (cell) cell.push(site);
    else cells.set(key, [site]);
  }
  const reach = simple ? 1 : 0;
  for (const centre of centres) {
    const [i, j] = cellOf(centre.latitude, centre.longitude);
    let n = 0;
    for (let di = -reach; di <= reach; di++)
      for (let dj = -reach; dj <= reach; dj++)
        for (const site of cells.get(`${centre.phase}|${i + di}|${j + dj}`) ?? [])
          if (site.id !== centre.id && distanceKm(centre.latitude, centre.longitude, site.latitude, site.longitude) <= radiusKm) n += 1;
    counts.set(centre.id, n);
  }
  return counts;
}
