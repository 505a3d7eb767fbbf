import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importGiasEstablishments, importKs2, importOfsted } from '../src/imports';
import { startTestApp, TestApp } from './helpers';

/**
 * The whole Hampshire primary files (test/fixtures/hampshire: the GIAS extract of 2022-04-20 and the
 * KS2 tables of 2017/18, as published) imported as a data manager would, and the alerts raised checked
 * against a computation written here, straight from the CSVs: which schools are open, each school's
 * Ofsted rating and date, each KS2 value, and the system rules' values.
 *
 * The evidence windows are set so the result does not drift with the calendar: inspection rules
 * count inspections since the same day of 2019 (mid-way through the file's dates, so some graded
 * inspections fall each side), metric rules count 2017/18.
 */

const DIR = path.join(__dirname, 'fixtures', 'hampshire');
const GIAS = path.join(DIR, 'gias_establishments_hampshire_primary_20220420.csv');
const KS2 = path.join(DIR, 'ks2_performance_2018_hampshire.csv');

type Row = Record<string, string>;
const read = (file: string): Row[] => parse(fs.readFileSync(file), { columns: true, bom: true, relax_column_count: true });

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('the full Hampshire files', () => {
  it('raise exactly the alerts the CSVs call for, and none for a closed school', async () => {
    const thisYear = new Date().getUTCFullYear();
    const inspectionYears = thisYear - 2019;
    await app.sql(
      `update trigger_rule set parameters = parameters || jsonb_build_object('maxEvidenceAgeYears',
         case when kind like 'metric%' then $1::int else $2::int end)
       where group_id is null and parameters ? 'maxEvidenceAgeYears'`,
      [thisYear - 2017, inspectionYears],
    );
    const [{ cutoff }] = await app.sql<{ cutoff: string }>(`select (current_date - make_interval(years => $1))::text as cutoff`, [
      inspectionYears,
    ]);

    const gias = await importGiasEstablishments(app.orm, GIAS);
    expect(gias).toMatchObject({ rows: 520, created: 520, skipped: 0 });
    const ofsted = await importOfsted(app.orm, GIAS);
    expect(ofsted).toMatchObject({ rows: 520, created: 427, skipped: 93, skippedByCode: { not_inspected: 93 } });
    const ks2 = await importKs2(app.orm, KS2);
    expect(ks2).toMatchObject({
      rows: 334,
      created: 309,
      skipped: 25,
      skippedByCode: { not_applicable: 3, unknown_urn: 16, no_results: 6 },
    });
    // 3,581 results and the 309 schools' prior attainment (TKS1AVERAGE; SUPP and short rows are not read).
    expect(ks2.related?.measures).toMatchObject({ created: 3890 });

    // The computation, from the CSVs and the rules' values.
    const rules = await app.sql<{ key: string; kind: string; p: Record<string, any> }>(
      `select system_key as key, kind, parameters as p from trigger_rule where group_id is null and enabled`,
    );
    const establishments = read(GIAS);
    const running = (school: Row) => ['Open', 'Open, but proposed to close'].includes(school['EstablishmentStatus (name)']);
    const grades: Record<string, [number, boolean]> = {
      Outstanding: [1, false],
      Good: [2, false],
      'Requires improvement': [3, false],
      Inadequate: [4, false],
      'Serious Weaknesses': [4, true],
      'Special Measures': [4, true],
    };
    const isoDate = (giasDate: string) => giasDate.split('-').reverse().join('-');
    const ks2ByUrn = new Map(
      read(KS2)
        .filter((row) => ['1', '2'].includes(row.RECTYPE))
        .map((row) => [row.URN, row]),
    );
    const column: Record<string, string> = {
      ks2_rwm_expected_pct: 'PTRWM_EXP',
      ks2_reading_progress: 'READPROG',
      ks2_writing_progress: 'WRITPROG',
      ks2_maths_progress: 'MATPROG',
    };
    const expected = (schools: Row[]) => {
      const due: string[] = [];
      for (const school of schools) {
        const rating = grades[school['OfstedRating (name)']];
        const recent = rating && isoDate(school.OfstedLastInsp) > cutoff;
        const results = ks2ByUrn.get(school.URN);
        for (const rule of rules) {
          if (rule.kind === 'inspection_grade_at_or_below' && recent) {
            const [grade, concern] = rating;
            if (grade >= rule.p.grade || (rule.p.includeCategoriesOfConcern && concern)) due.push(`${school.URN} ${rule.key}`);
          }
          if (rule.kind === 'metric_below' && results && column[rule.p.metric]) {
            // Percentages are written "58%"; SUPP, NE, LOWCOV and the like are no value.
            const value = results[column[rule.p.metric]]?.replace(/%$/, '');
            if (/^-?\d+(\.\d+)?$/.test(value) && Number(value) < rule.p.threshold) due.push(`${school.URN} ${rule.key}`);
          }
        }
      }
      return due.sort();
    };

    const raised = await app.sql<{ due: string }>(
      `select s.urn || ' ' || r.system_key as due from alert a join school s on s.id = a.school_id join trigger_rule r on r.id = a.rule_id`,
    );
    const due = expected(establishments.filter(running));
    expect(raised.map((row) => row.due).sort()).toEqual(due);
    // Both kinds fire, on both sides of the window, and closed schools had alerts to give: the check is not empty.
    expect(due.filter((alert) => alert.includes('inspection')).length).toBeGreaterThan(3);
    expect(due.filter((alert) => alert.includes('ks2')).length).toBeGreaterThan(50);
    const closedWouldHave = expected(establishments.filter((school) => !running(school)));
    expect(closedWouldHave.length).toBeGreaterThan(0);
    const olderGraded = establishments.filter(
      (school) => running(school) && grades[school['OfstedRating (name)']]?.[0] >= 3 && isoDate(school.OfstedLastInsp) <= cutoff,
    );
    expect(olderGraded.length).toBeGreaterThan(0);

    const [{ closed }] = await app.sql<{ closed: number }>(
      `select count(*)::int as closed from alert a join school s on s.id = a.school_id where s.status not in ('open', 'proposed_to_close')`,
    );
    expect(closed).toBe(0);
  });
});
