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

/** Schools `c` whose site is in the box around (lat, lon) for `radiusKm` (index-backed). */
export const inBox = (c: string, lat: string, lon: string, radiusKm: string): string =>
  `earth_box(ll_to_earth(${lat}, ${lon}), ${radiusKm} * ${EARTH_BOX_SCALE}) @> ll_to_earth(${c}.latitude, ${c}.longitude)`;

/** Great-circle distance in km from (lat, lon) to school `c`'s site. */
export const distanceKm = (c: string, lat: string, lon: string): string =>
  `trellis_distance_km(${lat}, ${lon}, ${c}.latitude, ${c}.longitude)`;

/** Statuses of a school that can still give or receive support. */
export const OPEN_STATUSES = `('open', 'proposed_to_close')`;

/** Most a radius may be: beyond it "nearby" means nothing for school-to-school support. */
export const MAX_RADIUS_KM = 100;
