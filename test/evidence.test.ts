import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onDomainEvent, DomainEvent } from '../src/core/domain-events';
import { toGlobalId } from '../src/core/node';
import { METRICS } from '../src/evidence/evidence.enums';
import { importKs2, importMeasures, importOfsted } from '../src/imports';
import { startTestApp, TestApp } from './helpers';

let app: TestApp;
const events: DomainEvent[] = [];
onDomainEvent(async (_em, event) => {
  events.push(event);
});

const FIXTURES = path.join(__dirname, 'fixtures', 'evidence');
const KS2 = path.join(FIXTURES, 'ks2_performance_2018_hampshire_slice.csv');
const GIAS = path.join(FIXTURES, 'gias_establishments_hampshire_primary_slice.csv');

// URNs of the fixture slices (both files), plus 50 made-up schools for the batching check.
const FIXTURE_URNS = [
  115851, 115852, 115853, 115854, 115856, 115900, 116007, 116294, 140690, 147021, 115921, 115930, 115908, 116359, 116018, 116009, 116058,
];
let schoolIds: Record<number, string> = {};

beforeAll(async () => {
  app = await startTestApp();
  await app.sql(
    `insert into school (urn, name, phase, establishment_type, status, la_code, la_name, created_at, updated_at)
     select u, 'School ' || u, 'primary', 'community_school', 'open', 850, 'Hampshire', now(), now()
     from unnest($1::int[]) u
     union all
     select 900000 + n, 'Batch school ' || n, 'primary', 'community_school', 'open', 850, 'Hampshire', now(), now()
     from generate_series(1, 50) n`,
    [FIXTURE_URNS],
  );
  const rows = await app.sql<{ id: number; urn: number }>(`select id, urn from school`);
  schoolIds = Object.fromEntries(rows.map((row) => [row.urn, toGlobalId('School', row.id)]));
});
afterAll(() => app?.close());

const MEASURE_RECORD = `mutation($input: MeasureRecordInput!) {
  measureRecord(input: $input) { measure { id metric academicYear value source school { urn } } userErrors { field message code } }
}`;

const BULK = `mutation($input: MeasuresRecordBulkInput!) {
  measuresRecordBulk(input: $input) { created updated unchanged schoolCount userErrors { field message code } }
}`;

const INSPECTION_RECORD = `mutation($input: InspectionRecordInput!) {
  inspectionRecord(input: $input) {
    inspection { id inspectorate inspectedOn publishedOn overallEffectiveness categoryOfConcern source
                 judgements { area grade evaluation } school { urn } }
    userErrors { field message code }
  }
}`;

const SELF_EVALUATION_RECORD = `mutation($input: SelfEvaluationRecordInput!) {
  selfEvaluationRecord(input: $input) { selfEvaluation { id area grade evaluatedOn summary } userErrors { field message code } }
}`;

const count = async (table: string, where = 'true', params: unknown[] = []) =>
  Number((await app.sql<{ n: string }>(`select count(*) as n from ${table} where ${where}`, params))[0].n);

describe('measureRecord', () => {
  it('records a value, and recording it again updates rather than duplicates', async () => {
    const input = { schoolId: schoolIds[116009], metric: 'ATTENDANCE_PCT', academicYear: '2021/22', value: 95.4, source: 'test' };
    const first = await app.data(MEASURE_RECORD, { input });
    expect(first.measureRecord.userErrors).toEqual([]);
    expect(first.measureRecord.measure).toMatchObject({
      metric: 'ATTENDANCE_PCT',
      academicYear: '2021/22',
      value: 95.4,
      school: { urn: 116009 },
    });
    const again = await app.data(MEASURE_RECORD, { input: { ...input, value: 96.1 } });
    expect(again.measureRecord.measure.value).toBe(96.1);
    expect(again.measureRecord.measure.id).toBe(first.measureRecord.measure.id);
    expect(await count('outcome_measure', `metric = 'attendance_pct'`)).toBe(1);
  });

  it.each([
    ['a bad year format', { academicYear: '2021-22' }, ['input', 'academicYear'], /YYYY\/YY/],
    ['years that do not follow each other', { academicYear: '2021/23' }, ['input', 'academicYear'], /must follow/],
    ['a percentage over 100', { value: 100.5 }, ['input', 'value'], /between 0 and 100/],
    ['a negative percentage', { value: -1 }, ['input', 'value'], /between 0 and 100/],
    ['an unknown school', { schoolId: toGlobalId('School', 999999) }, ['input', 'schoolId'], /no School/],
    ['an ID of another type', { schoolId: toGlobalId('Group', 1) }, ['input', 'schoolId'], /not the ID of a School/],
  ])('refuses %s, naming the field, and writes nothing', async (_case, change, field, message) => {
    const before = await count('outcome_measure');
    const input = {
      schoolId: schoolIds[116058],
      metric: 'PERSISTENT_ABSENCE_PCT',
      academicYear: '2021/22',
      value: 12,
      source: 'test',
      ...change,
    };
    const { measureRecord } = await app.data(MEASURE_RECORD, { input });
    expect(measureRecord.measure).toBeNull();
    expect(measureRecord.userErrors[0].field).toEqual(field);
    expect(measureRecord.userErrors[0].message).toMatch(message);
    expect(await count('outcome_measure')).toBe(before);
  });

  it('refuses an unknown metric (a closed enum in the schema)', async () => {
    const input = { schoolId: schoolIds[116058], metric: 'HAPPINESS', academicYear: '2021/22', value: 12, source: 'test' };
    const result = await app.gql(MEASURE_RECORD, { input });
    expect(result.errors?.[0].message).toMatch(/HAPPINESS/);
  });

  it('publishes measures.recorded inside the transaction', async () => {
    events.length = 0;
    await app.data(MEASURE_RECORD, {
      input: { schoolId: schoolIds[116058], metric: 'KS4_PROGRESS8', academicYear: '2018/19', value: -0.4, source: 'test' },
    });
    expect(events).toEqual([{ type: 'measures.recorded', schoolIds: [expect.any(Number)], metrics: ['ks4_progress8'] }]);
  });
});

describe('measuresRecordBulk', () => {
  const drop = () =>
    Array.from({ length: 50 }, (_, i) => [
      { urn: 900001 + i, metric: 'KS2_RWM_EXPECTED_PCT', academicYear: '2022/23', value: 40 + i },
      { schoolId: schoolIds[900001 + i], metric: 'KS2_MATHS_PROGRESS', academicYear: '2022/23', value: -2 + i / 10 },
    ]).flat();

  it('writes a whole drop with one event, and counts a repeat as unchanged', async () => {
    events.length = 0;
    const { measuresRecordBulk } = await app.data(BULK, { input: { source: 'drop_test', measures: drop() } });
    expect(measuresRecordBulk).toEqual({ created: 100, updated: 0, unchanged: 0, schoolCount: 50, userErrors: [] });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'measures.recorded',
      metrics: expect.arrayContaining(['ks2_rwm_expected_pct', 'ks2_maths_progress']),
    });
    const changed = drop();
    changed[0].value = 99;
    const again = await app.data(BULK, { input: { source: 'drop_test', measures: changed } });
    expect(again.measuresRecordBulk).toEqual({ created: 0, updated: 1, unchanged: 99, schoolCount: 50, userErrors: [] });
  });

  it('refuses the whole drop when one item is bad, reporting each bad item by index, and writes nothing', async () => {
    const before = await app.sql(`select school_id, metric, academic_year, value::text from outcome_measure order by 1, 2, 3`);
    const measures = drop().map((item) => ({ ...item, academicYear: '2023/24' }));
    measures[12] = { ...measures[12], value: 140 };
    measures[13] = { ...measures[13], academicYear: '2023' };
    measures[30] = { urn: 123, metric: 'KS2_RWM_EXPECTED_PCT', academicYear: '2023/24', value: 50 };
    measures[31] = { ...measures[0] };
    const { measuresRecordBulk } = await app.data(BULK, { input: { source: 'drop_test', measures } });
    expect(measuresRecordBulk.created).toBeNull();
    expect(measuresRecordBulk.userErrors.map((e: any) => e.field)).toEqual([
      ['input', 'measures', '12', 'value'],
      ['input', 'measures', '13', 'academicYear'],
      ['input', 'measures', '30', 'urn'],
      ['input', 'measures', '31', 'metric'],
    ]);
    expect(measuresRecordBulk.userErrors[3].message).toMatch(/repeats item 0/);
    expect(await app.sql(`select school_id, metric, academic_year, value::text from outcome_measure order by 1, 2, 3`)).toEqual(before);
  });

  it('refuses an item naming its school twice or not at all', async () => {
    const measures = [
      { urn: 900001, schoolId: schoolIds[900001], metric: 'ATTENDANCE_PCT', academicYear: '2019/20', value: 90 },
      { metric: 'ATTENDANCE_PCT', academicYear: '2019/20', value: 90 },
    ];
    const { measuresRecordBulk } = await app.data(BULK, { input: { source: 'x', measures } });
    expect(measuresRecordBulk.userErrors.map((e: any) => e.field)).toEqual([
      ['input', 'measures', '0', 'schoolId'],
      ['input', 'measures', '1', 'urn'],
    ]);
  });
});

describe('inspectionRecord', () => {
  const ofsted = () => ({
    schoolId: schoolIds[116009],
    inspectorate: 'OFSTED',
    inspectedOn: '2019-03-14',
    publishedOn: '2019-04-02',
    overallEffectiveness: 'REQUIRES_IMPROVEMENT',
    judgements: [
      { area: 'QUALITY_OF_EDUCATION', grade: 3 },
      { area: 'BEHAVIOUR_AND_ATTITUDES', grade: 2 },
    ],
  });

  it('records an Ofsted inspection with judgements; the same date again updates it in place', async () => {
    events.length = 0;
    const first = await app.data(INSPECTION_RECORD, { input: ofsted() });
    expect(first.inspectionRecord.userErrors).toEqual([]);
    expect(first.inspectionRecord.inspection).toMatchObject({
      inspectorate: 'OFSTED',
      inspectedOn: '2019-03-14',
      overallEffectiveness: 'REQUIRES_IMPROVEMENT',
      source: 'trellis',
      judgements: [
        { area: 'BEHAVIOUR_AND_ATTITUDES', grade: 2, evaluation: null },
        { area: 'QUALITY_OF_EDUCATION', grade: 3, evaluation: null },
      ],
    });
    expect(events).toEqual([{ type: 'inspections.recorded', schoolIds: [expect.any(Number)] }]);
    const again = await app.data(INSPECTION_RECORD, {
      input: { ...ofsted(), overallEffectiveness: 'INADEQUATE', categoryOfConcern: 'SERIOUS_WEAKNESSES', judgements: undefined },
    });
    expect(again.inspectionRecord.inspection.id).toBe(first.inspectionRecord.inspection.id);
    expect(again.inspectionRecord.inspection).toMatchObject({
      overallEffectiveness: 'INADEQUATE',
      categoryOfConcern: 'SERIOUS_WEAKNESSES',
    });
    expect(again.inspectionRecord.inspection.judgements).toHaveLength(2);
    expect(await count('inspection', 'school_id = (select id from school where urn = 116009)')).toBe(1);
  });

  it('records an Estyn inspection on its own scale', async () => {
    const { inspectionRecord } = await app.data(INSPECTION_RECORD, {
      input: {
        schoolId: schoolIds[116058],
        inspectorate: 'ESTYN',
        inspectedOn: '2018-11-20',
        categoryOfConcern: 'ESTYN_REVIEW',
        judgements: [
          { area: 'STANDARDS', evaluation: 'ADEQUATE' },
          { area: 'CARE_SUPPORT_AND_GUIDANCE', evaluation: 'EXCELLENT' },
        ],
      },
    });
    expect(inspectionRecord.userErrors).toEqual([]);
    expect(inspectionRecord.inspection.overallEffectiveness).toBeNull();
    expect(inspectionRecord.inspection.judgements).toEqual([
      { area: 'CARE_SUPPORT_AND_GUIDANCE', grade: 1, evaluation: 'EXCELLENT' },
      { area: 'STANDARDS', grade: 3, evaluation: 'ADEQUATE' },
    ]);
  });

  it.each([
    ['a judgement grade outside 1..4', { judgements: [{ area: 'QUALITY_OF_EDUCATION', grade: 5 }] }, ['input', 'judgements', '0', 'grade']],
    ['a category of concern without INADEQUATE', { categoryOfConcern: 'SPECIAL_MEASURES' }, ['input', 'overallEffectiveness']],
    ['an Estyn category on an Ofsted inspection', { categoryOfConcern: 'ESTYN_REVIEW' }, ['input', 'categoryOfConcern']],
    ['a report published before the inspection', { publishedOn: '2019-01-01' }, ['input', 'publishedOn']],
    ['an inspection in the future', { inspectedOn: '2999-01-01', publishedOn: null }, ['input', 'inspectedOn']],
    [
      'an Estyn evaluation on an Ofsted judgement',
      { judgements: [{ area: 'STANDARDS', grade: 2, evaluation: 'GOOD' }] },
      ['input', 'judgements', '0', 'evaluation'],
    ],
    ['an unknown school', { schoolId: toGlobalId('School', 999999) }, ['input', 'schoolId']],
  ])('refuses %s and writes nothing', async (_case, change, field) => {
    const before = await count('inspection');
    const { inspectionRecord } = await app.data(INSPECTION_RECORD, { input: { ...ofsted(), inspectedOn: '2019-03-01', ...change } });
    expect(inspectionRecord.inspection).toBeNull();
    expect(inspectionRecord.userErrors.map((e: any) => e.field)).toContainEqual(field);
    expect(await count('inspection')).toBe(before);
  });
});

describe('selfEvaluationRecord', () => {
  it('records a grade, and the same area and date again replaces it', async () => {
    const input = {
      schoolId: schoolIds[116009],
      area: 'QUALITY_OF_EDUCATION',
      grade: 2,
      evaluatedOn: '2020-09-01',
      summary: 'Curriculum redesigned.',
    };
    const first = await app.data(SELF_EVALUATION_RECORD, { input });
    expect(first.selfEvaluationRecord).toMatchObject({ selfEvaluation: { grade: 2, area: 'QUALITY_OF_EDUCATION' }, userErrors: [] });
    const again = await app.data(SELF_EVALUATION_RECORD, { input: { ...input, grade: 1 } });
    expect(again.selfEvaluationRecord.selfEvaluation).toMatchObject({ id: first.selfEvaluationRecord.selfEvaluation.id, grade: 1 });
    expect(await count('self_evaluation')).toBe(1);
  });

  it.each([0, 5])('refuses grade %i, naming the field', async (grade) => {
    const input = { schoolId: schoolIds[116009], area: 'EARLY_YEARS', grade, evaluatedOn: '2020-09-01' };
    const { selfEvaluationRecord } = await app.data(SELF_EVALUATION_RECORD, { input });
    expect(selfEvaluationRecord.selfEvaluation).toBeNull();
    expect(selfEvaluationRecord.userErrors[0].field).toEqual(['input', 'grade']);
  });

  it('lists self-evaluations on the school, newest first', async () => {
    await app.data(SELF_EVALUATION_RECORD, {
      input: { schoolId: schoolIds[116009], area: 'OVERALL_EFFECTIVENESS', grade: 2, evaluatedOn: '2021-09-01' },
    });
    const { school } = await app.data(
      `{ school(urn: 116009) { selfEvaluations(first: 10) { totalCount edges { node { area evaluatedOn grade } } } } }`,
    );
    expect(school.selfEvaluations.totalCount).toBe(2);
    expect(school.selfEvaluations.edges[0].node).toEqual({ area: 'OVERALL_EFFECTIVENESS', evaluatedOn: '2021-09-01', grade: 2 });
  });
});

describe('importers', () => {
  it('imports the KS2 slice: SUPP is skipped, never read as 0; a re-import changes nothing', async () => {
    const report = await importKs2(app.orm, KS2);
    expect(report.problems.map(({ line, code }) => [line, code])).toEqual([
      [7, 'no_results'],
      [8, 'no_results'],
      [13, 'no_results'],
      [15, 'unknown_urn'],
      [16, 'not_applicable'],
      [17, 'not_applicable'],
      [18, 'not_applicable'],
    ]);
    expect(report.problems[0].reason).toMatch(/no results published/);
    expect(report.problems[4].reason).toMatch(/RECTYPE: 3 \(local authority average\)/);
    expect(report.notes.academicYear).toBe('2017/18');
    // 10 school rows written, with 125 values among them (115 results and 10 prior attainments, TKS1AVERAGE).
    expect(report).toMatchObject({ rows: 17, created: 10, updated: 0, unchanged: 0, skipped: 7 });
    expect(report.related?.measures).toMatchObject({ created: 125, updated: 0, unchanged: 0 });
    // Hyde CE Primary (116294): every result is SUPP in the published tables, so nothing is recorded for it.
    expect(await count('outcome_measure m join school s on s.id = m.school_id', 's.urn = 116294')).toBe(0);
    const hale = await app.sql<{ metric: string; value: string }>(
      `select m.metric, m.value::text from outcome_measure m join school s on s.id = m.school_id where s.urn = 115900 order by 1`,
    );
    expect(hale.find((row) => row.metric === 'ks2_rwm_expected_pct')?.value).toBe('75');
    // Its disadvantaged pupils' result is SUPP: absent, not 0.
    expect(hale.find((row) => row.metric === 'ks2_disadvantaged_rwm_expected_pct')).toBeUndefined();
    expect(hale.find((row) => row.metric === 'ks2_reading_progress')).toBeDefined();
    const again = await importKs2(app.orm, KS2);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 10, skipped: 7 });
    expect(again.related?.measures).toMatchObject({ created: 0, updated: 0, unchanged: 125 });
  });

  it('skips NE, LOWCOV and empty values without reading them as 0, and skips a malformed row whole', async () => {
    const lines = fs.readFileSync(KS2, 'utf8').split('\r\n');
    const header = lines[0].replace(/^\uFEFF/, '').split(',');
    const cell = (line: string, column: string, value: string) => {
      const fields = line.split(',');
      fields[header.indexOf(column)] = value;
      return fields.join(',');
    };
    const anstey = lines.find((line) => line.includes(',115851,')) as string;
    const balksbury = lines.find((line) => line.includes(',115852,')) as string;
    let changed = cell(cell(cell(anstey, 'PTRWM_EXP', 'NE'), 'READPROG', 'LOWCOV'), 'MATPROG', '');
    changed = cell(changed, 'WRITPROG', '7.5');
    const broken = cell(cell(balksbury, 'READPROG', 'abc'), 'WRITPROG', '9.9');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ks2-')), 'ks2.csv');
    fs.writeFileSync(file, [lines[0], changed, broken, ''].join('\r\n'));
    const report = await importKs2(app.orm, file, { academicYear: '2018/19' });
    expect(report.problems).toMatchObject([
      { line: 3, code: 'invalid_value', field: 'READPROG', reason: expect.stringMatching(/READPROG: "abc" is neither a number/) },
    ]);
    const rows = await app.sql<{ urn: number; metric: string; value: string }>(
      `select s.urn, m.metric, m.value::text from outcome_measure m join school s on s.id = m.school_id where m.academic_year = '2018/19'`,
    );
    expect(rows.filter((row) => row.urn === 115852)).toEqual([]);
    const metrics = rows.map((row) => row.metric);
    expect(metrics).not.toContain('ks2_rwm_expected_pct');
    expect(metrics).not.toContain('ks2_reading_progress');
    expect(metrics).not.toContain('ks2_maths_progress');
    expect(rows).toContainEqual({ urn: 115851, metric: 'ks2_writing_progress', value: '7.5' });
  });

  it('imports the Ofsted ratings in the GIAS slice as inspections, with categories of concern', async () => {
    const report = await importOfsted(app.orm, GIAS);
    expect(report.created).toBeGreaterThan(5);
    const rows = await app.sql(
      `select s.urn, i.overall_effectiveness, i.category_of_concern, i.inspected_on::text from inspection i join school s on s.id = i.school_id where i.source = 'gias_establishments' order by s.urn`,
    );
    expect(rows).toContainEqual({
      urn: 115921,
      overall_effectiveness: 4,
      category_of_concern: 'serious_weaknesses',
      inspected_on: '2021-11-12',
    });
    expect(rows).toContainEqual({
      urn: 115930,
      overall_effectiveness: 4,
      category_of_concern: 'special_measures',
      inspected_on: '2016-10-05',
    });
    expect(rows).toContainEqual({ urn: 115854, overall_effectiveness: 1, category_of_concern: null, inspected_on: '2014-03-07' });
    // 116018's row runs past the header (GIAS's unquoted linked establishments) and is still read.
    expect(rows).toContainEqual({ urn: 116018, overall_effectiveness: 3, category_of_concern: null, inspected_on: '2019-01-24' });
    expect(report).toMatchObject({ rows: 16, created: 13, updated: 0, unchanged: 0, skipped: 3 });
    expect(report.problems.map(({ line, code }) => [line, code])).toEqual([
      [7, 'unknown_urn'],
      [16, 'not_inspected'],
      [17, 'not_inspected'],
    ]);
    const again = await importOfsted(app.orm, GIAS);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: report.created + report.updated + report.unchanged });
  });

  it('imports a measures CSV, reporting each bad line and writing the good ones', async () => {
    const file = path.join(FIXTURES, 'measures_drop.csv');
    const report = await importMeasures(app.orm, file);
    expect(report.problems.map(({ line, code, field }) => [line, code, field])).toEqual([
      [3, 'invalid_value', 'value'],
      [4, 'invalid_value', 'metric'],
      [5, 'unknown_urn', 'urn'],
    ]);
    expect(report).toMatchObject({ created: 2, skipped: 3 });
  });

  it('skips a measures CSV line with too many or too few fields, naming its line', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'drop-')), 'drop.csv');
    fs.writeFileSync(
      file,
      ['urn,metric,academic_year,value,source', '115851,attendance_pct,2020/21,95,x,extra', '115851,attendance_pct,2020/21', ''].join('\n'),
    );
    const report = await importMeasures(app.orm, file);
    expect(report.problems.map((problem) => [problem.line, problem.code])).toEqual([
      [2, 'malformed_csv'],
      [3, 'malformed_csv'],
    ]);
    expect(report).toMatchObject({ created: 0, skipped: 2 });
  });
});

describe('School evidence fields', () => {
  it('reads latestInspection, inspections and measures through GraphQL', async () => {
    const { school } = await app.data(`{
      school(urn: 115900) {
        latestInspection { inspectorate overallEffectiveness inspectedOn }
        inspections(first: 5) { totalCount edges { node { inspectedOn } } }
        measures(metric: [KS2_RWM_EXPECTED_PCT, KS2_READING_PROGRESS], years: ["2017/18"]) { metric academicYear value source }
      }
    }`);
    expect(school.latestInspection).toMatchObject({ inspectorate: 'OFSTED' });
    expect(school.inspections.totalCount).toBeGreaterThanOrEqual(1);
    expect(school.measures).toEqual([
      { metric: 'KS2_READING_PROGRESS', academicYear: '2017/18', value: 1.8, source: 'ks2_performance_tables' },
      { metric: 'KS2_RWM_EXPECTED_PCT', academicYear: '2017/18', value: 75, source: 'ks2_performance_tables' },
    ]);
  });

  it('refuses a malformed year in measures(years:)', async () => {
    const result = await app.gql(`{ school(urn: 115900) { measures(years: ["18/19"]) { value } } }`);
    expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'years' });
  });

  it('loads measures, inspections and self-evaluations of 50 schools in a constant number of statements', async () => {
    const query = `query($first: Int) { schools(first: $first, filter: { nameContains: "Batch school" }) { edges { node {
      urn latestInspection { inspectedOn } measures(years: ["2022/23"]) { metric value school { urn } }
      inspections(first: 2) { totalCount } selfEvaluations(first: 2) { totalCount }
    } } } }`;
    let result: any;
    const fifty = await app.countStatements(async () => (result = await app.data(query, { first: 50 })));
    expect(result.schools.edges).toHaveLength(50);
    expect(result.schools.edges[0].node.measures).toHaveLength(2);
    const five = await app.countStatements(() => app.data(query, { first: 5 }));
    expect(fifty).toBe(five);
    expect(fifty).toBeLessThanOrEqual(8);
  });
});

describe('outcome_metric table', () => {
  it('holds exactly the metrics the schema offers, with the same ranges', async () => {
    const rows = await app.sql<{ metric: string; min_value: string; max_value: string }>(
      `select metric, min_value::float8 as min_value, max_value::float8 as max_value from outcome_metric order by metric`,
    );
    expect(rows).toEqual(
      Object.entries(METRICS)
        .map(([metric, spec]) => ({ metric, min_value: spec.min, max_value: spec.max }))
        .sort((a, b) => a.metric.localeCompare(b.metric)),
    );
  });
});
