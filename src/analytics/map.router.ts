import path from 'node:path';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import express, { Request, Response, Router } from 'express';
import { projectRoot } from '../config';
import { toGlobalId } from '../core/node';
import { Phase } from '../schools/school.enums';
import { PerformanceBand } from './analytics.enums';
import { AreaFilter, areaSql } from './capacity.service';
import { countWithin, MAX_RADIUS_KM, OPEN_STATUSES } from './geo';

/**
 * The map an officer looks at, and the same data as GeoJSON for QGIS and other GIS tools:
 *
 *   GET /analytics/map?localAuthorityCode=850&phase=primary&radiusKm=10     the page (Leaflet from npm, no tiles: works offline)
 *   GET /analytics/schools.geojson?...same parameters...                    open schools with a site, by band
 *
 * Parameters (all optional): region, localAuthorityCode, constituency, phase (a Phase, any case),
 * radiusKm (default 10). Each feature carries the school's band and, for a school in need, how many
 * high-performing schools of its phase are within the radius (`candidatesWithinRadius`) and whether
 * that is none (`inNeedWithoutCandidate`). Public aggregate data, as the GraphQL analytics are.
 */

class BadParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

export interface MapQuery {
  area: AreaFilter;
  phase?: Phase;
  radiusKm: number;
}

const PHASES = new Set<string>(Object.values(Phase));

export function readMapQuery(query: Request['query']): MapQuery {
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw new BadParameter(name, `${name} must be given once, as text.`);
    return value;
  };
  const area: AreaFilter = { region: text('region'), constituency: text('constituency') };
  const la = text('localAuthorityCode');
  if (la !== undefined) {
    if (!/^\d{1,4}$/.test(la))
      throw new BadParameter('localAuthorityCode', `localAuthorityCode must be a local authority code such as 850; got '${la}'.`);
    area.localAuthorityCode = Number(la);
  }
  const phaseText = text('phase')?.toLowerCase();
  if (phaseText !== undefined && !PHASES.has(phaseText))
    throw new BadParameter('phase', `phase must be one of ${[...PHASES].join(', ')}; got '${phaseText}'.`);
  const radiusText = text('radiusKm') ?? '10';
  const radiusKm = Number(radiusText);
  if (!/^\d+(\.\d+)?$/.test(radiusText) || !(radiusKm > 0 && radiusKm <= MAX_RADIUS_KM))
    throw new BadParameter('radiusKm', `radiusKm must be a number above 0 and at most ${MAX_RADIUS_KM}; got '${radiusText}'.`);
  return { area, phase: phaseText as Phase | undefined, radiusKm };
}

interface MapSchoolRow {
  id: number;
  urn: number;
  name: string;
  phase: Phase;
  latitude: number;
  longitude: number;
  la_code: number | null;
  la_name: string | null;
  constituency: string | null;
  band: PerformanceBand;
  within: number | null;
}

/**
 * Open schools with a site in the area, each with its band and, if in need, its candidates within the
 * radius: one statement reads them and the high-performing sites of their phases (anywhere: across the
 * area's border counts), then the neighbours are counted in one pass (geo.ts countWithin), as capacity does.
 */
export async function mapSchools(em: EntityManager, query: MapQuery): Promise<MapSchoolRow[]> {
  const where = areaSql(query.area);
  const rows: (MapSchoolRow & { kind: 'school' | 'site' })[] = await em.execute(
    `select 'school' as kind, s.id, s.urn, s.name, s.phase, s.latitude, s.longitude, s.la_code, s.la_name, s.constituency,
       coalesce(b.band, 'no_recent_evidence') as band
     from school s left join performance_band b on b.school_id = s.id
     where s.status in ${OPEN_STATUSES} and s.latitude is not null and s.longitude is not null
       and (?::text is null or s.phase = ?::text) and ${where.sql}
     union all
     select 'site', c.school_id, null, null, c.phase, c.latitude, c.longitude, null, null, null, c.band
     from performance_band c
     where c.band = 'high_performing' and c.open and c.latitude is not null and c.longitude is not null
       and (?::text is null or c.phase = ?::text)`,
    [query.phase ?? null, query.phase ?? null, ...where.params, query.phase ?? null, query.phase ?? null],
  );
  const schools = rows.filter((row) => row.kind === 'school').sort((a, b) => a.urn - b.urn);
  const within = countWithin(
    schools.filter((row) => row.band === PerformanceBand.IN_NEED),
    rows.filter((row) => row.kind === 'site'),
    query.radiusKm,
  );
  return schools.map(({ kind: _kind, ...row }) => ({ ...row, within: within.get(row.id) ?? null }));
}

/** The features, as RFC 7946 GeoJSON (longitude first). */
export function toGeoJson(rows: MapSchoolRow[], query: MapQuery) {
  return {
    type: 'FeatureCollection' as const,
    // Foreign members (RFC 7946 section 6.1): what was asked, so an exported file says what it holds.
    trellis: { area: query.area, phase: query.phase ?? null, radiusKm: query.radiusKm, generatedAt: new Date().toISOString() },
    features: rows.map((row) => ({
      type: 'Feature' as const,
      id: row.urn,
      geometry: { type: 'Point' as const, coordinates: [row.longitude, row.latitude] },
      properties: {
        id: toGlobalId('School', row.id),
        urn: row.urn,
        name: row.name,
        phase: row.phase,
        band: row.band,
        candidatesWithinRadius: row.within,
        inNeedWithoutCandidate: row.band === PerformanceBand.IN_NEED ? row.within === 0 : false,
        localAuthorityCode: row.la_code,
        localAuthority: row.la_name,
        constituency: row.constituency,
      },
    })),
  };
}

export function analyticsRouter(orm: MikroORM): Router {
  const router = express.Router();
  const leaflet = path.dirname(require.resolve('leaflet/dist/leaflet.js'));
  router.use('/map/leaflet', express.static(leaflet, { fallthrough: false, maxAge: '1d' }));
  router.get('/map', (_req, res) => res.sendFile(path.join(projectRoot, 'src', 'analytics', 'map', 'index.html')));
  router.get('/map/map.js', (_req, res) => res.sendFile(path.join(projectRoot, 'src', 'analytics', 'map', 'map.js')));
  router.get('/schools.geojson', async (req: Request, res: Response) => {
    try {
      const query = readMapQuery(req.query);
      const em = orm.em.fork();
      const rows = await mapSchools(em, query);
      res.type('application/geo+json').send(JSON.stringify(toGeoJson(rows, query)));
    } catch (error) {
      if (error instanceof BadParameter) res.status(400).json({ error: error.message, parameter: error.parameter });
      else res.status(500).json({ error: 'Internal server error' });
    }
  });
  return router;
}
