import proj4 from 'proj4';

/**
 * British National Grid (OSGB36 / EPSG:27700), as the EPSG registry and PROJ define it: transverse
 * Mercator on the Airy 1830 ellipsoid, with the Ordnance Survey's 7-parameter Helmert shift to WGS84.
 * The Helmert shift is good to about 5 m across Great Britain (OS's grid model OSTN15 does better,
 * but its grid files are not needed at this scale: school sites, not survey points).
 */
const BRITISH_NATIONAL_GRID =
  '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy ' +
  '+towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs +type=crs';

proj4.defs('EPSG:27700', BRITISH_NATIONAL_GRID);
const toWgs84 = proj4('EPSG:27700', 'EPSG:4326');

/** The national grid's false-origin box (metres): anything outside is not a place in Great Britain. */
export const GRID_LIMITS = { easting: [0, 700_000], northing: [0, 1_300_000] } as const;

export interface LatLong {
  latitude: number;
  longitude: number;
}

/** Easting/northing in metres on the British National Grid to WGS84 latitude/longitude in degrees. */
export function gridToWgs84(easting: number, northing: number): LatLong {
  const [longitude, latitude] = toWgs84.forward([easting, northing]);
  // Seven decimals is about 1 cm, far finer than the data; rounding keeps re-imports byte-identical.
  return { latitude: Number(latitude.toFixed(7)), longitude: Number(longitude.toFixed(7)) };
}
