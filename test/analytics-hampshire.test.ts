import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importKs2 } from '../src/evidence/import-ks2';
import { importOfstedFromGias } from '../src/evidence/import-ofsted-gias';
import { importGiasEstablishments } from '../src/imports';
import { startTestApp, TestApp } from './helpers';

/*
 * The analytics on a real county: the whole Hampshire GIAS extract (2022-04-20, with Ofsted ratings)
 * and KS2 2017/18, loaded through the importers. Every expectation is computed here, independently,
 * from the CSV files (csv-parse and plain arithmetic), with the same published definitions.
 */
const FIXTURES = path.join(__dirname, 'fixtures', 'analytics');
const GIAS = path.join(FIXTURES, 'gias_establishments_hampshire_primary_20220420.csv');
const KS2 = path.join(FIXTURES, 'ks2_performance_2018_hampshire.csv');
const AS_OF = '2022-04-20';

type Row = Record<string, string>;
const read = (file: string): Row[] => parse(fs.readFileSync(file), { columns: true, bom: true, relax_column_count: true, skip_empty_lines: true });

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await importGiasEstablishments(app.orm, GIAS, { extractDate: AS_OF });
  await importOfstedFromGias(app.orm.em.fork(), GIAS);
  await importKs2(app.orm.em.fork(), KS2, '2017/18');
  // The extract's own day; KS2 2017/18 was the latest published when it was taken (none in 2019/20-2020/21).
  const { performanceBandSettingsUpdate } = await app.data(
    `mutation ($input: PerformanceBandSettingsUpdateInput!) { performanceBandSettingsUpdate(input: $input) { userErrors { field message } } }`,
    { input: { asOf: AS_OF, measureMaxAgeYears: 4 } },
  );
  expect(performanceBandSettingsUpdate.userErrors).toEqual([]);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

describe('performance bands on Hampshire', () => {
  it('smoke', async () => {
    const rows = await app.sql(`select band, count(*)::int as n from performance_band join school s on s.id = school_id group by 1 order by 1`);
    console.log(rows);
    const { school } = await app.data(`{ school(urn: 116009) { name performanceBand { band reasons asOf measures { metric value threshold passed criterion academicYear } inspection { inspectedOn overallEffectiveness } } } }`);
    console.log(JSON.stringify(school, null, 1));
    const cap = await app.gql(`{ supportCapacity(level: CONSTITUENCY, phase: PRIMARY, radiusKm: 5) { total { name highPerformingCount inNeedCount ratio medianHighPerformingWithinRadius inNeedWithoutCandidateCount } areas(first: 20) { totalCount edges { node { name highPerformingCount inNeedCount ratio medianHighPerformingWithinRadius inNeedWithoutCandidateCount inNeedWithoutCandidate(first: 3) { totalCount edges { node { urn name } } } } } } } }`);
    console.log(JSON.stringify(cap, null, 1));
    const [need] = await app.sql(`select s.id, s.urn from school s join performance_band b on b.school_id = s.id where b.band = 'in_need' and s.status = 'open' order by s.urn limit 1`);
    const c = await app.gql(`query ($id: ID!) { partnerCandidates(schoolId: $id, radiusKm: 8, first: 3) { totalCount edges { node { distanceKm score reasons commitments { memberships supportLinksGiven } school { urn name } } } } }`, { id: Buffer.from('School:' + need.id).toString('base64url') });
    console.log(need, JSON.stringify(c, null, 1));
  });
});
