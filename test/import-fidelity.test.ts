import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config';
import {
  decideEncoding,
  ImportFileError,
  ImportReport,
  importGiasEstablishments,
  importGiasLinks,
  importKs2,
  importMeasures,
  importOfsted,
  importSchoolCensus,
} from '../src/imports';
import { importCommand } from '../src/imports/command';
import { startTestApp, TestApp } from './helpers';

/**
 * Data fidelity: every bad row is reported at its own line with its own code, nothing is garbled or
 * made up, a file of the wrong kind is refused. Each case is built from real rows of the DfE files in
 * test/fixtures (slices of ../shared/data), edited only where the case needs it.
 */

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);
const GIAS = fixture('gias_establishments_hampshire_primary_20220420_slice.csv');
const CENSUS = fixture('school_census_2022_23_england_slice.csv');
const LINKS = fixture('gias_links_20250422_slice.csv');
const KS2 = fixture('evidence/ks2_performance_2018_hampshire_slice.csv');
const KS2_SKIPS = fixture('ks2_performance_2018_hampshire_skips_slice.csv');

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const giasLines = () => fs.readFileSync(GIAS, 'utf8').split('\n');
const lineOf = (lines: string[], urn: number) => lines.findIndex((line) => line.startsWith(`"${urn}",`) || line.startsWith(`${urn},`));
const codes = (report: ImportReport) => report.problems.map((problem) => [problem.line, problem.code]);
const stream = (content: string | Buffer, name = 'edited.csv') =>
  Object.assign(Readable.from([typeof content === 'string' ? Buffer.from(content) : content]), { path: name });

/** The GIAS slice's header and the rows of these URNs, each passed through `edit`. */
function giasRows(urns: number[], edit: (line: string, urn: number) => string = (line) => line): string[] {
  const lines = giasLines();
  return [lines[0], ...urns.map((urn) => edit(lines[lineOf(lines, urn)], urn))];
}

/** Sets one field of a GIAS row (every field quoted): 4 EstablishmentName, 9 OpenDate, 39 OfstedLastInsp, 98 OfstedRating (name). */
function setField(line: string, index: number, value: string): string {
  const fields = line.split('","');
  fields[index] = index === 0 ? `"${value}` : value;
  return fields.join('","');
}
const rename = (line: string, name: string) => setField(line, 4, name);

async function namesOf(urns: number[]): Promise<Record<number, string>> {
  const rows = await app.sql<{ urn: number; name: string }>(`select urn, name from school where urn = any($1)`, [urns]);
  return Object.fromEntries(rows.map((row) => [row.urn, row.name]));
}

describe('encoding, decided per file', () => {
  // Real names of the kind the files hold: apostrophes, accents, Welsh letters.
  const NAMES: Record<number, string> = {
    115850: "St Anne's Catholic Primary School",
    115851: 'St Thomas à Becket Catholic Primary School',
    115853: 'Ysgol Gyfun Gŵyr',
    115854: 'Ysgol Tŷ Gwyn',
  };
  const urns = Object.keys(NAMES).map(Number);
  const named = giasRows(urns, (line, urn) => rename(line, NAMES[urn]));

  it('reads an all-UTF-8 file with a byte-order mark as UTF-8, every name exact', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(named.join('\n'), 'utf8')]);
    const report = await importGiasEstablishments(app.orm, stream(bytes), { extractDate: '2022-04-20' });
    expect(report).toMatchObject({ encoding: 'utf-8', rows: 4, created: 4, skipped: 0 });
    expect(await namesOf(urns)).toEqual(NAMES);
  });

  it('reads an all-UTF-8 file without a byte-order mark as UTF-8', () => {
    const decided = decideEncoding(Buffer.from(named.join('\n'), 'utf8'));
    expect(decided.encoding).toBe('utf-8');
    expect(decided.text).toContain('Ysgol Tŷ Gwyn');
    expect(decided.badLines.size).toBe(0);
  });

  it('reads a Windows-1252 file (GIAS links, as published) as Windows-1252', async () => {
    const decided = decideEncoding(fs.readFileSync(LINKS));
    expect(decided.encoding).toBe('windows-1252');
    expect(decided.text).toContain('St Thomas à Becket Catholic Secondary School');
    expect(decided.badLines.size).toBe(0);
  });

  it('reads a Windows-1252 file of names (à, apostrophes) exactly', async () => {
    const cp1252 = giasRows([115855, 115856], (line, urn) =>
      rename(line, urn === 115855 ? 'St Thomas à Becket CE Primary' : "Bishop's Waltham Infant School"),
    ).join('\n');
    const bytes = Buffer.from(cp1252, 'latin1'); // these characters are the same bytes in Windows-1252
    const report = await importGiasEstablishments(app.orm, stream(bytes), { extractDate: '2022-04-20' });
    expect(report).toMatchObject({ encoding: 'windows-1252', created: 2, skipped: 0 });
    expect(await namesOf([115855, 115856])).toEqual({
      115855: 'St Thomas à Becket CE Primary',
      115856: "Bishop's Waltham Infant School",
    });
  });

  it('reports each UTF-8 line of a mixed file at its line, and stores no garbled name', async () => {
    // Line 2 saved by a Windows program (0xE0 for "à", 0x92 for a curly apostrophe), line 3 in UTF-8.
    const [header, windows, utf8, plain] = giasRows([115857, 115859, 115860]);
    const [before, after] = rename(windows, 'St Thomas \u00e0 Becket Primary@s').split('@');
    const bytes = Buffer.concat([
      Buffer.from(`${header}\n`, 'utf8'),
      Buffer.from(before, 'latin1'),
      Buffer.from([0x92]),
      Buffer.from(`${after}\n`, 'latin1'),
      Buffer.from(`${rename(utf8, 'Ysgol Gyfun Gŵyr')}\n`, 'utf8'),
      Buffer.from(`${plain}\n`, 'utf8'),
    ]);
    const report = await importGiasEstablishments(app.orm, stream(bytes), { extractDate: '2022-04-20' });
    expect(report.encoding).toBe('windows-1252');
    expect(codes(report)).toEqual([[3, 'mixed_encoding']]);
    expect(report.problems[0].reason).toMatch(/UTF-8 \("ŵ"\) but the file is Windows-1252/);
    expect(report).toMatchObject({ rows: 3, created: 2, skipped: 1 });
    const names = await namesOf([115857, 115859, 115860]);
    expect(names[115857]).toBe('St Thomas à Becket Primary\u2019s');
    expect(names[115859]).toBeUndefined();
    expect(names[115860]).toBe('South View Junior School');
    expect(await app.sql(`select name from school where name ~ '[ÃÅ]|â€'`)).toEqual([]);
  });
});

describe('record structure, checked against the header', () => {
  it('reports a row cut inside a quoted field at its own line, and reads the next row', async () => {
    const rows = giasRows([115861, 115862, 115863]);
    // Cut inside the quoted address: the rest of the record is gone, the quote never closes.
    rows[1] = rows[1].split('","').slice(0, 5).join('","'); // ends inside the quoted EstablishmentName
    const report = await importGiasEstablishments(app.orm, stream(rows.join('\n')), { extractDate: '2022-04-20' });
    expect(codes(report)).toEqual([[2, 'malformed_csv']]);
    expect(report.problems[0].reason).toMatch(/cut inside a quoted field/);
    expect(report).toMatchObject({ rows: 3, created: 2, skipped: 1 });
    expect(Object.keys(await namesOf([115861, 115862, 115863]))).toEqual(['115862', '115863']);
  });

  it('reports a row cut inside a quoted field on the last line', async () => {
    const rows = giasRows([115864, 115865]);
    rows[2] = rows[2].split('","').slice(0, 5).join('","');
    const report = await importGiasEstablishments(app.orm, stream(rows.join('\n')), { extractDate: '2022-04-20' });
    expect(codes(report)).toEqual([[3, 'malformed_csv']]);
    expect(report).toMatchObject({ rows: 2, created: 1, skipped: 1 });
  });

  it('reads a quoted field that holds a line break as one record, at the line it starts on', async () => {
    const file = [
      'urn,metric,academic_year,value,source',
      '115850,attendance_pct,2021/22,95.5,"dfe',
      'absence"',
      '115851,attendance_pct,2021/22,x,dfe',
    ];
    const report = await importMeasures(app.orm, stream(file.join('\n')));
    expect(report).toMatchObject({ rows: 2, created: 1, skipped: 1 });
    expect(codes(report)).toEqual([[4, 'no_results']]);
  });

  it('reports rows with fewer or more fields than the header at their own lines, and reads the rest', async () => {
    const lines = fs.readFileSync(CENSUS, 'utf8').split('\n');
    const at = lineOf(lines, 115850);
    const short = lines[at].split(',').slice(0, 10).join(',');
    const long = `${lines[at + 1].trimEnd()},extra`;
    const file = [lines[0], short, long, lines[at + 2]].join('\n');
    const report = await importSchoolCensus(app.orm, stream(file));
    expect(codes(report)).toEqual([
      [2, 'malformed_csv'],
      [3, 'malformed_csv'],
    ]);
    expect(report.problems[0].reason).toMatch(/has 10 fields, the header 23/);
    expect(report.problems[1].reason).toMatch(/has 24 fields, the header 23/);
    expect(report.rows).toBe(3);
  });

  it('reports a stray quote inside an unquoted field at its line, and reads the next row', async () => {
    const file = ['urn,metric,academic_year,value,source', '115850,attendance_pct,2021/22,9"5,dfe', '115851,attendance_pct,2021/22,94,dfe'];
    const report = await importMeasures(app.orm, stream(file.join('\n')));
    expect(codes(report)).toEqual([[2, 'malformed_csv']]);
    expect(report).toMatchObject({ rows: 2, skipped: 1 });
  });
});

describe('files of the wrong kind, or unreadable', () => {
  const text = (content: string) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kind-')), 'file.csv');
    fs.writeFileSync(file, content);
    return file;
  };

  it.each([
    [
      'gias',
      (file: string) => importGiasEstablishments(app.orm, file),
      /not a GIAS establishment extract: the header has no column "URN", "EstablishmentName"/,
    ],
    ['links', (file: string) => importGiasLinks(app.orm, file), /not a GIAS links file: the header has no column "URN", "LinkURN"/],
    [
      'census',
      (file: string) => importSchoolCensus(app.orm, file),
      /not a school census file .*: the header has no column "URN", "NOR", "PNUMFSMEVER"/,
    ],
    [
      'ks2',
      (file: string) => importKs2(app.orm, file, { academicYear: '2017/18' }),
      /not a KS2 performance tables file: the header has no column "RECTYPE"/,
    ],
    [
      'ofsted',
      (file: string) => importOfsted(app.orm, file),
      /not a GIAS establishment extract with Ofsted ratings: the header has no column "URN"/,
    ],
    ['measures', (file: string) => importMeasures(app.orm, file), /not a measures data drop .*: the header has no column "urn"/],
  ])('refuses a text file as %s, naming the missing columns', async (_kind, run, message) => {
    const file = text('Minutes of the governors meeting\nApologies: none\nItem 1, the budget\n');
    await expect(run(file)).rejects.toThrow(ImportFileError);
    await expect(run(file)).rejects.toThrow(message);
  });

  it('refuses a real file of another kind (the census given as GIAS), naming what is missing', async () => {
    await expect(importGiasEstablishments(app.orm, CENSUS)).rejects.toThrow(/the header has no column "EstablishmentName"/);
  });

  it('refuses an empty file and a missing one', async () => {
    await expect(importSchoolCensus(app.orm, text(''))).rejects.toThrow(/the file is empty/);
    await expect(importSchoolCensus(app.orm, '/nonexistent/census.csv')).rejects.toThrow(/cannot read .*: no such file/);
  });
});

describe('values', () => {
  it('reads GIAS placeholder dates (01-01-1900 and the like) as no date, never as a real one', async () => {
    const placeholders = ['01-01-1900', '00-00-0000', '31-12-9999', '01/01/1800'];
    const urns = [115866, 115868, 115869, 115894];
    const rows = giasRows(urns, (line, urn) => setField(line, 9, placeholders[urns.indexOf(urn)]));
    const report = await importGiasEstablishments(app.orm, stream(rows.join('\n')), { extractDate: '2022-04-20' });
    expect(report).toMatchObject({ created: 4, skipped: 0 });
    const opened = await app.sql(`select opened_on from school where urn = any($1)`, [urns]);
    expect(opened).toEqual(urns.map(() => ({ opened_on: null })));
  });

  it('refuses an Ofsted rating whose date is a placeholder, naming the column', async () => {
    const rows = giasRows([115866], (line) => setField(line, 39, '01-01-1900'));
    const report = await importOfsted(app.orm, stream(rows.join('\n')));
    expect(report.problems).toMatchObject([{ line: 2, code: 'invalid_value', field: 'OfstedLastInsp' }]);
  });

  it.each(['SUPP', 'NE', 'NA', 'LOWCOV', 'x', '..', ''])('reads census %j as missing: the value held stays, never 0', async (marker) => {
    await app.sql(`update school set pupils_on_roll = 321, percent_fsm = 12.5 where urn = 115850`);
    const lines = fs.readFileSync(CENSUS, 'utf8').split('\n');
    const fields = lines[lineOf(lines, 115850)].split(',');
    fields[4] = marker; // NOR
    fields[22] = marker; // PNUMFSMEVER
    const report = await importSchoolCensus(app.orm, stream([lines[0], fields.join(',')].join('\n')));
    expect(report).toMatchObject({ rows: 1, unchanged: 1, skipped: 0 });
    const [school] = await app.sql(`select pupils_on_roll, percent_fsm::float8 as fsm from school where urn = 115850`);
    expect(school).toEqual({ pupils_on_roll: 321, fsm: 12.5 });
  });

  it.each(['SUPP', 'NE', 'NA', 'LOWCOV', 'NP', 'x', '..', ''])('reads a KS2 %j as missing, never 0', async (marker) => {
    const lines = fs.readFileSync(KS2, 'utf8').split('\r\n');
    const header = lines[0].replace(/^\uFEFF/, '').split(',');
    const row = lines.find((line) => line.includes(',115851,'))!.split(',');
    row[header.indexOf('PTRWM_EXP')] = marker;
    row[header.indexOf('TKS1AVERAGE')] = marker; // prior attainment: missing too, not 0
    const report = await importKs2(app.orm, stream([lines[0], row.join(',')].join('\r\n')), { academicYear: '2010/11' });
    expect(report.skipped).toBe(0);
    const values = await app.sql(
      `select m.metric from outcome_measure m join school s on s.id = m.school_id where s.urn = 115851 and m.academic_year = '2010/11'`,
    );
    expect(values.map((value) => value.metric)).not.toContain('ks2_rwm_expected_pct');
    expect(values.map((value) => value.metric)).not.toContain('ks2_prior_attainment_ks1_aps');
    expect(values.length).toBeGreaterThan(5);
  });

  it('reads TKS1AVERAGE as prior attainment, but a row with only prior attainment published is still "no results"', async () => {
    const lines = fs.readFileSync(KS2, 'utf8').split('\r\n');
    const header = lines[0].replace(/^\uFEFF/, '').split(',');
    const row = lines.find((line) => line.includes(',115851,'))!.split(',');
    const results = [
      'PTRWM_EXP',
      'PTRWM_HIGH',
      'PTREAD_EXP',
      'PTWRITTA_EXP',
      'PTMAT_EXP',
      'PTGPS_EXP',
      'READPROG',
      'WRITPROG',
      'MATPROG',
      'READ_AVERAGE',
      'MAT_AVERAGE',
      'PTRWM_EXP_FSM6CLA1A',
    ];
    const withPrior = [...row];
    withPrior[header.indexOf('TKS1AVERAGE')] = '16.3';
    const read = await importKs2(app.orm, stream([lines[0], withPrior.join(',')].join('\r\n')), { academicYear: '2011/12' });
    expect(read.skipped).toBe(0);
    const [prior] = await app.sql<{ value: string }>(
      `select m.value::text from outcome_measure m join school s on s.id = m.school_id
       where s.urn = 115851 and m.academic_year = '2011/12' and m.metric = 'ks2_prior_attainment_ks1_aps'`,
    );
    expect(prior.value).toBe('16.3');
    for (const column of results) withPrior[header.indexOf(column)] = 'SUPP';
    const only = await importKs2(app.orm, stream([lines[0], withPrior.join(',')].join('\r\n')), { academicYear: '2012/13' });
    expect(only.problems).toMatchObject([{ code: 'no_results' }]);
    expect(await app.sql(`select 1 from outcome_measure where academic_year = '2012/13'`)).toEqual([]);
  });
});

describe('skip codes, in the order a person checks a row', () => {
  beforeAll(() => importGiasEstablishments(app.orm, GIAS));

  it('KS2: unknown URN before no results, then no results for the schools held', async () => {
    // Real rows: two special schools with no results published are not in the primary extract; three
    // primary schools held have none published either; one special school with results is not held.
    const report = await importKs2(app.orm, KS2_SKIPS);
    expect(codes(report)).toEqual([
      [2, 'no_results'],
      [3, 'no_results'],
      [4, 'no_results'],
      [5, 'unknown_urn'],
      [6, 'unknown_urn'],
      [7, 'unknown_urn'],
    ]);
    expect(report.skippedByCode).toEqual({ unknown_urn: 3, no_results: 3 });
  });

  it('census: a national total, a bad URN, an unknown URN, a repeat, then bad values', async () => {
    const lines = fs.readFileSync(CENSUS, 'utf8').split('\n');
    const row = lines[lineOf(lines, 115851)];
    const file = [
      lines[0],
      lines.find((line) => line.startsWith('NAT'))!,
      row.replace(/^115851/, 'U115851'),
      row.replace(/^115851/, '999991').replace(/,\d+,/, ',many,'),
      row,
      row.replace(/,(\d+),/, ',many,'),
      lines[lineOf(lines, 115853)].replace(/,(\d+\.\d+%)\r?$/, ',140%'),
    ];
    const report = await importSchoolCensus(app.orm, stream(file.join('\n')));
    expect(codes(report)).toEqual([
      [2, 'not_applicable'],
      [3, 'invalid_value'],
      [4, 'unknown_urn'],
      [6, 'duplicate'],
      [7, 'invalid_value'],
    ]);
    expect(report.problems[1]).toMatchObject({ field: 'URN' });
    expect(report.problems[4]).toMatchObject({ field: 'PNUMFSMEVER' });
    expect(Object.keys(report.skippedByCode)).toEqual(['not_applicable', 'invalid_value', 'unknown_urn', 'duplicate']);
  });

  it('links: not a succession link, unknown URN, the other half of a pair, then a bad date', async () => {
    const file = [
      '"URN","LinkURN","LinkName","LinkType","LinkEstablishedDate"',
      '115850,999992,"Sixth form","Sixth Form Centre Link",""',
      '115850,999993,"Elsewhere","Successor",""',
      '116018,148215,"Weyford Nursery and Primary Academy","Successor","30-13-2020"',
      '148215,116018,"Bordon Infant School","Predecessor","31-10-2020"',
      '116287,131419,"X","Successor","31-02-2020"',
    ];
    const report = await importGiasLinks(app.orm, stream(file.join('\n')));
    expect(report.problems.map((problem) => [problem.line, problem.code, problem.field])).toEqual([
      [2, 'not_applicable', 'LinkType'],
      [3, 'unknown_urn', 'LinkURN'],
      [4, 'invalid_value', 'LinkEstablishedDate'],
      [5, 'duplicate', undefined],
      [6, 'invalid_value', 'LinkEstablishedDate'],
    ]);
  });

  it('Ofsted: unknown URN, repeat, a bad rating, not inspected', async () => {
    const rows = giasRows([115850, 115851, 115851, 115853, 147066], (line, urn) =>
      urn === 115853 ? setField(line, 98, 'Excellent') : line,
    );
    rows[1] = rows[1].replace('"115850"', '"999994"');
    const report = await importOfsted(app.orm, stream(rows.join('\n')));
    expect(codes(report)).toEqual([
      [2, 'unknown_urn'],
      [4, 'duplicate'],
      [5, 'invalid_value'],
      [6, 'not_inspected'],
    ]);
    expect(report.problems[2]).toMatchObject({
      field: 'OfstedRating (name)',
      reason: expect.stringMatching(/"Excellent" is not a known Ofsted rating/),
    });
  });

  it('measures: bad URN, unknown URN, repeat, bad value, out of range, unknown metric, missing value', async () => {
    const file = [
      'urn,metric,academic_year,value,source',
      'abc,attendance_pct,2021/22,95,dfe',
      '999995,attendance_pct,2021/22,95,dfe',
      '115850,attendance_pct,2020/21,95,dfe',
      '115850,attendance_pct,2020/21,96,dfe',
      '115851,attendance_pct,2020/21,ninety,dfe',
      '115853,attendance_pct,2020/21,101,dfe',
      '115854,wellbeing_index,2020/21,50,dfe',
      '115855,attendance_pct,2020/21,SUPP,dfe',
      '115856,attendance_pct,20/21,90,dfe',
    ];
    const report = await importMeasures(app.orm, stream(file.join('\n')));
    expect(report.problems.map((problem) => [problem.line, problem.code, problem.field])).toEqual([
      [2, 'invalid_value', 'urn'],
      [3, 'unknown_urn', 'urn'],
      [5, 'duplicate', undefined],
      [6, 'invalid_value', 'value'],
      [7, 'invalid_value', 'value'],
      [8, 'invalid_value', 'metric'],
      [9, 'no_results', 'value'],
      [10, 'invalid_value', 'academic_year'],
    ]);
    expect(report).toMatchObject({ rows: 9, created: 1, skipped: 8 });
  });
});

describe('re-running an import', () => {
  it('counts the groups of a GIAS extract as unchanged, not as nothing', async () => {
    await importGiasEstablishments(app.orm, GIAS);
    const again = await importGiasEstablishments(app.orm, GIAS);
    expect(again.related?.groups).toEqual({ created: 0, updated: 0, ended: 0, unchanged: 10 });
    expect(again.related?.memberships).toMatchObject({ created: 0, ended: 0, unchanged: 18 });
  });
});

describe('the import command', () => {
  beforeAll(() => importGiasEstablishments(app.orm, GIAS));

  async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
    try {
      const code = await importCommand({ ...loadConfig(), databaseUrl: app.databaseUrl }, args);
      return { code, out, err };
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  it('prints one report shape and exits 0 for a file that was read, skipped rows and all', async () => {
    const { code, out } = await run('links', LINKS);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(Object.keys(report).sort()).toEqual(
      [
        'importer',
        'source',
        'rows',
        'created',
        'updated',
        'unchanged',
        'skipped',
        'skippedByCode',
        'problems',
        'notes',
        'encoding',
        'dryRun',
        'durationMs',
      ].sort(),
    );
    expect(report.rows).toBe(report.created + report.updated + report.unchanged + report.skipped);
    expect(Object.keys(report.problems[0]).sort()).toEqual(['code', 'field', 'line', 'reason', 'urn']);
  });

  it('exits 1 with one sentence naming the missing columns for a file of another kind', async () => {
    const { code, out, err } = await run('gias', LINKS);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^trellis import: not a GIAS establishment extract: the header has no column "EstablishmentName", .*\.\n$/);
  });

  it('exits 1 for a file that cannot be read, and 2 for a wrong command line', async () => {
    expect((await run('census', '/nonexistent.csv')).code).toBe(1);
    expect(await run('schools', GIAS)).toMatchObject({ code: 2, err: expect.stringMatching(/"schools" is not a kind of import/) });
    expect(await run('gias')).toMatchObject({ code: 2, err: expect.stringMatching(/give the file to import/) });
    expect(await run('gias', GIAS, '--dryrun')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown option --dryrun/) });
  });

  it("checks a file with --dry-run: the real run's counts, and nothing written", async () => {
    const state = () =>
      app.sql(`select (select count(*)::int from outcome_measure) as measures, (select count(*)::int from alert) as alerts,
                      (select count(*)::int from alert_event) as events`);
    const before = await state();
    const { code, out } = await run('ks2', KS2, '--dry-run', '--academic-year=2015/16');
    expect(code).toBe(0);
    const checked = JSON.parse(out);
    expect(checked).toMatchObject({ dryRun: true, importer: 'ks2' });
    expect(checked.created).toBeGreaterThan(0);
    expect(await state()).toEqual(before);

    const imported = JSON.parse((await run('ks2', KS2, '--academic-year=2015/16')).out);
    expect(imported.dryRun).toBe(false);
    const counts = ({ rows, created, updated, unchanged, skipped, skippedByCode, problems, related }: Record<string, unknown>) => ({
      rows,
      created,
      updated,
      unchanged,
      skipped,
      skippedByCode,
      problems,
      related,
    });
    expect(counts(checked)).toEqual(counts(imported));
    expect(await state()).not.toEqual(before);
  });
});

describe('the KS2 academic year', () => {
  it('comes from the last year in the file name, else must be given', async () => {
    const { academicYearFromName } = await import('../src/imports');
    expect(academicYearFromName('ks2_performance_2018_hampshire.csv')).toBe('2017/18');
    expect(academicYearFromName('2017-2018_england_ks2final.csv')).toBe('2017/18');
    expect(academicYearFromName('england_ks2final.csv')).toBeUndefined();
    await expect(importKs2(app.orm, stream('RECTYPE,URN\n', 'england_ks2final.csv'))).rejects.toThrow(
      /give it, e\.g\. --academic-year=2017\/18/,
    );
  });
});
