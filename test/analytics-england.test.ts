import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedEngland } from '../src/demo/england';
import { startTestApp, TestApp } from './helpers';

/*
 * The England-size seed's evidence step at a small scale, and distance search against a full scan:
 * whatever the radius, the index-backed candidate search and capacity's one-pass neighbour count find
 * exactly what a haversine scan of every school (every pair) finds.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await seedEngland(app.orm, { scale: 0.03 });
}, 180_000);

afterAll(async () => {
  await app?.close();
});

const haversine = `2 * 6371.0088 * asin(least(1, sqrt(power(sin(radians(c.latitude - o.latitude) / 2), 2)
  + cos(radians(o.latitude)) * cos(radians(c.latitude)) * power(sin(radians(c.longitude - o.longitude) / 2), 2))))`;

describe('the England seed’s evidence step', () => {
  it('gives every open school two inspections, and primaries and secondaries three years of outcomes, then bands them all', async () => {
    const [counts] = await app.sql(
      `select (select count(*) from school where status = 'open')::int as open,
         (select count(*) from school s where status = 'open' and (select count(*) from inspection i where i.school_id = s.id) <> 2)::int as not_two_inspections,
         (select count(*) from school s where status = 'open' and phase = 'primary'
            and (select count(*) from outcome_measure m where m.school_id = s.id) <> 15)::int as primaries_without_15_values,
         (select count(*) from school s where status = 'open' and phase = 'secondary'
            and (select count(*) from outcome_measure m where m.school_id = s.id) <> 6)::int as secondaries_without_6_values,
         (select count(*) from school s where not exists (select 1 from performance_band b where b.school_id = s.id))::int as unbanded`,
    );
    expect(counts).toMatchObject({ not_two_inspections: 0, primaries_without_15_values: 0, secondaries_without_6_values: 0, unbanded: 0 });
    const bands = Object.fromEntries(
      (
        await app.sql<{ band: string; n: number }>(
          `select band, count(*)::int as n from performance_band b join school s on s.id = b.school_id where s.status = 'open' group by band`,
        )
      ).map((row) => [row.band, row.n]),
    );
    // England-like: roughly a sixth high-performing, a sixth in need, most neither.
    expect(bands.high_performing / counts.open).toBeGreaterThan(0.08);
    expect(bands.high_performing / counts.open).toBeLessThan(0.3);
    expect(bands.in_need / counts.open).toBeGreaterThan(0.08);
    expect(bands.in_need / counts.open).toBeLessThan(0.3);
    expect(bands.neither).toBeGreaterThan(bands.high_performing);
  });
});

describe('distance search', () => {
  for (const radiusKm of [2, 10, 35]) {
    it(`finds exactly what a haversine scan of every school finds, within ${radiusKm} km`, async () => {
      const sample = await app.sql<{ id: number; urn: number }>(
        `select s.id, s.urn from school s where s.status = 'open' and s.latitude is not null order by hashtext(s.urn::text) limit 25`,
      );
      for (const { id, urn } of sample) {
        const scan = await app.sql<{ id: number }>(
          `select c.id from school o join school c on c.phase = o.phase and c.id <> o.id and c.status in ('open', 'proposed_to_close')
           join performance_band b on b.school_id = c.id and b.band = 'high_performing'
           where o.id = $1 and ${haversine} <= $2 order by c.id`,
          [id, radiusKm],
        );
        const { partnerCandidates } = await app.data(
          `query ($id: ID!, $r: Float!) { partnerCandidates(schoolId: $id, radiusKm: $r, first: 100) { totalCount edges { node { school { id } } } } }`,
          { id: Buffer.from(`School:${id}`).toString('base64url'), r: radiusKm },
        );
        expect(partnerCandidates.totalCount, `URN ${urn}`).toBe(scan.length);
        if (scan.length <= 100) {
          const found = partnerCandidates.edges.map((e: any) =>
            Number(Buffer.from(e.node.school.id, 'base64url').toString().split(':')[1]),
          );
          expect(
            found.sort((a: number, b: number) => a - b),
            `URN ${urn}`,
          ).toEqual(scan.map((row) => row.id));
        }
      }
    });
  }
});

describe('support capacity', () => {
  for (const radiusKm of [1, 10, 35, 100]) {
    it(`counts, per local authority, exactly what a haversine scan of every pair counts, within ${radiusKm} km`, async () => {
      const scan = await app.sql<Record<string, unknown>>(
        `with banded as (
           select s.id, s.phase, s.la_code, s.latitude, s.longitude, b.band from school s join performance_band b on b.school_id = s.id
           where s.status in ('open', 'proposed_to_close') and b.band in ('high_performing', 'in_need')),
         reach as (
           select o.id, (select count(*) from banded c where c.band = 'high_performing' and c.phase = o.phase and c.id <> o.id
             and ${haversine} <= $1)::int as within
           from banded o where o.band = 'in_need' and o.latitude is not null and o.longitude is not null)
         select s.la_code::text as key, count(*) filter (where s.band = 'high_performing')::int as hp, count(*) filter (where s.band = 'in_need')::int as need,
           percentile_cont(0.5) within group (order by r.within) as median, count(*) filter (where r.within = 0)::int as none
         from banded s left join reach r on r.id = s.id group by s.la_code order by 1`,
        [radiusKm],
      );
      const nodes: any[] = [];
      let after: string | null = null;
      do {
        const { supportCapacity }: any = await app.data(
          `query ($r: Float!, $after: String) { supportCapacity(level: LOCAL_AUTHORITY, radiusKm: $r) { areas(first: 100, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node {
            localAuthorityCode highPerformingCount inNeedCount medianHighPerformingWithinRadius inNeedWithoutCandidateCount } } } } }`,
          { r: radiusKm, after },
        );
        expect(supportCapacity.areas.totalCount).toBe(scan.length);
        nodes.push(...supportCapacity.areas.edges.map((e: any) => e.node));
        after = supportCapacity.areas.pageInfo.hasNextPage ? supportCapacity.areas.pageInfo.endCursor : null;
      } while (after);
      const got = nodes
        .map((node: any) => ({
          key: String(node.localAuthorityCode),
          hp: node.highPerformingCount,
          need: node.inNeedCount,
          median: node.medianHighPerformingWithinRadius,
          none: node.inNeedWithoutCandidateCount,
        }))
        .sort((a: any, b: any) => (a.key < b.key ? -1 : 1));
      expect(got).toEqual(scan.map((row) => ({ ...row, median: row.median == null ? null : Number(row.median) })));
    });
  }
});
