import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importGiasEstablishments, importGiasLinks, importSchoolCensus, ImportReport } from '../src/imports';
import { startTestApp, TestApp } from './helpers';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);
const GIAS = fixture('gias_establishments_hampshire_primary_20220420_slice.csv');
const CENSUS = fixture('school_census_2022_23_england_slice.csv');
const LINKS = fixture('gias_links_20250422_slice.csv');

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

const problemLines = (report: ImportReport) => report.problems.map((problem) => problem.line);

/** The GIAS slice with one school's line edited, as a newer extract would have it. */
function editedExtract(urn: number, edit: (line: string) => string): Readable {
  const lines = fs.readFileSync(GIAS, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.startsWith(`"${urn}",`));
  lines[index] = edit(lines[index]);
  return Readable.from([Buffer.from(lines.join('\n'))]);
}

describe('GIAS establishment import', () => {
  it('creates every school of the slice, with its trusts, federations and memberships', async () => {
    const report = await importGiasEstablishments(app.orm, GIAS);
    expect(report).toMatchObject({ rows: 40, created: 40, updated: 0, unchanged: 0, skipped: 0, problems: [] });
    expect(report.notes.extractDate).toBe('2022-04-20');
    // 6 trusts named by 8 academies, 4 federations named by 10 maintained schools.
    expect(report.related?.groups).toMatchObject({ created: 10 });
    expect(report.related?.memberships).toMatchObject({ created: 18, ended: 0 });

    const kinds = await app.sql(`select kind, count(*)::int as groups from school_group group by kind order by kind`);
    expect(kinds).toEqual([
      { kind: 'federation', groups: 4 },
      { kind: 'multi_academy_trust', groups: 4 },
      { kind: 'single_academy_trust', groups: 2 },
    ]);
    const [closed] = await app.sql(`select count(*)::int as n from school where status = 'closed'`);
    expect(closed.n).toBe(9);
  });

  it('reads the GIAS fields onto the school', async () => {
    const { school } = await app.data(`{ school(urn: 148215) {
      name phase establishmentType status nation region constituency urbanRural pupilsOnRoll percentFsm openedOn closedOn
      localAuthority { code name } } }`);
    expect(school).toMatchObject({
      name: 'Weyford Nursery and Primary Academy',
      phase: 'PRIMARY',
      establishmentType: 'ACADEMY_CONVERTER',
      status: 'OPEN',
      nation: 'ENGLAND',
      region: 'South East',
      constituency: 'East Hampshire',
      urbanRural: 'URBAN_CITY_AND_TOWN',
      openedOn: '2020-11-01',
      closedOn: null,
      localAuthority: { code: 850, name: 'Hampshire' },
    });
    const { school: closed } = await app.data(`{ school(urn: 116018) { status closedOn } }`);
    expect(closed).toEqual({ status: 'CLOSED', closedOn: '2020-10-31' });
  });

  it('converts Easting/Northing on the British National Grid to WGS84', async () => {
    // Reference values computed independently of proj4, with the Ordnance Survey's own formulas
    // ("A guide to coordinate systems in Great Britain": Annex C inverse transverse Mercator, checked
    // against its worked example, then its OSGB36->WGS84 Helmert parameters), in Python:
    // E 480608 N 135674 -> 51.114698, -0.849794; E 419369 N 119066 -> 50.970688, -1.725524.
    const rows = await app.sql<{ urn: number; latitude: number; longitude: number }>(
      `select urn, latitude, longitude from school where urn in (148215, 115900) order by urn`,
    );
    expect(rows[0].latitude).toBeCloseTo(50.970688, 4);
    expect(Math.abs(rows[0].latitude - 50.970688)).toBeLessThan(0.0005);
    expect(Math.abs(rows[0].longitude - -1.725524)).toBeLessThan(0.0005);
    expect(Math.abs(rows[1].latitude - 51.114698)).toBeLessThan(0.0005);
    expect(Math.abs(rows[1].longitude - -0.849794)).toBeLessThan(0.0005);
    // Two schools in the slice have no grid reference: no made-up location either.
    const { school } = await app.data(`{ school(urn: 128684) { latitude longitude } }`);
    expect(school).toEqual({ latitude: null, longitude: null });
  });

  it('makes federations and trusts queryable as groups with member schools', async () => {
    const { schools } = await app.data(`{ schools(first: 50, filter: { groupKind: [FEDERATION] }) { totalCount edges { node { urn } } } }`);
    expect(schools.totalCount).toBe(10);
    const { school } = await app.data(`{ school(urn: 116275) { memberships { joinedOn leftOn group { name kind } } } }`);
    // A federation's joining date is not in GIAS: the extract's date is the best the data offers.
    expect(school.memberships).toEqual([
      { joinedOn: '2022-04-20', leftOn: null, group: { name: 'Forest Edge Learning Federation', kind: 'FEDERATION' } },
    ]);
    const { school: academy } = await app.data(`{ school(urn: 147519) { memberships { joinedOn group { name kind } } } }`);
    // An academy opens into its trust: its open date is the joining date.
    expect(academy.memberships).toEqual([
      { joinedOn: '2019-10-01', group: { name: 'MOTHER TERESA CATHOLIC ACADEMY TRUST', kind: 'MULTI_ACADEMY_TRUST' } },
    ]);
    const { schools: sats } = await app.data(`{ schools(first: 10, filter: { groupKind: [SINGLE_ACADEMY_TRUST] }) { totalCount } }`);
    expect(sats.totalCount).toBe(2);
  });

  it('re-importing the same extract changes nothing and duplicates nothing', async () => {
    const report = await importGiasEstablishments(app.orm, GIAS);
    expect(report).toMatchObject({ rows: 40, created: 0, updated: 0, unchanged: 40, skipped: 0 });
    expect(report.related?.groups).toMatchObject({ created: 0 });
    expect(report.related?.memberships).toMatchObject({ created: 0, ended: 0, unchanged: 18 });
    const [counts] = await app.sql(
      `select (select count(*)::int from school_group) as groups, (select count(*)::int from membership) as memberships`,
    );
    expect(counts).toEqual({ groups: 10, memberships: 18 });
  });

  it('reports each malformed row with its line and column, and writes nothing of it', async () => {
    const report = await importGiasEstablishments(app.orm, fixture('gias_establishments_malformed.csv'));
    expect(report).toMatchObject({ rows: 9, created: 2, skipped: 7 });
    expect(problemLines(report)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    const reasons = report.problems.map((problem) => problem.reason);
    expect(reasons[0]).toMatch(/^URN: "ABC" is not a URN/);
    expect(reasons[1]).toMatch(/^OpenDate: "31-02-2021" is not a real date/);
    expect(reasons[2]).toMatch(/^PhaseOfEducation \(name\): "Upper primary" is not a known phase/);
    expect(report.problems[3].code).toBe('malformed_csv');
    expect(reasons[4]).toMatch(/^CloseDate: 2014-08-31 is before OpenDate 2015-09-01/);
    expect(reasons[5]).toMatch(/^PercentageFSM: 140 is outside 0\.\.100/);
    expect(reasons[6]).toMatch(/^TypeOfEstablishment \(name\): "Grammar academy" is not a known establishment type/);
    const written = await app.sql(`select urn from school where urn between 115871 and 115879 order by urn`);
    expect(written).toEqual([{ urn: 115871 }, { urn: 115879 }]);
  });
});

describe('school census import', () => {
  it('sets pupils and % FSM by URN, skips unknown URNs, and never reads NA as 0', async () => {
    // An independent school whose census row has PNUMFSMEVER = NA, held with a value of its own.
    await app.sql(`insert into school (urn, name, phase, establishment_type, pupils_on_roll, percent_fsm)
                   values (100001, 'Independent school', 'secondary', 'other', 700, 12.5)`);
    const report = await importSchoolCensus(app.orm, CENSUS);
    expect(report).toMatchObject({ rows: 35, created: 0, updated: 32, unchanged: 0, skipped: 3 });
    expect(report.skippedByCode).toEqual({ unknown_urn: 2, not_applicable: 1 });
    expect(report.problems.find((problem) => problem.code === 'unknown_urn')?.reason).toMatch(/unknown URN/);

    const [independent] = await app.sql(`select pupils_on_roll, percent_fsm::float8 as percent_fsm from school where urn = 100001`);
    expect(independent).toEqual({ pupils_on_roll: 739, percent_fsm: 12.5 });
    const { school } = await app.data(`{ school(urn: 115850) { pupilsOnRoll percentFsm } }`);
    expect(school).toEqual({ pupilsOnRoll: 147, percentFsm: 25.9 });

    const again = await importSchoolCensus(app.orm, CENSUS);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 32, skipped: 3 });
  });

  it('reports bad census values by line and column and leaves those schools alone', async () => {
    const report = await importSchoolCensus(app.orm, fixture('school_census_malformed.csv'));
    expect(report).toMatchObject({ rows: 6, updated: 1, unchanged: 1, skipped: 4 });
    expect(report.problems.map(({ line, code }) => [line, code])).toEqual([
      [3, 'invalid_value'],
      [4, 'invalid_value'],
      [5, 'invalid_value'],
      [7, 'duplicate'],
    ]);
    expect(report.problems[0].reason).toMatch(/^NOR: "many" is not a whole number/);
    expect(report.problems[1].reason).toMatch(/^PNUMFSMEVER: 120\.00 is outside 0\.\.100/);
    expect(report.problems[2].reason).toMatch(/^URN: "-5" is not a URN/);
    const rows = await app.sql(
      `select urn, pupils_on_roll, percent_fsm::float8 as fsm from school where urn in (115850, 115851, 115854) order by urn`,
    );
    expect(rows).toEqual([
      { urn: 115850, pupils_on_roll: 150, fsm: 26 },
      { urn: 115851, pupils_on_roll: 226, fsm: 38.1 },
      { urn: 115854, pupils_on_roll: 246, fsm: 15.9 },
    ]);
  });
});

describe('GIAS links import', () => {
  it('links predecessors to successors, once per pair, and skips unknown URNs', async () => {
    const report = await importGiasLinks(app.orm, LINKS);
    expect(report).toMatchObject({ rows: 12, created: 3, updated: 0, unchanged: 0, skipped: 9 });
    expect(report.skippedByCode).toEqual({ unknown_urn: 5, duplicate: 3, not_applicable: 1 });
    // GIAS writes this file in Windows-1252 ("St Thomas à Becket" on line 2).
    expect(report.encoding).toBe('windows-1252');

    const { school } = await app.data(`{ school(urn: 148215) { predecessors { school { urn } reason linkedOn } } }`);
    expect(school.predecessors).toEqual([{ school: { urn: 116018 }, reason: 'SUCCESSION', linkedOn: '2020-10-31' }]);
    const { school: chain } = await app.data(`{ school(urn: 131419) { predecessors { school { urn } } successors { school { urn } } } }`);
    expect(chain).toEqual({ predecessors: [{ school: { urn: 116287 } }], successors: [{ school: { urn: 138509 } }] });

    const again = await importGiasLinks(app.orm, LINKS);
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 3, skipped: 9 });
  });

  it('reports links with bad values by line and column', async () => {
    const report = await importGiasLinks(app.orm, fixture('gias_links_malformed.csv'));
    expect(report).toMatchObject({ rows: 4, created: 1, skipped: 3 });
    expect(report.problems.map((problem) => [problem.line, problem.reason.split(':')[0]])).toEqual([
      [2, 'LinkURN'],
      [3, 'LinkType'],
      [4, 'LinkEstablishedDate'],
    ]);
  });
});

describe('a newer GIAS extract', () => {
  it('ends the membership of a school that left its federation, keeping the history', async () => {
    const newer = editedExtract(115859, (line) =>
      line.replace('"Supported by a federation","Oakridge Schools Federation"', '"Not under a federation",""'),
    );
    const report = await importGiasEstablishments(app.orm, newer, { extractDate: '2023-01-05' });
    expect(report).toMatchObject({ created: 0, updated: 1, unchanged: 39, skipped: 0 });
    expect(report.related?.memberships).toMatchObject({ created: 0, ended: 1 });
    const { school } = await app.data(`{ school(urn: 115859) {
      current: memberships { id } history: memberships(includeFormer: true) { joinedOn leftOn group { name } } } }`);
    expect(school.current).toEqual([]);
    expect(school.history).toEqual([{ joinedOn: '2022-04-20', leftOn: '2023-01-05', group: { name: 'Oakridge Schools Federation' } }]);
  });

  it('rolls a row back whole when the database refuses part of it', async () => {
    // A federation recorded by hand: GIAS now names another for the same school, and a school can be
    // in only one federation at a time, so the row is refused, its rename included.
    await app.sql(`with g as (insert into school_group (name, kind) values ('Hand-made federation', 'federation') returning id)
                   insert into membership (school_id, group_id, group_kind, joined_on)
                   select s.id, g.id, 'federation', '2021-09-01' from school s, g where s.urn = 115850`);
    const newer = editedExtract(115850, (line) =>
      line
        .replace('"Alton Infant School"', '"Alton Infant School (renamed)"')
        .replace('"Not under a federation",""', '"Supported by a federation","Alton New Federation"'),
    );
    const report = await importGiasEstablishments(app.orm, newer, { extractDate: '2023-01-05' });
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatchObject({ line: 2, urn: 115850, code: 'rejected_by_database' });
    expect(report.problems[0].reason).toMatch(/membership_one_federation_at_a_time/);
    const [school] = await app.sql(`select name from school where urn = 115850`);
    expect(school.name).toBe('Alton Infant School');
    const groups = await app.sql(`select name from school_group where name = 'Alton New Federation'`);
    expect(groups).toEqual([]);
  });
});
