import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTimeBasedRules } from '../src/alerts/sweep';
import { importGiasEstablishments, importMeasures, importOfsted } from '../src/imports';
import { globalId, LAST_YEAR } from './alert-fixtures';
import { startTestApp, TestApp } from './helpers';

/**
 * Alerts only where they are true: only open (or proposed-to-close) schools are evaluated, by the
 * import, mutation and sweep paths; closing a school resolves its alerts with the reason; evidence
 * older than the rule's window, or not the latest, raises nothing. Built on the real GIAS slice.
 */

const GIAS = path.join(__dirname, 'fixtures', 'gias_establishments_hampshire_primary_20220420_slice.csv');
// Closed in the slice, each with a last inspection graded requires improvement or worse.
const CLOSED_AND_GRADED = { 115864: 'Requires improvement', 116018: 'Requires improvement', 138509: 'Serious Weaknesses' };
const CLOSED_URNS = Object.keys(CLOSED_AND_GRADED).map(Number);

let app: TestApp;
let ids: Record<number, number> = {};

const stream = (content: string) => Object.assign(Readable.from([Buffer.from(content)]), { path: 'edited.csv' });

/** The slice with these schools' rows edited to read as still open, as an older extract would have them. */
function stillOpen(urns: number[]): Readable {
  const lines = fs.readFileSync(GIAS, 'utf8').split('\n');
  const edited = lines.map((line) => {
    if (!urns.some((urn) => line.startsWith(`"${urn}",`))) return line;
    const fields = line.split('","');
    fields[7] = 'Open'; // EstablishmentStatus (name)
    fields[11] = ''; // CloseDate
    return fields.join('","');
  });
  return stream(edited.join('\n'));
}

/** Moves a school's inspections (and only its) to be this many years and days old. */
async function inspectionAged(urn: number, years: number, days = 0): Promise<void> {
  await app.sql(`update inspection set inspected_on = current_date - make_interval(years => $2, days => $3) where school_id = $1`, [
    ids[urn],
    years,
    days,
  ]);
}

const alerts = (where = 'true', params: unknown[] = []) =>
  app.sql<{ urn: number; key: string; status: string; note: string | null; resolved_by: string | null }>(
    `select s.urn, r.system_key as key, a.status, a.note, a.resolved_by from alert a join school s on s.id = a.school_id
     join trigger_rule r on r.id = a.rule_id where ${where} order by s.urn, r.system_key, a.id`,
    params,
  );

/** Sets a system rule's evidence window directly (the GraphQL path is tested below). */
async function setWindow(keys: string[], years: number): Promise<void> {
  await app.sql(
    `update trigger_rule set parameters = parameters || jsonb_build_object('maxEvidenceAgeYears', $2::int) where system_key = any($1)`,
    [keys, years],
  );
}
const INSPECTION_RULES = ['inspection_inadequate', 'inspection_requires_improvement'];

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('closed schools', () => {
  it('raises alerts for open schools on import, and resolves them with the reason when a newer extract closes the school', async () => {
    // The inspections are years old: widen the window so only the school's status decides.
    await setWindow(INSPECTION_RULES, 50);
    await importGiasEstablishments(app.orm, stillOpen(CLOSED_URNS), { extractDate: '2018-01-01' });
    const rows = await app.sql<{ id: number; urn: number }>(`select id, urn from school`);
    ids = Object.fromEntries(rows.map((row) => [row.urn, row.id]));
    await importOfsted(app.orm, stillOpen(CLOSED_URNS));
    // Requires improvement: one alert; serious weaknesses (inadequate): both inspection rules.
    expect((await alerts()).map(({ urn, key, status }) => [urn, key, status])).toEqual([
      [115864, 'inspection_requires_improvement', 'open'],
      [116018, 'inspection_requires_improvement', 'open'],
      [138509, 'inspection_inadequate', 'open'],
      [138509, 'inspection_requires_improvement', 'open'],
    ]);

    const report = await importGiasEstablishments(app.orm, GIAS);
    expect(report.updated).toBeGreaterThanOrEqual(3);
    const after = await alerts();
    expect(after.map(({ status }) => status)).toEqual(['resolved', 'resolved', 'resolved', 'resolved']);
    expect(after[0]).toMatchObject({ note: 'The school closed on 2018-08-31 (GIAS).', resolved_by: 'system' });
    expect(after[1].note).toBe('The school closed on 2020-10-31 (GIAS).');
    // Subscribers hear of it: one resolved event per alert.
    const events = await app.sql(`select count(*)::int as n from alert_event where kind = 'resolved' and actor = 'system'`);
    expect(events).toEqual([{ n: 4 }]);
  });

  it('raises nothing for closed schools when their evidence is imported again', async () => {
    const report = await importOfsted(app.orm, GIAS);
    expect(report.skipped).toBe(report.skippedByCode.not_inspected);
    expect(await alerts(`a.status <> 'resolved'`)).toEqual([]);
  });

  it('raises nothing for a closed school through a mutation, and raises for an open one', async () => {
    const record = (urn: number) =>
      app.data(
        `mutation ($input: InspectionRecordInput!) { inspectionRecord(input: $input) { inspection { id } userErrors { message } } }`,
        {
          input: {
            schoolId: globalId('School', ids[urn]),
            inspectorate: 'OFSTED',
            inspectedOn: new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10),
            overallEffectiveness: 'INADEQUATE',
          },
        },
      );
    expect((await record(115864)).inspectionRecord.userErrors).toEqual([]);
    expect(await alerts(`a.status <> 'resolved'`)).toEqual([]);
    await record(115850);
    // Good in 2019, inadequate now: graded at or below both levels, and worse than the last one.
    expect((await alerts(`a.status <> 'resolved'`)).map(({ urn, key }) => [urn, key])).toEqual([
      [115850, 'inspection_declined'],
      [115850, 'inspection_inadequate'],
      [115850, 'inspection_requires_improvement'],
    ]);
  });

  it('raises nothing for a closed school through a measures import', async () => {
    const drop = [
      'urn,metric,academic_year,value,source',
      `115864,ks2_rwm_expected_pct,${LAST_YEAR},20,dfe`,
      `115851,ks2_rwm_expected_pct,${LAST_YEAR},20,dfe`,
    ];
    const report = await importMeasures(app.orm, stream(drop.join('\n')));
    expect(report).toMatchObject({ created: 2, skipped: 0 });
    expect((await alerts(`r.system_key = 'ks2_rwm_below_floor'`)).map(({ urn }) => urn)).toEqual([115851]);
  });

  it('the sweep evaluates only open schools, and resolves the alerts of a school closed by any other path', async () => {
    await sweepTimeBasedRules(app.orm);
    const isolated = await alerts(`r.system_key = 'working_in_isolation'`);
    // Every open school of the slice without a group is isolated; no closed school is.
    const closed = await app.sql<{ urn: number }>(`select urn from school where status = 'closed'`);
    expect(closed.length).toBe(9);
    expect(isolated.length).toBeGreaterThan(0);
    expect(isolated.filter(({ urn }) => closed.some((school) => school.urn === urn))).toEqual([]);

    await app.sql(`update school set status = 'closed' where urn = 115850`);
    await sweepTimeBasedRules(app.orm);
    const resolved = await alerts(`s.urn = 115850`);
    // Its three inspection alerts and its isolation alert.
    expect(resolved.length).toBe(4);
    expect(resolved.every((alert) => alert.status === 'resolved' && alert.note === 'The school is no longer open.')).toBe(true);
  });
});

describe('evidence age windows', () => {
  const open = () => alerts(`a.status <> 'resolved' and r.system_key = any($1)`, [INSPECTION_RULES]);

  beforeAll(async () => {
    await setWindow(INSPECTION_RULES, 6);
    await app.sql(`update alert set status = 'resolved', resolved_at = now(), resolved_by = 'test' where status <> 'resolved'`);
  });

  it('shows every evidence rule its window in its parameters: 6 years for inspections, 3 for measures', async () => {
    const { triggerRules } = await app.data(
      `{ triggerRules(first: 100, filter: { system: true }) { edges { node { kind parameters { maxEvidenceAgeYears } } } } }`,
    );
    const windows = Object.fromEntries(
      triggerRules.edges
        .map(({ node }: any) => [node.kind, node.parameters.maxEvidenceAgeYears])
        .filter(([, years]: any) => years !== null),
    );
    expect(windows).toEqual({
      METRIC_BELOW: 3,
      METRIC_FALL: 3,
      INSPECTION_GRADE_AT_OR_BELOW: 6,
      INSPECTION_DECLINE: 6,
      SELF_EVALUATION_OPTIMISTIC: 6,
    });
  });

  it('counts an inspection younger than the window, and not one older', async () => {
    // 115855 was inspected Good; make its (only, so latest) inspection requires improvement.
    await app.sql(`update inspection set overall_effectiveness = 3 where school_id = $1`, [ids[115855]]);
    await inspectionAged(115855, 6, 1);
    await reevaluate();
    expect(await open()).toEqual([]);
    await inspectionAged(115855, 5, 360);
    await reevaluate();
    expect((await open()).map(({ urn, key }) => [urn, key])).toEqual([[115855, 'inspection_requires_improvement']]);
  });

  it('counts only the latest inspection: an older inadequate one behind a good one raises nothing', async () => {
    await app.sql(`update alert set status = 'resolved' where status <> 'resolved'`);
    await app.sql(
      `insert into inspection (school_id, inspectorate, inspected_on, overall_effectiveness, source)
       values ($1, 'ofsted', current_date - 400, 4, 'test'), ($1, 'ofsted', current_date - 30, 2, 'test')`,
      [ids[115853]],
    );
    await reevaluate();
    expect((await open()).filter(({ urn }) => urn === 115853)).toEqual([]);
  });

  it('lets a group set its own window, for its schools only', async () => {
    await app.sql(`update alert set status = 'resolved' where status <> 'resolved'`);
    await inspectionAged(115855, 8);
    await app.sql(`update inspection set overall_effectiveness = 3 where school_id = $1`, [ids[115860]]);
    await inspectionAged(115860, 8);
    const [group] = await app.sql<{ id: number }>(
      `insert into school_group (name, kind) values ('Test Valley Cluster', 'cluster') returning id`,
    );
    await app.sql(`insert into membership (school_id, group_id, group_kind, joined_on) values ($1, $2, 'cluster', '2020-09-01')`, [
      ids[115855],
      group.id,
    ]);
    const [base] = await app.sql<{ id: number }>(`select id from trigger_rule where system_key = 'inspection_requires_improvement'`);
    const created = await app.data(
      `mutation ($input: TriggerRuleCreateInput!) { triggerRuleCreate(input: $input) {
         triggerRule { id parameters { grade maxEvidenceAgeYears } } userErrors { field message } } }`,
      {
        input: {
          kind: 'INSPECTION_GRADE_AT_OR_BELOW',
          name: 'Requires improvement in the last 10 years',
          severity: 'PEER_REVIEW',
          groupId: globalId('Group', group.id),
          overridesRuleId: globalId('TriggerRule', base.id),
          parameters: { grade: 3, maxEvidenceAgeYears: 10 },
        },
      },
    );
    expect(created.triggerRuleCreate).toMatchObject({ triggerRule: { parameters: { grade: 3, maxEvidenceAgeYears: 10 } }, userErrors: [] });
    const raisedWithTen = () =>
      app.sql<{ urn: number }>(
        `select s.urn from alert a join school s on s.id = a.school_id where a.status = 'open' and a.evidence->'rule'->'parameters'->>'maxEvidenceAgeYears' = '10'`,
      );
    // A group's PEER_REVIEW rule applies to a member school once its governing body agreed it (agreed triggers).
    expect(await raisedWithTen()).toEqual([]);
    const [body] = await app.sql<{ id: number }>(
      `insert into governing_body (name, kind, school_id, created_at) values ('Governing body of 115855', 'school', $1, now()) returning id`,
      [ids[115855]],
    );
    const agreed = await app.data(
      `mutation ($input: TriggerRuleAgreeInput!) { triggerRuleAgree(input: $input) { userErrors { field message } } }`,
      { input: { ruleId: created.triggerRuleCreate.triggerRule.id, schoolId: globalId('School', ids[115855]), governingBodyId: globalId('GoverningBody', body.id) } },
    );
    expect(agreed.triggerRuleAgree.userErrors).toEqual([]);
    expect(await raisedWithTen()).toEqual([{ urn: 115855 }]);
  });

  it('fills in the default window when a rule is created without one, and refuses a window out of range', async () => {
    const create = (parameters: Record<string, unknown>) =>
      app.data(
        `mutation ($input: TriggerRuleCreateInput!) { triggerRuleCreate(input: $input) {
           triggerRule { parameters { metric threshold maxEvidenceAgeYears } } userErrors { field message } } }`,
        { input: { kind: 'METRIC_BELOW', name: 'Attendance floor', severity: 'WATCH', enabled: false, parameters } },
      );
    const made = await create({ metric: 'attendance_pct', threshold: 85 });
    expect(made.triggerRuleCreate.triggerRule.parameters).toEqual({ metric: 'attendance_pct', threshold: 85, maxEvidenceAgeYears: 3 });
    for (const years of [0, 51]) {
      const refused = await create({ metric: 'attendance_pct', threshold: 85, maxEvidenceAgeYears: years });
      expect(refused.triggerRuleCreate.userErrors).toEqual([
        { field: ['input', 'parameters', 'maxEvidenceAgeYears'], message: 'must be a whole number from 1 to 50.' },
      ]);
    }
  });

  it('counts the latest academic year of a measure only when it ended within the window', async () => {
    const end = Number(LAST_YEAR.slice(0, 4)) + 1;
    const year = (ended: number) => `${ended - 1}/${String(ended % 100).padStart(2, '0')}`;
    const drop = (urn: number, rows: [string, number][]) => rows.map(([y, value]) => `${urn},ks2_rwm_expected_pct,${y},${value},dfe`);
    const file = [
      'urn,metric,academic_year,value,source',
      // Latest year ended 4 years before the last: too old, raises nothing.
      ...drop(115862, [[year(end - 4), 30]]),
      // Latest year the last one: counts.
      ...drop(115863, [
        [year(end - 4), 80],
        [LAST_YEAR, 30],
      ]),
      // Below the floor long ago, above it in the latest year: nothing.
      ...drop(115865, [
        [year(end - 1), 30],
        [LAST_YEAR, 80],
      ]),
    ];
    await importMeasures(app.orm, stream(file.join('\n')));
    const raised = await alerts(`r.system_key = 'ks2_rwm_below_floor' and s.urn in (115862, 115863, 115865)`);
    expect(raised.map(({ urn }) => urn)).toEqual([115863]);
  });
});

/** Evaluates every open school's inspection rules again, as an inspection import would. */
async function reevaluate(): Promise<void> {
  const { onEvent } = await import('../src/alerts/evaluation');
  await app.orm.em.fork().transactional((em) => onEvent(em as never, { type: 'inspections.recorded', schoolIds: Object.values(ids) }));
}
