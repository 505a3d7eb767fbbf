import { chromium, Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sweepTimeBasedRules } from '../src/alerts/sweep';
import { computeAllBands, computeBands, refreshStaleBands } from '../src/analytics/bands.service';
import { toGlobalId } from '../src/core/node';
import { startTestApp, TestApp, tokenFor } from './helpers';

/*
 * Analytics on a small synthetic area (Hampshire's real files are in analytics-hampshire.test.ts):
 * bands recomputed in the writer's transaction, evidence windows, settings and who may change them,
 * the GeoJSON export and the map page in a real headless browser, and the day turning (the sweep
 * recomputes, reads never write).
 */
let app: TestApp;
const today = new Date();
const daysAgo = (days: number) => new Date(today.getTime() - days * 86_400_000).toISOString().slice(0, 10);
const yearNow = today.getUTCMonth() >= 8 ? today.getUTCFullYear() : today.getUTCFullYear() - 1;
const academicYear = (start: number) => `${start}/${String((start + 1) % 100).padStart(2, '0')}`;

/** Schools around Winchester (A in need, B outstanding 2 km away, C in need far from anyone, ...). */
const SCHOOLS = [
  { urn: 900001, name: 'Alpha Primary', phase: 'primary', lat: 51.06, lon: -1.31, grade: 'REQUIRES_IMPROVEMENT' },
  { urn: 900002, name: 'Beta Primary', phase: 'primary', lat: 51.078, lon: -1.31, grade: 'OUTSTANDING' },
  { urn: 900003, name: 'Gamma Primary', phase: 'primary', lat: 51.5, lon: -0.8, grade: 'INADEQUATE' },
  { urn: 900004, name: 'Delta Primary', phase: 'primary', lat: 51.065, lon: -1.32, grade: 'GOOD' },
  { urn: 900005, name: 'Epsilon Secondary', phase: 'secondary', lat: 51.062, lon: -1.305, grade: 'OUTSTANDING' },
  { urn: 900006, name: 'Zeta Primary', phase: 'primary', lat: 51.07, lon: -1.29, grade: null },
] as const;
const ids = new Map<number, number>();
const gid = (urn: number) => toGlobalId('School', ids.get(urn)!);

const INSPECTION = `mutation ($input: InspectionRecordInput!) { inspectionRecord(input: $input) { inspection { id } userErrors { field message } } }`;
const MEASURE = `mutation ($input: MeasureRecordInput!) { measureRecord(input: $input) { measure { id } userErrors { field message } } }`;
const BAND = `query ($urn: Int!) { school(urn: $urn) { performanceBand { band reasons inspection { inspectedOn } measures { metric academicYear value passed } } } }`;
const band = async (urn: number) => (await app.data(BAND, { urn })).school.performanceBand;

beforeAll(async () => {
  app = await startTestApp();
  for (const s of SCHOOLS) {
    const [row] = await app.sql<{ id: number }>(
      `insert into school (urn, name, phase, establishment_type, status, la_code, la_name, region, constituency, latitude, longitude, pupils_on_roll, percent_fsm, urban_rural)
       values ($1, $2, $3, 'community_school', 'open', 850, 'Hampshire', 'South East', $4, $5, $6, 200, 15, 'urban_city_and_town') returning id`,
      [s.urn, s.name, s.phase, s.lat > 51.4 ? 'North East Hampshire' : 'Winchester', s.lat, s.lon],
    );
    ids.set(s.urn, row.id);
    if (s.grade) {
      const { inspectionRecord } = await app.data(INSPECTION, {
        input: {
          schoolId: gid(s.urn),
          inspectorate: 'OFSTED',
          inspectedOn: daysAgo(400),
          overallEffectiveness: s.grade,
          ...(s.grade === 'INADEQUATE' ? { categoryOfConcern: 'SPECIAL_MEASURES' } : {}),
        },
      });
      expect(inspectionRecord.userErrors).toEqual([]);
    }
  }
});

afterAll(async () => {
  await app?.close();
});

describe('performance bands follow the evidence', () => {
  it('are recomputed in the transaction that records an inspection', async () => {
    expect((await band(900001)).band).toBe('IN_NEED');
    expect((await band(900002)).band).toBe('HIGH_PERFORMING');
    expect((await band(900004)).band).toBe('NEITHER');
    expect((await band(900006)).band).toBe('NO_RECENT_EVIDENCE');
    const gamma = await band(900003);
    expect(gamma.band).toBe('IN_NEED');
    expect(gamma.reasons[0]).toBe(`Ofsted inspection of ${daysAgo(400)}: inadequate (grade 4), category of concern: special measures.`);
    // A newer, good inspection for Alpha: the band changes with the write, no refresh needed.
    await app.data(INSPECTION, {
      input: { schoolId: gid(900001), inspectorate: 'OFSTED', inspectedOn: daysAgo(30), overallEffectiveness: 'GOOD' },
    });
    const alpha = await band(900001);
    expect(alpha.band).toBe('NEITHER');
    expect(alpha.inspection.inspectedOn).toBe(daysAgo(30));
    // Back to requires improvement for the tests below.
    await app.data(INSPECTION, {
      input: { schoolId: gid(900001), inspectorate: 'OFSTED', inspectedOn: daysAgo(20), overallEffectiveness: 'REQUIRES_IMPROVEMENT' },
    });
    expect((await band(900001)).band).toBe('IN_NEED');
  });

  it('puts a good school below the floor in need, and leaves the band alone when a write is refused', async () => {
    const year = academicYear(yearNow - 1);
    const refused = await app.data(MEASURE, {
      input: { schoolId: gid(900004), metric: 'KS2_RWM_EXPECTED_PCT', academicYear: year, value: 140, source: 'test' },
    });
    expect(refused.measureRecord.userErrors.length).toBeGreaterThan(0);
    expect((await band(900004)).band).toBe('NEITHER');
    await app.data(MEASURE, {
      input: { schoolId: gid(900004), metric: 'KS2_RWM_EXPECTED_PCT', academicYear: year, value: 41, source: 'test' },
    });
    const delta = await band(900004);
    expect(delta.band).toBe('IN_NEED');
    expect(delta.reasons).toContain(`ks2_rwm_expected_pct 41 in ${year}: below the floor of 50.`);
    await app.sql(`delete from outcome_measure where school_id = $1`, [ids.get(900004)]);
    await app.data(INSPECTION, {
      input: { schoolId: gid(900004), inspectorate: 'OFSTED', inspectedOn: daysAgo(400), overallEffectiveness: 'GOOD' },
    });
    expect((await band(900004)).band).toBe('NEITHER');
  });

  it('makes a good school high-performing only with every high threshold met in the window', async () => {
    const zeta = gid(900006);
    await app.data(INSPECTION, {
      input: { schoolId: zeta, inspectorate: 'OFSTED', inspectedOn: daysAgo(100), overallEffectiveness: 'GOOD' },
    });
    const recent = academicYear(yearNow - 1);
    const values: [string, number][] = [
      ['KS2_RWM_EXPECTED_PCT', 82],
      ['KS2_READING_PROGRESS', 2.5],
      ['KS2_WRITING_PROGRESS', 1.4],
    ];
    for (const [metric, value] of values)
      await app.data(MEASURE, { input: { schoolId: zeta, metric, academicYear: recent, value, source: 'test' } });
    let z = await band(900006);
    expect(z.band).toBe('NEITHER');
    expect(z.reasons.at(-1)).toBe('Neither: good, but 3 of 4 high attainment and progress thresholds met within 3 academic years.');
    // Maths progress four academic years ago is outside the window: still three of four.
    const old = academicYear(yearNow - 4);
    await app.data(MEASURE, { input: { schoolId: zeta, metric: 'KS2_MATHS_PROGRESS', academicYear: old, value: 3, source: 'test' } });
    z = await band(900006);
    expect(z.band).toBe('NEITHER');
    expect(z.measures.map((m: any) => m.academicYear)).not.toContain(old);
    await app.data(MEASURE, { input: { schoolId: zeta, metric: 'KS2_MATHS_PROGRESS', academicYear: recent, value: 1.0, source: 'test' } });
    z = await band(900006);
    expect(z.band).toBe('HIGH_PERFORMING');
    expect(z.reasons.at(-1)).toBe('High-performing: good, with every high attainment and progress threshold met.');
  });

  it('ignores an inspection older than the window', async () => {
    const [row] = await app.sql<{ id: number }>(
      `insert into school (urn, name, phase, establishment_type, la_code, latitude, longitude) values (900099, 'Old Inspection Primary', 'primary', 'community_school', 850, 51.1, -1.3) returning id`,
    );
    ids.set(900099, row.id);
    await app.data(INSPECTION, {
      input: { schoolId: gid(900099), inspectorate: 'OFSTED', inspectedOn: daysAgo(6 * 366 + 10), overallEffectiveness: 'OUTSTANDING' },
    });
    const old = await band(900099);
    expect(old.band).toBe('NO_RECENT_EVIDENCE');
    expect(old.inspection).toBeNull();
    expect(old.reasons[0]).toMatch(/^No inspection in the 6 years to /);
  });
});

describe('reading a band', () => {
  it('answers computedAt as a DateTime, through nodes beside other School fields (was INTERNAL_SERVER_ERROR)', async () => {
    const result = await app.gql<any>(
      `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on School { phase pupilsOnRoll region performanceBand { band asOf computedAt } } } }`,
      { ids: [gid(900001), gid(900002), gid(900006)] },
    );
    expect(result.errors).toBeUndefined();
    for (const node of result.data.nodes) {
      expect(node.performanceBand.computedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(Date.parse(node.performanceBand.computedAt)).toBeLessThanOrEqual(Date.now());
    }
  });
});

describe('partner candidates', () => {
  it('reads the school and its candidates in one statement; asking for each candidate’s school adds none', async () => {
    const bare = `query ($id: ID!) { partnerCandidates(schoolId: $id, radiusKm: 5, first: 10) { totalCount edges { node { score } } } }`;
    const withSchools = `query ($id: ID!) { partnerCandidates(schoolId: $id, radiusKm: 5, first: 10) { totalCount edges { node { score school { urn name phase } } } } }`;
    await app.data(bare, { id: gid(900001) }); // warm: the viewer's own lookups
    const statements = await app.countStatements(() => app.data(bare, { id: gid(900001) }));
    let answer: any;
    const withSchoolsStatements = await app.countStatements(async () => {
      answer = await app.data(withSchools, { id: gid(900001) });
    });
    expect(answer.partnerCandidates.edges.map((e: any) => e.node.school.urn).sort()).toEqual([900002, 900006]);
    expect(withSchoolsStatements).toBe(statements);
    expect(statements).toBeLessThanOrEqual(2);
  });
});

describe('support capacity', () => {
  it('lists every area’s schools in need without a candidate from one read of the country, however many areas', async () => {
    const query = (
      first: number,
    ) => `{ supportCapacity(level: CONSTITUENCY, radiusKm: 5) { areas(first: ${first}) { totalCount edges { node {
      name inNeedWithoutCandidate(first: 5) { totalCount edges { node { urn } } } } } } } }`;
    const all = await app.data(query(10));
    expect(all.supportCapacity.areas.totalCount).toBeGreaterThan(1);
    const gamma = all.supportCapacity.areas.edges.find((e: any) => e.node.name === 'North East Hampshire').node;
    expect(gamma.inNeedWithoutCandidate.edges.map((e: any) => e.node.urn)).toEqual([900003]);
    const one = await app.countStatements(() => app.data(query(1)));
    const many = await app.countStatements(() => app.data(query(10)));
    expect(many).toBe(one);
  });
});

describe('band settings', () => {
  const UPDATE = `mutation ($input: PerformanceBandSettingsUpdateInput!) { performanceBandSettingsUpdate(input: $input) { settings { inspectionMaxAgeYears measureMaxAgeYears asOf } userErrors { field message code } } }`;
  const SET = `mutation ($input: BandThresholdSetInput!) { performanceBandThresholdSet(input: $input) { settings { thresholds { phase criterion metric threshold } } userErrors { field message } } }`;

  it('may be changed by admins only', async () => {
    const anonymous = await app.gqlAs(undefined, UPDATE, { input: { inspectionMaxAgeYears: 8 } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await app.sql(`insert into person (id, full_name) values (777, 'A Governor') on conflict do nothing`);
    const person = await app.gqlAs(`Bearer ${await tokenFor(777)}`, UPDATE, { input: { inspectionMaxAgeYears: 8 } });
    expect(person.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.data(`{ performanceBandSettings { inspectionMaxAgeYears } }`)).performanceBandSettings.inspectionMaxAgeYears).toBe(6);
  });

  it('refuses bad values, naming the field, and writes nothing', async () => {
    for (const [input, field] of [
      [{ inspectionMaxAgeYears: 0 }, 'inspectionMaxAgeYears'],
      [{ measureMaxAgeYears: 21 }, 'measureMaxAgeYears'],
      [{ asOf: '2999-01-01' }, 'asOf'],
      [{ asOf: '2020-01-01', asOfToday: true }, 'asOfToday'],
    ] as const) {
      const { performanceBandSettingsUpdate } = await app.data(UPDATE, { input });
      expect(performanceBandSettingsUpdate.settings).toBeNull();
      expect(performanceBandSettingsUpdate.userErrors[0].field).toEqual(['input', field]);
    }
    const { performanceBandThresholdSet } = await app.data(SET, {
      input: { phase: 'PRIMARY', criterion: 'FLOOR', metric: 'KS2_RWM_EXPECTED_PCT', threshold: 101 },
    });
    expect(performanceBandThresholdSet.userErrors[0]).toEqual({
      field: ['input', 'threshold'],
      message: "must be within ks2_rwm_expected_pct's range, 0 to 100; got 101.",
    });
    const removed = await app.data(
      `mutation { performanceBandThresholdRemove(input: { phase: NURSERY, criterion: FLOOR, metric: ATTENDANCE_PCT }) { userErrors { message } } }`,
    );
    expect(removed.performanceBandThresholdRemove.userErrors[0].message).toBe(
      'no floor threshold on attendance_pct is set for nursery schools.',
    );
    expect(
      (await app.data(`{ performanceBandSettings { inspectionMaxAgeYears measureMaxAgeYears asOf } }`)).performanceBandSettings,
    ).toEqual({
      inspectionMaxAgeYears: 6,
      measureMaxAgeYears: 3,
      asOf: null,
    });
  });

  it('recompute every band when a threshold or window changes', async () => {
    // A floor of 90 puts Zeta (82) in need; back to 50 and it is high-performing again.
    await app.data(SET, { input: { phase: 'PRIMARY', criterion: 'FLOOR', metric: 'KS2_RWM_EXPECTED_PCT', threshold: 90 } });
    expect((await band(900006)).band).toBe('IN_NEED');
    await app.data(SET, { input: { phase: 'PRIMARY', criterion: 'FLOOR', metric: 'KS2_RWM_EXPECTED_PCT', threshold: 50 } });
    expect((await band(900006)).band).toBe('HIGH_PERFORMING');
    // A ten-year inspection window brings Old Inspection Primary's outstanding back.
    await app.data(UPDATE, { input: { inspectionMaxAgeYears: 10 } });
    expect((await band(900099)).band).toBe('HIGH_PERFORMING');
    await app.data(UPDATE, { input: { inspectionMaxAgeYears: 6 } });
    expect((await band(900099)).band).toBe('NO_RECENT_EVIDENCE');
    await app.sql(`delete from school where urn = 900099`);
  });
});

describe('the map and its GeoJSON export', () => {
  const base = () => app.url.replace(/\/graphql$/, '');

  it('exports the area as GeoJSON with each school’s band and whether it has a candidate', async () => {
    const response = await fetch(`${base()}/analytics/schools.geojson?localAuthorityCode=850&phase=PRIMARY&radiusKm=5`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/geo+json');
    const body: any = await response.json();
    expect(body.type).toBe('FeatureCollection');
    const byUrn = new Map<number, any>(body.features.map((f: any) => [f.properties.urn, f]));
    expect([...byUrn.keys()].sort()).toEqual([900001, 900002, 900003, 900004, 900006]);
    const alpha = byUrn.get(900001);
    expect(alpha.geometry).toEqual({ type: 'Point', coordinates: [-1.31, 51.06] });
    expect(alpha.properties).toMatchObject({ band: 'in_need', candidatesWithinRadius: 2, inNeedWithoutCandidate: false, phase: 'primary' });
    expect(byUrn.get(900003).properties).toMatchObject({ band: 'in_need', candidatesWithinRadius: 0, inNeedWithoutCandidate: true });
    expect(byUrn.get(900002).properties).toMatchObject({
      band: 'high_performing',
      inNeedWithoutCandidate: false,
      candidatesWithinRadius: null,
    });
  });

  it('refuses a bad parameter with 400, naming it', async () => {
    for (const [query, parameter] of [
      ['radiusKm=0', 'radiusKm'],
      ['radiusKm=abc', 'radiusKm'],
      ['radiusKm=500', 'radiusKm'],
      ['phase=college', 'phase'],
      ['localAuthorityCode=x850', 'localAuthorityCode'],
      ['region=a&region=b', 'region'],
    ]) {
      const response = await fetch(`${base()}/analytics/schools.geojson?${query}`);
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as any).parameter).toBe(parameter);
    }
  });

  describe('in headless chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: [
          '--no-sandbox',
          '--headless',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('loads offline, shows every school coloured by band, and lists candidates on a click', async () => {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(base())) elsewhere.push(request.url());
      });
      const failures: string[] = [];
      page.on('pageerror', (error) => failures.push(error.message));
      await page.goto(`${base()}/analytics/map?localAuthorityCode=850&phase=primary&radiusKm=5`);
      await page.waitForSelector('#status[data-loaded]');
      expect(await page.textContent('#status')).toBe('5 schools: 2 high performing, 1 in need, 1 in need without a candidate, 1 neither.');
      expect(await page.locator('path.school').count()).toBe(5);
      expect(await page.locator('path.unsupported').count()).toBe(1);
      expect(await page.locator('path.urn-900003').getAttribute('fill')).toBe('#d73027');
      expect(await page.locator('path.urn-900001').getAttribute('fill')).toBe('#fc8d59');
      expect(await page.locator('path.urn-900002').getAttribute('fill')).toBe('#1a9850');
      await page.locator('path.urn-900001').click({ force: true });
      await page.waitForSelector('li.candidate');
      const candidates = await page.locator('li.candidate strong').allTextContents();
      expect(candidates.sort()).toEqual(['Beta Primary', 'Zeta Primary']);
      expect(await page.textContent('#candidates')).toContain('2 high-performing primary school(s) within 5 km');
      expect(elsewhere).toEqual([]);
      expect(failures).toEqual([]);
      await page.close();
    });
  });
});

describe('when the day turns: the sweep recomputes bands, a read never writes', () => {
  const CANDIDATES = `query ($id: ID!) { partnerCandidates(schoolId: $id, radiusKm: 5, first: 20) { edges { node { school { urn } } } } }`;
  /** Everything a band read could write: every band row and the day they were computed for. */
  const bandState = async () =>
    (
      await app.sql<{ state: string }>(
        `select (select md5(coalesce(string_agg(to_jsonb(b)::text, '|' order by b.school_id), '')) from performance_band b)
           || ':' || coalesce((select computed_for::text from performance_band_settings), '') as state`,
      )
    )[0].state;

  it('keeps yesterday’s bands through every read, then the sweep moves the window and an inspection ages out', async () => {
    const [{ years }] = await app.sql<{ years: number }>(`select inspection_max_age_years as years from performance_band_settings`);
    // Ageing Primary: outstanding, inspected exactly `years` years ago: inside yesterday's window, outside today's.
    const [ageing] = await app.sql<{ id: number }>(
      `insert into school (urn, name, phase, establishment_type, status, la_code, la_name, region, constituency, latitude, longitude)
       values (900050, 'Ageing Primary', 'primary', 'community_school', 'open', 850, 'Hampshire', 'South East', 'Winchester', 51.062, -1.312) returning id`,
    );
    ids.set(900050, ageing.id);
    await app.sql(
      `insert into inspection (school_id, inspectorate, inspected_on, overall_effectiveness, source)
       values ($1, 'ofsted', current_date - make_interval(years => $2), 1, 'test')`,
      [ageing.id, years],
    );
    // Yesterday's computation, as the scheduler made it; then the day turns (as_of back to "today", nothing recomputed).
    await app.sql(`update performance_band_settings set as_of = current_date - 1`);
    await app.orm.em.fork().transactional((em) => computeAllBands(em as EntityManager));
    await app.sql(`update performance_band_settings set as_of = null`);
    const yesterday = daysAgo(1);
    const before = await bandState();
    expect(before.endsWith(`:${yesterday}`)).toBe(true);

    // Every analytics read answers the stored bands, says the day they were counted for, and writes nothing.
    const read = await band(900050);
    expect(read.band).toBe('HIGH_PERFORMING');
    expect(
      (await app.data(`query ($urn: Int!) { school(urn: $urn) { performanceBand { asOf } } }`, { urn: 900050 })).school.performanceBand
        .asOf,
    ).toBe(yesterday);
    const near = await app.data(CANDIDATES, { id: gid(900001) });
    expect(near.partnerCandidates.edges.map((e: any) => e.node.school.urn)).toContain(900050);
    await app.data(
      `{ supportCapacity(level: CONSTITUENCY, radiusKm: 5) { total { inNeedCount } } schoolsInNeedWithoutCandidate(first: 5) { totalCount } }`,
    );
    const geojson = await fetch(
      `${app.url.replace(/\/graphql$/, '')}/analytics/schools.geojson?localAuthorityCode=850&phase=PRIMARY&radiusKm=5`,
    );
    expect(geojson.status).toBe(200);
    expect(await bandState()).toBe(before);

    // The sweep notices the new day: every band for today, the aged inspection no longer counts.
    await sweepTimeBasedRules(app.orm);
    const after = await band(900050);
    expect(after.band).toBe('NO_RECENT_EVIDENCE');
    expect(after.reasons[0]).toBe(`No inspection in the ${years} years to ${daysAgo(0)}.`);
    expect((await bandState()).endsWith(`:${daysAgo(0)}`)).toBe(true);
    const now = await app.data(CANDIDATES, { id: gid(900001) });
    expect(now.partnerCandidates.edges.map((e: any) => e.node.school.urn)).not.toContain(900050);
    // Fresh now: the next check recomputes nothing.
    const settled = await bandState();
    expect(await refreshStaleBands(app.orm)).toBe(false);
    expect(await bandState()).toBe(settled);
    await app.sql(`delete from school where id = $1`, [ageing.id]);
  });

  it('never puts back a band that an evidence write in flight has just changed', async () => {
    const [racing] = await app.sql<{ id: number }>(
      `insert into school (urn, name, phase, establishment_type, status, la_code, latitude, longitude)
       values (900051, 'Racing Primary', 'primary', 'community_school', 'open', 850, 51.3, -1.2) returning id`,
    );
    ids.set(900051, racing.id);
    await app.sql(`update performance_band_settings set computed_for = current_date - 1`);
    // An inspection recorded and its band computed, the transaction held open...
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const inFlight = new Promise<void>((resolve) => (written = resolve));
    const writer = app.orm.em.fork().transactional(async (em) => {
      await em.execute(
        `insert into inspection (school_id, inspectorate, inspected_on, overall_effectiveness, source) values (?, 'ofsted', current_date - 10, 1, 'test')`,
        [racing.id],
      );
      await computeBands(em as EntityManager, [racing.id]);
      written();
      await gate;
    });
    await inFlight;
    // ...while the day's recompute starts: it must wait for the writer, then read what it committed.
    const refresh = refreshStaleBands(app.orm);
    for (let i = 0; i < 200 && (await app.sql(`select 1 from pg_locks where not granted`)).length === 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect((await app.sql(`select 1 from pg_locks where not granted`)).length).toBeGreaterThan(0);
    release();
    await writer;
    expect(await refresh).toBe(true);
    expect((await band(900051)).band).toBe('HIGH_PERFORMING');
    await app.sql(`delete from school where id = $1`, [racing.id]);
  });

  it('marks the bands stale when a school changes phase (no evidence event says so), and the next check rejudges it', async () => {
    // Zeta is high-performing as a primary (good, every primary high threshold met); as a secondary none of its measures count.
    expect((await band(900006)).band).toBe('HIGH_PERFORMING');
    await refreshStaleBands(app.orm);
    await app.sql(`update school set phase = 'secondary' where urn = 900006`);
    expect(
      (await app.sql<{ computed_for: string | null }>(`select computed_for from performance_band_settings`))[0].computed_for,
    ).toBeNull();
    expect((await band(900006)).band).toBe('HIGH_PERFORMING'); // a read still answers the stored band
    expect(await refreshStaleBands(app.orm)).toBe(true);
    expect((await band(900006)).band).toBe('NEITHER');
    await app.sql(`update school set phase = 'primary' where urn = 900006`);
    await refreshStaleBands(app.orm);
    expect((await band(900006)).band).toBe('HIGH_PERFORMING');
    // Any other change to a school (its name, its roll) leaves the bands fresh.
    await app.sql(`update school set name = 'Zeta Primary School', pupils_on_roll = 210 where urn = 900006`);
    expect(await refreshStaleBands(app.orm)).toBe(false);
  });

  it('is done by one instance when several check at once', async () => {
    await app.sql(`update performance_band_settings set computed_for = current_date - 1`);
    const results = await Promise.all([refreshStaleBands(app.orm), refreshStaleBands(app.orm), refreshStaleBands(app.orm)]);
    expect(results.filter((r) => r === true)).toHaveLength(1);
    expect(results.filter((r) => r !== true).every((r) => r === false || r === null)).toBe(true);
  });
});
