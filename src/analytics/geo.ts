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
