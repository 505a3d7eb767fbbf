import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTimeBasedRules } from '../src/alerts/sweep';
import { openOrm } from '../src/database/orm';
import { collect, connected, globalId, insertSchools, LAST_YEAR, recordMeasure, wsClient } from './alert-fixtures';
import { startTestApp, TEST_ADMIN_LABEL, TestApp, wsUrlOf } from './helpers';

const ALERTS = `query ($filter: AlertFilter, $first: Int, $after: String) {
  alerts(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id status severity evidence acknowledgedBy resolvedBy note school { urn } rule { name kind } } }
  }
}`;
const ACK = `mutation ($input: AlertStatusInput!) { alertAcknowledge(input: $input) { alert { id status acknowledgedBy note } userErrors { field message code } } }`;
const RESOLVE = `mutation ($input: AlertStatusInput!) { alertResolve(input: $input) { alert { id status resolvedBy } userErrors { field message code } } }`;
const RULE_CREATE = `mutation ($input: TriggerRuleCreateInput!) {
  triggerRuleCreate(input: $input) {
    triggerRule { id name enabled system severity parameters { metric threshold } group { name } overrides { name }
      changes(first: 10) { edges { node { action actor changedAt parametersAfter { threshold } } } } }
    userErrors { field message code }
  }
}`;

async function systemRuleId(app: TestApp, key: string): Promise<string> {
  const [row] = await app.sql<{ id: number }>(`select id from trigger_rule where system_key = $1`, [key]);
  return globalId('TriggerRule', row.id);
}

async function insertGroup(app: TestApp, name: string, kind = 'multi_academy_trust'): Promise<number> {
  const [row] = await app.sql<{ id: number }>(
    `insert into school_group (name, kind, created_at, updated_at) values ($1, $2, now(), now()) returning id`,
    [name, kind],
  );
  return row.id;
}

async function join(app: TestApp, schoolId: number, groupId: number, kind = 'multi_academy_trust', joinedOn = '2020-09-01') {
  const [row] = await app.sql<{ id: number }>(
    `insert into membership (school_id, group_id, group_kind, joined_on) values ($1, $2, $3, $4) returning id`,
    [schoolId, groupId, kind, joinedOn],
  );
  return row.id;
}

async function alertsOf(app: TestApp, schoolId: number) {
  return app.sql<{ id: number; status: string; rule_id: number }>(
    `select id, status, rule_id from alert where school_id = $1 order by id`,
    [schoolId],
  );
}

describe('trigger rules and alerts', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('does not fire twice while the condition holds, and fires again once the alert is resolved', async () => {
    const [schoolId] = await insertSchools(app, 1, 800001);
    await recordMeasure(app.orm, schoolId, 40);
    await recordMeasure(app.orm, schoolId, 38);
    await recordMeasure(app.orm, schoolId, 35, { year: LAST_YEAR });
    const open = await alertsOf(app, schoolId);
    expect(open).toHaveLength(1);

    const resolved = await app.data(RESOLVE, { input: { alertId: globalId('Alert', open[0].id) } });
    expect(resolved.alertResolve).toMatchObject({ alert: { status: 'RESOLVED', resolvedBy: TEST_ADMIN_LABEL }, userErrors: [] });
    await recordMeasure(app.orm, schoolId, 36, { year: LAST_YEAR });
    expect((await alertsOf(app, schoolId)).map((a) => a.status)).toEqual(['resolved', 'open']);
  });

  it('evaluates the same condition from two instances at once into one alert (sweep on several instances)', async () => {
    const [schoolId] = await insertSchools(app, 1, 800101);
    const [body] = await app.sql<{ id: number }>(
      `insert into governing_body (name, kind, school_id, created_at) values ('Board', 'school', $1, now()) returning id`,
      [schoolId],
    );
    const [person] = await app.sql<{ id: number }>(`insert into person (full_name, created_at) values ('A Governor', now()) returning id`);
    await app.sql(
      `insert into governorship (person_id, governing_body_id, role, appointing_body, term_started_on, term_ends_on)
       values ($1, $2, 'governor', 'parent_elected', current_date - 1000, current_date + 10)`,
      [person.id, body.id],
    );
    const second = await openOrm({ clientUrl: app.databaseUrl });
    try {
      const results = await Promise.all([sweepTimeBasedRules(app.orm), sweepTimeBasedRules(second), sweepTimeBasedRules(app.orm)]);
      expect(results.some((r) => r !== null && r > 0)).toBe(true);
      await sweepTimeBasedRules(second);
    } finally {
      await second.close(true);
    }
    const rows = await app.sql<{ kind: string; evidence: any }>(
      `select r.kind, a.evidence from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 order by r.kind`,
      [schoolId],
    );
    // One governor, so also fewer than 7 serving; each rule once however many sweeps ran.
    expect(rows.map((r) => r.kind)).toEqual(['governance_vacancies', 'governor_terms_ending', 'working_in_isolation']);
    expect(rows[1].evidence.governorships[0]).toMatchObject({ personId: person.id, governingBodyId: body.id });
  });

  it('pages the inbox by the commit-ordered cursor, with filters', async () => {
    const schools = await insertSchools(app, 5, 800201);
    for (const id of schools) await recordMeasure(app.orm, id, 50);
    const filter = { minSeverity: 'PEER_REVIEW', status: ['OPEN'] };
    const first = await app.data(ALERTS, { filter, first: 3 });
    const urns = (page: any) => page.alerts.edges.map((e: any) => e.node.school.urn).filter((u: number) => u >= 800201 && u <= 800205);
    const firstUrns = urns(first);
    const second = await app.data(ALERTS, { filter, first: 100, after: first.alerts.pageInfo.endCursor });
    expect([...firstUrns, ...urns(second)]).toEqual(expect.arrayContaining([800201, 800202, 800203, 800204, 800205]));
    expect(second.alerts.pageInfo.hasNextPage).toBe(false);
    const one = await app.data(ALERTS, { filter: { schoolId: globalId('School', schools[2]) }, first: 10 });
    expect(one.alerts.totalCount).toBe(1);
    expect(one.alerts.edges[0].node).toMatchObject({ school: { urn: 800203 }, rule: { kind: 'METRIC_BELOW' } });
    const bad = await app.gql(ALERTS, { first: 10, after: 'not-a-cursor' });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('acknowledges and resolves with who and when, announces both, and refuses bad input', async () => {
    const [schoolId] = await insertSchools(app, 1, 800301);
    const client = wsClient(wsUrlOf(app.url));
    const changes = collect(
      client,
      `subscription ($schoolId: ID) { alertStatusChanged(schoolId: $schoolId) { cursor kind actor alert { id status } } }`,
      { schoolId: globalId('School', schoolId) },
    );
    await connected(client);
    await recordMeasure(app.orm, schoolId, 20);
    const [alert] = await alertsOf(app, schoolId);
    const alertId = globalId('Alert', alert.id);

    const ack = await app.data(ACK, { input: { alertId, note: 'Chair informed' } });
    expect(ack.alertAcknowledge).toMatchObject({
      alert: { status: 'ACKNOWLEDGED', acknowledgedBy: TEST_ADMIN_LABEL, note: 'Chair informed' },
      userErrors: [],
    });
    const again = await app.data(ACK, { input: { alertId } });
    expect(again.alertAcknowledge).toMatchObject({ alert: null, userErrors: [{ field: ['input', 'alertId'], code: 'CONFLICT' }] });
    expect((await app.data(RESOLVE, { input: { alertId } })).alertResolve.alert.status).toBe('RESOLVED');
    const resolvedTwice = await app.data(RESOLVE, { input: { alertId } });
    expect(resolvedTwice.alertResolve.userErrors[0]).toMatchObject({ code: 'CONFLICT' });
    const ackResolved = await app.data(ACK, { input: { alertId } });
    expect(ackResolved.alertAcknowledge.userErrors[0].message).toMatch(/resolved/);

    const notAnAlert = await app.data(ACK, { input: { alertId: globalId('School', schoolId) } });
    expect(notAnAlert.alertAcknowledge.userErrors).toEqual([
      { field: ['input', 'alertId'], message: 'is not the ID of an Alert.', code: 'INVALID' },
    ]);
    const garbage = await app.data(RESOLVE, { input: { alertId: '!!!' } });
    expect(garbage.alertResolve.userErrors[0]).toMatchObject({ field: ['input', 'alertId'], code: 'INVALID' });
    const missing = await app.data(RESOLVE, { input: { alertId: globalId('Alert', 999999) } });
    expect(missing.alertResolve.userErrors[0]).toMatchObject({ field: ['input', 'alertId'], code: 'NOT_FOUND' });
    const longNote = await app.data(ACK, { input: { alertId, note: 'x'.repeat(2001) } });
    expect(longNote.alertAcknowledge.userErrors[0]).toMatchObject({ field: ['input', 'note'], code: 'INVALID' });
    const noInput = await app.gql(ACK, { input: {} });
    expect(noInput.errors?.length).toBeGreaterThan(0);

    await changes.until(2);
    expect(changes.events.map((e) => [e.kind, e.actor])).toEqual([
      ['ACKNOWLEDGED', TEST_ADMIN_LABEL],
      ['RESOLVED', TEST_ADMIN_LABEL],
    ]);
    const events = await app.sql(`select kind from alert_event where alert_id = $1 order by position`, [alert.id]);
    expect(events.map((e) => e.kind)).toEqual(['raised', 'acknowledged', 'resolved']);
    await client.dispose();
  });

  it("applies a group's own value instead of the default for its schools, records who changed it, and evaluates it at once", async () => {
    const [inGroup, outside] = await insertSchools(app, 2, 800401);
    const groupId = await insertGroup(app, 'Solent Learning Trust');
    await join(app, inGroup, groupId);
    // 70 is above the default floor (65): no alert yet for either school.
    await recordMeasure(app.orm, inGroup, 70);
    await recordMeasure(app.orm, outside, 70);
    expect(await alertsOf(app, inGroup)).toHaveLength(0);

    const created = await app.data(RULE_CREATE, {
      input: {
        kind: 'METRIC_BELOW',
        name: 'Trust floor: 75% expected',
        severity: 'WATCH',
        groupId: globalId('Group', groupId),
        overridesRuleId: await systemRuleId(app, 'ks2_rwm_below_floor'),
        parameters: { metric: 'ks2_rwm_expected_pct', threshold: 75 },
      },
    });
    const rule = created.triggerRuleCreate.triggerRule;
    expect(created.triggerRuleCreate.userErrors).toEqual([]);
    expect(rule).toMatchObject({
      system: false,
      enabled: true,
      group: { name: 'Solent Learning Trust' },
      overrides: { name: expect.any(String) },
    });
    expect(rule.changes.edges[0].node).toMatchObject({ action: 'CREATED', actor: TEST_ADMIN_LABEL, parametersAfter: { threshold: 75 } });
    // Evaluated in the same transaction as the rule change: the member school is below 75.
    const memberAlerts = await alertsOf(app, inGroup);
    expect(memberAlerts).toHaveLength(1);
    expect(await alertsOf(app, outside)).toHaveLength(0);

    // 60 is below both 75 and 65: only the group's value applies to its school, so still one alert.
    await recordMeasure(app.orm, inGroup, 60, { year: LAST_YEAR });
    expect(await alertsOf(app, inGroup)).toHaveLength(1);

    const disabled = await app.data(
      `mutation ($id: ID!) { triggerRuleDisable(input: { ruleId: $id }) { triggerRule { enabled changes(first: 10) { totalCount edges { node { action } } } } userErrors { code } } }`,
      {
        id: rule.id,
      },
    );
    expect(disabled.triggerRuleDisable.triggerRule.enabled).toBe(false);
    expect(disabled.triggerRuleDisable.triggerRule.changes.edges.map((e: any) => e.node.action)).toEqual(['CREATED', 'DISABLED']);
    const twice = await app.data(
      `mutation ($id: ID!) { triggerRuleDisable(input: { ruleId: $id }) { triggerRule { id } userErrors { field code } } }`,
      { id: rule.id },
    );
    expect(twice.triggerRuleDisable.userErrors).toEqual([{ field: ['input', 'ruleId'], code: 'CONFLICT' }]);

    const updated = await app.data(
      `mutation ($input: TriggerRuleUpdateInput!) { triggerRuleUpdate(input: $input) { triggerRule { parameters { threshold } updatedBy } userErrors { field } } }`,
      { input: { ruleId: rule.id, parameters: { metric: 'ks2_rwm_expected_pct', threshold: 80 } } },
    );
    expect(updated.triggerRuleUpdate.triggerRule).toMatchObject({ parameters: { threshold: 80 }, updatedBy: TEST_ADMIN_LABEL });
  });

  it('refuses a rule with missing, unused or out-of-range values, naming each field, and writes nothing', async () => {
    const before = await app.sql(`select count(*)::int as n from trigger_rule`);
    const result = await app.data(RULE_CREATE, {
      input: { kind: 'METRIC_BELOW', name: '', severity: 'WATCH', parameters: { metric: 'no_such_metric', months: 3 } },
    });
    const errors = result.triggerRuleCreate.userErrors.map((e: any) => e.field.join('.'));
    expect(result.triggerRuleCreate.triggerRule).toBeNull();
    expect(errors).toEqual(expect.arrayContaining(['input.name']));
    const params = await app.data(RULE_CREATE, {
      input: { kind: 'METRIC_BELOW', name: 'x', severity: 'WATCH', parameters: { metric: 'no_such_metric', months: 3 } },
    });
    expect(params.triggerRuleCreate.userErrors.map((e: any) => e.field.join('.')).sort()).toEqual([
      'input.parameters.metric',
      'input.parameters.months',
      'input.parameters.threshold',
    ]);
    const grade = await app.data(RULE_CREATE, {
      input: { kind: 'INSPECTION_GRADE_AT_OR_BELOW', name: 'x', severity: 'WATCH', parameters: { grade: 5 } },
    });
    expect(grade.triggerRuleCreate.userErrors[0]).toMatchObject({
      field: ['input', 'parameters', 'grade'],
      message: 'must be a whole number from 1 to 4.',
    });
    const override = await app.data(RULE_CREATE, {
      input: {
        kind: 'WORKING_IN_ISOLATION',
        name: 'x',
        severity: 'WATCH',
        overridesRuleId: await systemRuleId(app, 'ks2_rwm_below_floor'),
        parameters: { months: 6 },
      },
    });
    expect(override.triggerRuleCreate.userErrors[0]).toMatchObject({ field: ['input', 'overridesRuleId'] });
    expect(await app.sql(`select count(*)::int as n from trigger_rule`)).toEqual(before);
  });

  it('raises an alert when a membership ends through the API and leaves a school isolated', async () => {
    const [schoolId] = await insertSchools(app, 1, 800501);
    const groupId = await insertGroup(app, 'Test Valley Cluster', 'cluster');
    const membershipId = await join(app, schoolId, groupId, 'cluster', '2019-09-01');
    const ended = await app.data(
      `mutation ($input: MembershipEndInput!) { membershipEnd(input: $input) { userErrors { field message } } }`,
      {
        input: { membershipId: globalId('Membership', membershipId), leftOn: '2021-08-31' },
      },
    );
    expect(ended.membershipEnd.userErrors).toEqual([]);
    const rows = await app.sql<{ kind: string; evidence: any }>(
      `select r.kind, a.evidence from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1`,
      [schoolId],
    );
    expect(rows).toEqual([
      { kind: 'working_in_isolation', evidence: expect.objectContaining({ months: 12, lastMembershipEndedOn: '2021-08-31' }) },
    ]);
  });

  it("names who must know: the school's governors, its group's executive leaders and partner schools' review leads", async () => {
    const [school, partner] = await insertSchools(app, 2, 800601);
    const groupId = await insertGroup(app, 'Meon Federation', 'federation');
    await join(app, school, groupId, 'federation');
    await join(app, partner, groupId, 'federation');
    const people = await app.sql<{ id: number }>(
      `insert into person (full_name, created_at) values ('Gov One', now()), ('Fed Gov', now()), ('Exec Head', now()), ('Review Lead', now()), ('Former Gov', now()) returning id`,
    );
    const [gov, fedGov, exec, lead, former] = people.map((p) => p.id);
    const [own] = await app.sql<{ id: number }>(
      `insert into governing_body (name, kind, school_id, created_at) values ('Own board', 'school', $1, now()) returning id`,
      [school],
    );
    const [fed] = await app.sql<{ id: number }>(
      `insert into governing_body (name, kind, group_id, created_at) values ('Federation board', 'federation', $1, now()) returning id`,
      [groupId],
    );
    await app.sql(
      `insert into governorship (person_id, governing_body_id, role, appointing_body, term_started_on, term_ends_on, ended_on) values
       ($1, $3, 'governor', 'parent_elected', '2020-01-01', null, null), ($2, $4, 'chair_of_governors', 'co_opted', '2020-01-01', null, null),
       ($5, $3, 'governor', 'parent_elected', '2018-01-01', null, '2019-01-01')`,
      [gov, fedGov, own.id, fed.id, former],
    );
    await app.sql(
      `insert into post (person_id, role, group_id, school_id, fte, started_on) values ($1, 'executive_head', $3, null, 1, '2020-01-01'), ($2, 'peer_review_lead', null, $4, 0.2, '2020-01-01')`,
      [exec, lead, groupId, partner],
    );
    await recordMeasure(app.orm, school, 30);
    const result = await app.data(
      `query ($f: AlertFilter) { alerts(filter: $f, first: 5) { edges { node { recipients { reason via person { fullName } } } } } }`,
      { f: { schoolId: globalId('School', school) } },
    );
    const recipients = result.alerts.edges[0].node.recipients.map((r: any) => [r.reason, r.person.fullName, r.via]);
    expect(recipients).toEqual(
      expect.arrayContaining([
        ['GOVERNOR', 'Gov One', 'Own board'],
        ['GOVERNOR', 'Fed Gov', 'Federation board'],
        ['EXECUTIVE_LEADER', 'Exec Head', 'Meon Federation'],
        ['PARTNER_REVIEW_LEAD', 'Review Lead', 'School 800602'],
      ]),
    );
    expect(recipients.map((r: any) => r[1])).not.toContain('Former Gov');
  });

  it('refuses a subscription with a bad cursor or ID', async () => {
    const client = wsClient(wsUrlOf(app.url));
    const bad = collect(client, `subscription { alertRaised(since: "nope") { cursor } }`);
    const wrongType = collect(client, `subscription ($id: ID) { alertRaised(schoolId: $id) { cursor } }`, { id: globalId('Group', 1) });
    await new Promise((r) => setTimeout(r, 500));
    expect(JSON.stringify(bad.errors)).toMatch(/since is not a cursor/);
    expect(JSON.stringify(wrongType.errors)).toMatch(/schoolId is not the ID of a School/);
    await client.dispose();
  });
});
