import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiKey } from '../src/auth/api-keys';
import { MAX_OBJECTS, operationCost } from '../src/auth/cost';
import { toGlobalId } from '../src/core/node';
import { seedBenchEvidence } from '../src/demo/bench-evidence';
import { seedEngland } from '../src/demo/england';
import { trellisSchema } from '../src/server/schema';
import { parse } from 'graphql';
import { startTestApp, TestApp, tokenFor, wsUrlOf } from './helpers';

/**
 * The read path of issue 10: the morning view's fields (School.alerts, School.latestMeasures), the
 * viewer's scope read once per person until access changes, and the cost limit that admits a
 * realistic partner query and refuses abusive ones.
 */
let app: TestApp;
/** A multi-academy trust with at least 3 schools, one of its schools, its CEO, and a school outside it. */
let trust: { id: number; ceo: number; school: number; outside: number };

beforeAll(async () => {
  app = await startTestApp();
  await seedEngland(app.orm, { scale: 0.01, today: new Date('2026-12-01T00:00:00Z') });
  await seedBenchEvidence(app.orm, { today: new Date('2026-12-01T00:00:00Z') });
  [trust] = await app.sql<typeof trust>(
    `select g.id, min(p.person_id) as ceo, min(m.school_id) as school,
       (select a.school_id from alert a where a.school_id not in (select school_id from membership where group_id = g.id) limit 1) as outside
     from school_group g join membership m on m.group_id = g.id and m.left_on is null
     join post p on p.group_id = g.id and p.role = 'ceo' and p.ended_on is null
     where g.kind = 'multi_academy_trust' and exists (select 1 from alert a join membership am on am.school_id = a.school_id and am.group_id = g.id)
     group by g.id having count(distinct m.school_id) >= 3 order by g.id limit 1`,
  );
}, 120_000);
afterAll(() => app?.close());

const SCHOOL_ALERTS = `query ($id: ID!, $status: [AlertStatus!], $first: Int!, $after: String) {
  node(id: $id) { ... on School { alerts(first: $first, after: $after, status: $status) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id severity status raisedAt school { id } rule { name } } } } } }
}`;

describe("School.alerts (the morning view's open alerts per school)", () => {
  it("lists a school's alerts newest first, with its total, to whoever reaches the school's alerts", async () => {
    const expected = await app.sql<{ id: number; status: string }>(
      `select id, status from alert where school_id = $1 order by raised_at desc, id desc`,
      [trust.school],
    );
    const ceo = `Bearer ${await tokenFor(trust.ceo)}`;
    for (const as of [app.authorization, ceo]) {
      const result = await app.gqlAs<any>(as, SCHOOL_ALERTS, { id: toGlobalId('School', trust.school), first: 100 });
      expect(result.errors).toBeUndefined();
      const alerts = result.data!.node.alerts;
      expect(alerts.totalCount).toBe(expected.length);
      expect(alerts.edges.map((e: any) => e.node.id)).toEqual(expected.map((a) => toGlobalId('Alert', a.id)));
      for (const edge of alerts.edges) expect(edge.node.school.id).toBe(toGlobalId('School', trust.school));
    }
  });

  it('leaves them out, count included, for callers who do not reach the school: anonymous, another trust, an app without read:alerts (one with it sees them)', async () => {
    const ceo = `Bearer ${await tokenFor(trust.ceo)}`;
    const { key: withoutAlerts } = await createApiKey(app.orm.em.fork(), 'no alerts', ['read:schools', 'read:governance']);
    const { key: withAlerts } = await createApiKey(app.orm.em.fork(), 'alerts', ['read:schools', 'read:alerts']);
    const seen = await app.gqlAs<any>(`Bearer ${withAlerts}`, SCHOOL_ALERTS, { id: toGlobalId('School', trust.outside), first: 100 });
    expect(seen.data!.node.alerts.totalCount).toBeGreaterThan(0);
    for (const as of [undefined, ceo, `Bearer ${withoutAlerts}`]) {
      const result = await app.gqlAs<any>(as, SCHOOL_ALERTS, { id: toGlobalId('School', trust.outside), first: 100 });
      expect(result.errors).toBeUndefined();
      expect(result.data!.node.alerts).toMatchObject({ totalCount: 0, edges: [] });
    }
    const [{ count }] = await app.sql<{ count: number }>(`select count(*)::int as count from alert where school_id = $1`, [trust.outside]);
    expect(count).toBeGreaterThan(0);
  });

  it('filters by status and pages with cursors that another status filter refuses', async () => {
    const [first] = await app.sql<{ id: number }>(`select id from alert where school_id = $1 order by raised_at desc, id desc limit 1`, [
      trust.school,
    ]);
    await app.sql(`update alert set status = 'acknowledged', acknowledged_at = now(), acknowledged_by = 'test' where id = $1`, [first.id]);
    const id = toGlobalId('School', trust.school);
    const all = (await app.data<any>(SCHOOL_ALERTS, { id, first: 100 })).node.alerts;
    const open = (await app.data<any>(SCHOOL_ALERTS, { id, first: 100, status: ['OPEN'] })).node.alerts;
    const acknowledged = (await app.data<any>(SCHOOL_ALERTS, { id, first: 100, status: ['ACKNOWLEDGED'] })).node.alerts;
    expect(acknowledged.edges.map((e: any) => e.node.id)).toEqual([toGlobalId('Alert', first.id)]);
    expect(open.totalCount + acknowledged.totalCount).toBe(all.totalCount);
    expect(open.edges.every((e: any) => e.node.status === 'OPEN')).toBe(true);
    if (open.totalCount > 1) {
      const page1 = (await app.data<any>(SCHOOL_ALERTS, { id, first: 1, status: ['OPEN'] })).node.alerts;
      expect(page1.pageInfo.hasNextPage).toBe(true);
      const page2 = (await app.data<any>(SCHOOL_ALERTS, { id, first: 100, status: ['OPEN'], after: page1.pageInfo.endCursor })).node.alerts;
      expect([...page1.edges, ...page2.edges].map((e: any) => e.node.id)).toEqual(open.edges.map((e: any) => e.node.id));
    }
    const refused = await app.gql(SCHOOL_ALERTS, { id, first: 5, status: ['ACKNOWLEDGED'], after: all.pageInfo.endCursor });
    expect(refused.errors?.[0].message).toMatch(/after is not a cursor of this list/);
  });
});

describe('School.latestMeasures', () => {
  it('gives the newest academic year of every metric held, one per metric, for every school of a page in one statement', async () => {
    const schools = await app.sql<{ id: number }>(`select id from school where status = 'open' order by id limit 30`);
    const expected = await app.sql<{ school_id: number; metric: string; academic_year: string; value: string }>(
      `select distinct on (school_id, metric) school_id, metric, academic_year, value from outcome_measure
       where school_id = any($1::int[]) order by school_id, metric, academic_year desc`,
      [schools.map((s) => s.id)],
    );
    // An older year recorded after the newest must not win: the order is by academic year, not by recording.
    await app.sql(
      `insert into outcome_measure (school_id, metric, academic_year, value, source) values ($1, 'attendance_pct', '2015/16', 50, 'test')`,
      [schools[0].id],
    );
    const query = `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on School { id latestMeasures { metric academicYear value } } } }`;
    let data: any;
    const statements = await app.countStatements(async () => {
      data = await app.data(query, { ids: schools.map((s) => toGlobalId('School', s.id)) });
    });
    for (const [i, school] of schools.entries()) {
      const mine = expected.filter((row) => row.school_id === school.id);
      expect(data.nodes[i].latestMeasures).toEqual(
        mine.map((row) => ({ metric: row.metric.toUpperCase(), academicYear: row.academic_year, value: Number(row.value) })),
      );
    }
    expect(expected.length).toBeGreaterThan(30);
    expect(statements).toBeLessThanOrEqual(3);
    const only = await app.data<any>(`query ($id: ID!) { node(id: $id) { ... on School { latestMeasures(metric: [ATTENDANCE_PCT]) { metric } } } }`, {
      id: toGlobalId('School', schools[0].id),
    });
    expect(only.node.latestMeasures).toEqual([{ metric: 'ATTENDANCE_PCT' }]);
  });
});

describe("the viewer's scope", () => {
  const MY_SCHOOL_STAFF = `query ($id: ID!) { node(id: $id) { ... on School { staff(first: 5) { totalCount } } } }`;

  it('is read once per person, not once per request', async () => {
    // A person not seen yet in this file: the school's head.
    const [head] = await app.sql<{ person_id: number }>(
      `select person_id from post where school_id = $1 and role in ('headteacher', 'head_of_school') and ended_on is null limit 1`,
      [trust.school],
    );
    const as = `Bearer ${await tokenFor(head.person_id)}`;
    const ask = () => app.gqlAs<any>(as, MY_SCHOOL_STAFF, { id: toGlobalId('School', trust.school) });
    // Their first request reads their scope (and the people it reaches); the same request again reads neither.
    const first = await app.countStatements(async () => expect((await ask()).data!.node.staff.totalCount).toBeGreaterThan(0));
    const second = await app.countStatements(async () => expect((await ask()).data!.node.staff.totalCount).toBeGreaterThan(0));
    expect(second).toBeLessThan(first);
  });

  it('is read again once a mutation commits: a governor appointed through the API sees their school at once', async () => {
    const [body] = await app.sql<{ id: number; school_id: number }>(
      `select id, school_id from governing_body where kind = 'local_committee' and school_id <> $1 order by id limit 1`,
      [trust.school],
    );
    const [person] = await app.sql<{ id: number }>(`insert into person (full_name) values ('New Governor') returning id`);
    const governor = `Bearer ${await tokenFor(person.id)}`;
    const staff = () => app.gqlAs<any>(governor, MY_SCHOOL_STAFF, { id: toGlobalId('School', body.school_id) });
    expect((await staff()).data!.node.staff.totalCount).toBe(0); // no seat yet: the scope cached now is empty
    const appointed = await app.gql<any>(
      `mutation ($input: GoverningBodyAppointGovernorInput!) { governingBodyAppointGovernor(input: $input) { userErrors { message } } }`,
      {
        input: {
          governingBodyId: toGlobalId('GoverningBody', body.id),
          personId: toGlobalId('Person', person.id),
          role: 'LOCAL_GOVERNOR',
          appointingBody: 'TRUST_MEMBERS',
          termStartedOn: '2024-09-01',
        },
      },
    );
    expect(appointed.data!.governingBodyAppointGovernor.userErrors).toEqual([]);
    expect((await staff()).data!.node.staff.totalCount).toBeGreaterThan(0);
  });

  it("is one short statement for an administrator, who reaches everything without the graph walk", async () => {
    const [admin] = await app.sql<{ id: number }>(`insert into person (full_name) values ('Another Admin') returning id`);
    await app.sql(`insert into role_grant (person_id, role) values ($1, 'admin')`, [admin.id]);
    const as = `Bearer ${await tokenFor(admin.id)}`;
    const query = `query ($id: ID!) { node(id: $id) { ... on School { staff(first: 5) { totalCount } } } }`;
    const id = toGlobalId('School', trust.school);
    const first = await app.countStatements(async () => expect((await app.gqlAs<any>(as, query, { id })).data!.node.staff.totalCount).toBeGreaterThan(0));
    const again = await app.countStatements(async () => expect((await app.gqlAs<any>(as, query, { id })).data!.node.staff.totalCount).toBeGreaterThan(0));
    // The first request checks the token's subject and reads the short admin statement; the next does neither.
    expect(first - again).toBe(2);
  });

  it("checks a token's subject once per person until access changes, and still refuses a token naming nobody", async () => {
    const query = `{ schools(first: 1) { totalCount } }`;
    const [person] = await app.sql<{ id: number }>(`insert into person (full_name) values ('Token Subject') returning id`);
    const as = `Bearer ${await tokenFor(person.id)}`;
    const statements: string[][] = [];
    for (let i = 0; i < 2; i++) statements.push(await app.statements(async () => expect((await app.gqlAs<any>(as, query)).errors).toBeUndefined()));
    const subjectChecks = (list: string[]) => list.filter((sql) => /select 1 from person where id/.test(sql)).length;
    expect(subjectChecks(statements[0])).toBe(1);
    expect(subjectChecks(statements[1])).toBe(0);
    const nobody = await app.gqlAs<any>(`Bearer ${await tokenFor(987_654_321)}`, query);
    expect(nobody.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

/** Issue 10's partner-app query: 50 groups, their members (first 100), each school's staff (first 20). */
const PARTNER_QUERY = `query Partner($groups: Int!, $members: Int!, $staff: Int!) {
  groups(first: $groups) { edges { node { name members(first: $members) { edges { node { urn name
    staff(first: $staff) { edges { node { role fte person { fullName } } } } } } } } } }
}`;
const ABUSIVE_QUERY = `{ groups(first: 100) { edges { node { members(first: 100) { edges { node {
  staff(first: 100) { edges { node { person { fullName } } } } } } } } } } }`;

describe('the cost limit', () => {
  it("admits issue 10's partner-app query and refuses three nested connections of 100, in literals and in variables alike", async () => {
    const schema = await trellisSchema();
    const partner = operationCost(schema, parse(PARTNER_QUERY), 'Partner', { groups: 50, members: 100, staff: 20 });
    expect(partner).toBeLessThanOrEqual(MAX_OBJECTS);
    expect(operationCost(schema, parse(ABUSIVE_QUERY))).toBeGreaterThan(MAX_OBJECTS);
    console.log(`cost: partner query ${partner}, abusive ${operationCost(schema, parse(ABUSIVE_QUERY))}`);

    const admitted = await app.gql<any>(PARTNER_QUERY, { groups: 50, members: 100, staff: 20 });
    expect(admitted.errors).toBeUndefined();
    expect(admitted.data!.groups.edges.length).toBeGreaterThan(0);

    for (const refused of [await app.gql(ABUSIVE_QUERY), await app.gql(PARTNER_QUERY, { groups: 100, members: 100, staff: 100 })]) {
      expect(refused.data).toBeUndefined();
      expect(refused.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED', maxCost: MAX_OBJECTS } });
      expect(refused.errors?.[0].message).toMatch(new RegExp(`Query cost limit of ${MAX_OBJECTS} objects exceeded, found \\d+`));
    }
    const response = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: app.authorization! },
      body: JSON.stringify({ query: ABUSIVE_QUERY }),
    });
    expect(response.status).toBe(400);
  });

  it('counts fragments, plain lists and nodes(ids) too', async () => {
    const schema = await trellisSchema();
    const viaFragment = `query { groups(first: 100) { edges { node { ...G } } } } fragment G on Group { members(first: 100) { edges { node { ...S } } } }
      fragment S on School { staff(first: 100) { edges { node { role } } } }`;
    expect(operationCost(schema, parse(viaFragment))).toBeGreaterThan(MAX_OBJECTS);
    // A plain list (a person's posts) under two connections of 100 multiplies like one of 10.
    const plain = `{ schools(first: 100) { edges { node { staff(first: 100) { edges { node { person { posts { school { supportGiven(first: 100) { edges { node { area } } } } } } } } } } } } }`;
    expect(operationCost(schema, parse(plain))).toBeGreaterThan(MAX_OBJECTS);
    const ids = Array.from({ length: 3 }, (_, i) => toGlobalId('School', i + 1));
    expect(operationCost(schema, parse(`query ($ids: [ID!]!) { nodes(ids: $ids) { ... on School { name } } }`), undefined, { ids })).toBe(3);
  });

  it('refuses the abusive query on WebSocket too (no variables there: a variable page size counts as 100)', async () => {
    const socket = new WebSocket(wsUrlOf(app.url), 'graphql-transport-ws');
    const messages: any[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: app.authorization } }));
    await expect.poll(() => messages.some((m) => m.type === 'connection_ack')).toBe(true);
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: ABUSIVE_QUERY } }));
    await expect.poll(() => messages.find((m) => m.id === '1')).toBeTruthy();
    const answer = messages.find((m) => m.id === '1');
    expect(answer.type).toBe('error');
    expect(JSON.stringify(answer.payload)).toMatch(/Query cost limit of \d+ objects exceeded/);
    socket.close();
  });
});
