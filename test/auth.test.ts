import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../src/auth/api-keys';
import { toGlobalId } from '../src/core/node';
import { collect, connected, recordMeasure, sleep, wsClient } from './alert-fixtures';
import { startTestApp, TEST_ADMIN_LABEL, TestApp, tokenFor, wsUrlOf } from './helpers';

/**
 * The authorization matrix: each kind of caller against queries, node lookups, connections,
 * mutations and subscriptions. The graph:
 *   School A (LA 850) with its own body GA: governor govA (and govA2, a colleague), teacher staffA.
 *   School B (LA 850) with body GB: governor govB.
 *   Federation F of schools C and D (LA 851), with federation body GF (governor govF) and an
 *   executive head execF (a post on the federation); headC heads school C.
 *   Trust T (another group, of B) that execF does not lead.
 *   laOfficer: local authority officer for LA 850.
 */
const S = { A: 1, B: 2, C: 3, D: 4 };
const G = { F: 10, T: 11 };
const BODY = { GA: 21, GB: 22, GF: 23 };
const P = { govA: 101, govB: 102, execF: 103, headC: 104, govF: 105, laOfficer: 106, staffA: 107, govA2: 108 };
const id = (type: string, n: number) => toGlobalId(type, n);

let app: TestApp;
const as: Record<string, string | undefined> = {};

async function fixtures(): Promise<void> {
  await app.sql(`
    insert into school (id, urn, name, phase, establishment_type, la_code, la_name) values
      (1, 900001, 'Ashdown Primary', 'primary', 'community_school', 850, 'Hampshire'),
      (2, 900002, 'Beacon Primary', 'primary', 'community_school', 850, 'Hampshire'),
      (3, 900003, 'Cedar Primary', 'primary', 'community_school', 851, 'Southampton'),
      (4, 900004, 'Downs Primary', 'primary', 'community_school', 851, 'Southampton');
    insert into school_group (id, name, kind, status, opened_on) values
      (10, 'Federation F', 'federation', 'open', '2019-09-01'), (11, 'Trust T', 'multi_academy_trust', 'open', '2019-09-01');
    insert into membership (school_id, group_id, group_kind, role, joined_on) values
      (3, 10, 'federation', 'lead', '2019-09-01'), (4, 10, 'federation', 'member', '2019-09-01'),
      (2, 11, 'multi_academy_trust', 'member', '2019-09-01');
    insert into governing_body (id, name, kind, school_id, group_id) values
      (21, 'Ashdown GB', 'school', 1, null), (22, 'Beacon GB', 'school', 2, null), (23, 'Federation F GB', 'federation', null, 10);
    insert into person (id, full_name, email, phone) values
      (101, 'Gov A', 'gov.a@example.org', '01000 000101'), (102, 'Gov B', 'gov.b@example.org', null),
      (103, 'Exec F', 'exec.f@example.org', null), (104, 'Head C', 'head.c@example.org', null),
      (105, 'Gov F', 'gov.f@example.org', null), (106, 'LA Officer', 'la@example.org', null),
      (107, 'Staff A', 'staff.a@example.org', null), (108, 'Gov A2', 'gov.a2@example.org', '01000 000108');
    insert into governorship (id, person_id, governing_body_id, role, appointing_body, term_started_on) values
      (31, 101, 21, 'chair_of_governors', 'parent_elected', '2023-09-01'), (32, 108, 21, 'governor', 'co_opted', '2023-09-01'),
      (33, 102, 22, 'governor', 'parent_elected', '2023-09-01'), (34, 105, 23, 'governor', 'co_opted', '2023-09-01');
    insert into post (id, person_id, role, school_id, group_id, fte, started_on) values
      (41, 103, 'executive_head', null, 10, 1, '2020-09-01'), (42, 104, 'head_of_school', 3, null, 1, '2020-09-01'),
      (43, 107, 'teacher', 1, null, 1, '2020-09-01');
    insert into role_grant (person_id, role, la_code) values (106, 'la_officer', 850);
  `);
  for (const [name, personId] of Object.entries(P)) as[name] = `Bearer ${await tokenFor(personId)}`;
  as.admin = app.authorization;
  as.anonymous = undefined;
  as.app = `Bearer ${(await createApiKey(app.orm.em.fork(), 'Read-only partner', ['read:schools'])).key}`;
}

beforeAll(async () => {
  app = await startTestApp();
  await fixtures();
});

afterAll(async () => {
  await app?.close();
});

const codes = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => (result.errors ?? []).map((e) => e.extensions?.code);

describe('authorization matrix: queries', () => {
  const PUBLIC = `{ schools(first: 10) { totalCount edges { node { urn name phase } } } groups(first: 10) { totalCount } }`;

  it.each(['anonymous', 'govA', 'execF', 'laOfficer', 'admin', 'app'])('public facts are open to %s', async (who) => {
    const result = await app.gqlAs(as[who], PUBLIC);
    expect(result.errors).toBeUndefined();
    expect(result.data!.schools.totalCount).toBe(4);
    expect(result.data!.groups.totalCount).toBe(2);
  });

  const BODIES = `query ($id: ID!) { school(id: $id) { governingBodies { name } } }`;
  it.each([
    ['anonymous', 'UNAUTHENTICATED', null],
    ['app', 'FORBIDDEN', null],
    ['govA', null, ['Ashdown GB']],
    ['govB', null, []],
    ['execF', null, []],
    ['laOfficer', null, ['Ashdown GB']],
    ['admin', null, ['Ashdown GB']],
  ])("school A's governing bodies as %s", async (who, code, names) => {
    const result = await app.gqlAs(as[who], BODIES, { id: id('School', S.A) });
    if (code) expect(codes(result)).toContain(code);
    else expect(result.data!.school.governingBodies.map((b: { name: string }) => b.name)).toEqual(names);
  });

  const STAFF = `query ($id: ID!) { school(id: $id) { staff(first: 10) { totalCount edges { cursor node { role person { fullName } } } } } }`;
  it.each([
    ['govA', 1],
    ['execF', 0],
    ['laOfficer', 1],
    ['admin', 1],
  ])("hidden staff are absent from school A's list, count and edges as %s", async (who, count) => {
    const result = await app.gqlAs(as[who], STAFF, { id: id('School', S.A) });
    expect(result.errors).toBeUndefined();
    expect(result.data!.school.staff.totalCount).toBe(count);
    expect(result.data!.school.staff.edges).toHaveLength(count);
  });

  it("an executive head sees the federation's schools' staff, leaders and body, and nothing of the trust", async () => {
    const result = await app.gqlAs(
      as.execF,
      `query ($f: ID!, $t: ID!) {
        f: group(id: $f) { leaders { person { fullName } } governingBodies { name }
          members(first: 10) { totalCount edges { node { name staff(first: 5) { totalCount } governingBodies { name } } } } }
        t: group(id: $t) { leaders { role } governingBodies { name } members(first: 10) { totalCount edges { node { staff(first: 5) { totalCount } } } } }
      }`,
      { f: id('Group', G.F), t: id('Group', G.T) },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.f.leaders.map((l: any) => l.person.fullName)).toEqual(['Exec F']);
    expect(result.data!.f.governingBodies.map((b: any) => b.name)).toEqual(['Federation F GB']);
    expect(result.data!.f.members.edges.map((e: any) => e.node.staff.totalCount)).toEqual([1, 0]);
    expect(result.data!.t.members.totalCount).toBe(1);
    expect(result.data!.t.members.edges[0].node.staff.totalCount).toBe(0);
    expect(result.data!.t.governingBodies).toEqual([]);
  });

  const PERSON = `query ($id: ID!) { node(id: $id) { id ... on Person { fullName } } person(id: $id) { fullName } }`;
  it.each([
    ['anonymous', false],
    ['app', false],
    ['govA', true],
    ['govB', false],
    ['execF', false],
    ['laOfficer', true],
    ['admin', true],
  ])('node(id) and person(id) of a teacher at school A as %s', async (who, visible) => {
    const result = await app.gqlAs(as[who], PERSON, { id: id('Person', P.staffA) });
    expect(result.data?.node ?? null).toEqual(visible ? { id: id('Person', P.staffA), fullName: 'Staff A' } : null);
    if (visible) expect(result.data!.person).toEqual({ fullName: 'Staff A' });
    else expect(result.data?.person ?? null).toBeNull();
  });

  it('nodes() leaves out what the viewer may not see, in place', async () => {
    const result = await app.gqlAs(as.govA, `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids: [id('GoverningBody', BODY.GA), id('GoverningBody', BODY.GB), id('School', S.B), id('Governorship', 33)],
    });
    expect(result.data!.nodes).toEqual([{ id: id('GoverningBody', BODY.GA) }, null, { id: id('School', S.B) }, null]);
  });

  it('contact details are shown only inside the bodies a person sits on, and to admins', async () => {
    const CONTACT = `query ($id: ID!) { person(id: $id) { fullName email phone } }`;
    const colleague = await app.gqlAs(as.govA, CONTACT, { id: id('Person', P.govA2) });
    expect(colleague.data!.person).toEqual({ fullName: 'Gov A2', email: 'gov.a2@example.org', phone: '01000 000108' });
    const staff = await app.gqlAs(as.govA, CONTACT, { id: id('Person', P.staffA) });
    expect(staff.data!.person).toEqual({ fullName: 'Staff A', email: null, phone: null });
    expect(codes(staff)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    const officer = await app.gqlAs(as.laOfficer, CONTACT, { id: id('Person', P.govA) });
    expect(officer.data!.person.email).toBeNull();
    const admin = await app.gqlAs(as.admin, CONTACT, { id: id('Person', P.staffA) });
    expect(admin.data!.person.email).toBe('staff.a@example.org');
  });

  it('the audit log is for admins only', async () => {
    for (const who of ['anonymous', 'app', 'govA', 'execF', 'laOfficer']) {
      const result = await app.gqlAs(as[who], `{ auditEvents(first: 5) { totalCount } }`);
      expect(codes(result)).toContain(who === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
    }
  });
});

const APPOINT = `mutation ($input: GoverningBodyAppointGovernorInput!) {
  governingBodyAppointGovernor(input: $input) { governorship { id } userErrors { field code message } }
}`;
const appoint = (bodyId: number, fullName: string) => ({
  input: {
    governingBodyId: id('GoverningBody', bodyId),
    person: { fullName },
    role: 'GOVERNOR',
    appointingBody: 'CO_OPTED',
    termStartedOn: '2025-09-01',
  },
});
const GROUP_UPDATE = `mutation ($input: GroupUpdateInput!) { groupUpdate(input: $input) { group { name } userErrors { field code } } }`;

describe('authorization matrix: mutations', () => {
  it('a governor may appoint to their own body, not to another school’s (which they cannot even see)', async () => {
    const own = await app.gqlAs(as.govA, APPOINT, appoint(BODY.GA, 'New Governor A'));
    expect(own.data!.governingBodyAppointGovernor.userErrors).toEqual([]);
    const other = await app.gqlAs(as.govA, APPOINT, appoint(BODY.GB, 'Intruder'));
    expect(other.data!.governingBodyAppointGovernor).toMatchObject({
      governorship: null,
      userErrors: [{ field: ['input', 'governingBodyId'], code: 'NOT_FOUND' }],
    });
    expect(await app.sql(`select 1 from person where full_name = 'Intruder'`)).toHaveLength(0);
  });

  it("a governor cannot change another trust's group; the executive head can change their own, not another", async () => {
    const byGovernor = await app.gqlAs(as.govA, GROUP_UPDATE, { input: { groupId: id('Group', G.F), name: 'Hijacked' } });
    expect(byGovernor.data!.groupUpdate.userErrors).toEqual([{ field: ['input', 'groupId'], code: 'NOT_ALLOWED' }]);
    const byExec = await app.gqlAs(as.execF, GROUP_UPDATE, { input: { groupId: id('Group', G.F), name: 'Federation F (renamed)' } });
    expect(byExec.data!.groupUpdate).toEqual({ group: { name: 'Federation F (renamed)' }, userErrors: [] });
    const other = await app.gqlAs(as.execF, GROUP_UPDATE, { input: { groupId: id('Group', G.T), name: 'Not mine' } });
    expect(other.data!.groupUpdate.userErrors).toEqual([{ field: ['input', 'groupId'], code: 'NOT_ALLOWED' }]);
  });

  it('a local authority officer may appoint LA-nominated governors in their authority only', async () => {
    const laNominated = appoint(BODY.GB, 'LA Appointee');
    laNominated.input.appointingBody = 'LOCAL_AUTHORITY_NOMINATED';
    const inside = await app.gqlAs(as.laOfficer, APPOINT, laNominated);
    expect(inside.data!.governingBodyAppointGovernor.userErrors).toEqual([]);
    const outside = await app.gqlAs(as.laOfficer, APPOINT, appoint(BODY.GF, 'Out Of Area'));
    expect(outside.data!.governingBodyAppointGovernor.userErrors[0].code).toBe('NOT_FOUND');
  });

  it('anonymous callers and read-only keys cannot write at all', async () => {
    const create = `mutation { groupCreate(input: { name: "Nope", kind: CLUSTER }) { group { id } userErrors { code } } }`;
    expect(codes(await app.gqlAs(undefined, create))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await app.gqlAs(as.app, create))).toEqual(['FORBIDDEN']);
    expect(await app.sql(`select 1 from school_group where name = 'Nope'`)).toHaveLength(0);
  });

  it('every committed mutation is audited in its transaction: who, what, when and the IDs; refused ones leave nothing', async () => {
    const result = await app.data(
      `{ auditEvents(first: 10, filter: { operation: "governingBodyAppointGovernor" }) { totalCount edges { node { actor actorKind personId operation at nodeIds } } } }`,
    );
    const events = result.auditEvents.edges.map((e: any) => e.node);
    expect(events.map((e: any) => e.actor).sort()).toEqual([`person:${P.govA}`, `person:${P.laOfficer}`]);
    const govA = events.find((e: any) => e.actor === `person:${P.govA}`);
    expect(govA).toMatchObject({ actorKind: 'PERSON', personId: id('Person', P.govA), operation: 'governingBodyAppointGovernor' });
    expect(govA.nodeIds).toContain(id('GoverningBody', BODY.GA));
    expect(govA.nodeIds.some((n: string) => n !== id('GoverningBody', BODY.GA))).toBe(true);
    expect(new Date(govA.at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const updates = await app.data(
      `{ auditEvents(first: 10, filter: { operation: "groupUpdate" }) { totalCount edges { node { actor } } } }`,
    );
    expect(updates.auditEvents.edges.map((e: any) => e.node.actor)).toEqual([`person:${P.execF}`]);
  });
});

describe('alerts: lists and subscriptions checked per event', () => {
  const ALERTS = `{ alerts(first: 10) { totalCount edges { cursor node { school { urn } } } } }`;

  it('the alert inbox holds only alerts of schools the viewer reaches', async () => {
    await recordMeasure(app.orm, S.A, 40);
    await recordMeasure(app.orm, S.B, 40);
    const seen = async (who: string) => {
      const result = await app.gqlAs(as[who], ALERTS);
      return result.errors ? codes(result) : result.data!.alerts.edges.map((e: any) => e.node.school.urn).sort();
    };
    expect(await seen('govA')).toEqual([900001]);
    expect(await seen('govB')).toEqual([900002]);
    expect(await seen('execF')).toEqual([]);
    expect(await seen('laOfficer')).toEqual([900001, 900002]);
    expect(await seen('admin')).toEqual([900001, 900002]);
    expect(await seen('app')).toEqual(['FORBIDDEN']);
    expect(await seen('anonymous')).toEqual(['UNAUTHENTICATED']);
    const govA = await app.gqlAs(as.govA, ALERTS);
    expect(govA.data!.alerts.totalCount).toBe(1);
  });

  it('a governor of school A hears nothing of school B, and stops hearing of A when their term ends', async () => {
    const client = wsClient(wsUrlOf(app.url), as.govA);
    const stream = collect(client, `subscription { alertRaised { cursor alert { school { urn } } } }`);
    try {
      await connected(client);
      await recordMeasure(app.orm, S.B, 30, { metric: 'attendance_pct' });
      await recordMeasure(app.orm, S.A, 30, { metric: 'attendance_pct' });
      await stream.until(1);
      await sleep(300);
      expect(stream.events.map((e: any) => e.alert.school.urn)).toEqual([900001]);

      const ended = await app.data(
        `mutation { governorshipEnd(input: { governorshipId: "${id('Governorship', 31)}", endedOn: "2026-01-01" }) { userErrors { message } } }`,
      );
      expect(ended.governorshipEnd.userErrors).toEqual([]);
      await recordMeasure(app.orm, S.A, 1, { metric: 'ks2_reading_progress' }).catch(() => undefined);
      await recordMeasure(app.orm, S.A, -20, { metric: 'ks2_maths_progress' });
      const admin = await app.data(`{ alerts(first: 20, filter: { schoolId: "${id('School', S.A)}" }) { totalCount } }`);
      expect(admin.alerts.totalCount).toBeGreaterThanOrEqual(3);
      await sleep(800);
      expect(stream.events).toHaveLength(1);
      expect(stream.errors).toEqual([]);
    } finally {
      stream.dispose();
      await client.dispose();
    }
  });

  it('a term ended by another instance stops delivery here at once (its NOTIFY, not an aged cache)', async () => {
    const open = await app.data(`{ alerts(first: 100, filter: { schoolId: "${id('School', S.A)}" }) { edges { node { id status } } } }`);
    for (const { node } of open.alerts.edges) {
      if (node.status === 'RESOLVED') continue;
      const done = await app.data(`mutation($id: ID!) { alertResolve(input: { alertId: $id }) { userErrors { message } } }`, {
        id: node.id,
      });
      expect(done.alertResolve.userErrors).toEqual([]);
    }
    const client = wsClient(wsUrlOf(app.url), as.govA2);
    const stream = collect(client, `subscription { alertRaised { cursor alert { school { urn } rule { kind } } } }`);
    try {
      await connected(client);
      // Delivered, so the subscriber's scope is now cached (no mutation runs from here on).
      await recordMeasure(app.orm, S.A, 40);
      await stream.until(1);
      expect(stream.events.map((e: any) => e.alert.school.urn)).toEqual([900001]);

      // Ended by another instance: its mutate() commits the change with a NOTIFY. Nothing in this process
      // bumps the cached scope, so only the NOTIFY can stop delivery before the cache ages out (30 s).
      await app.sql(
        `begin; update governorship set ended_on = '2026-01-01' where id = 32; select pg_notify('trellis_alert_events', 'access'); commit;`,
      );
      await sleep(200);
      await recordMeasure(app.orm, S.A, 30, { metric: 'attendance_pct' });
      const raised = await app.data(`{ alerts(first: 100, filter: { schoolId: "${id('School', S.A)}" }) { edges { node { status } } } }`);
      expect(raised.alerts.edges.filter((e: any) => e.node.status === 'OPEN')).toHaveLength(2);
      await sleep(800);
      expect(stream.events).toHaveLength(1);
    } finally {
      stream.dispose();
      await client.dispose();
    }
  });

  it('anonymous callers and keys without subscribe:alerts cannot subscribe', async () => {
    for (const who of [null, as.app]) {
      const client = wsClient(wsUrlOf(app.url), who);
      const stream = collect(client, `subscription { alertRaised { cursor } }`);
      await sleep(400);
      expect(JSON.stringify(stream.errors)).toMatch(who ? /subscribe:alerts/ : /Sign in/);
      stream.dispose();
      await client.dispose();
    }
  });
});

describe('authentication', () => {
  const ME = `{ schools(first: 1) { totalCount } }`;
  const refused = async (authorization: string) => {
    const response = await fetch(app.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ query: ME }),
    });
    const body = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    return { status: response.status, code: body.errors?.[0]?.extensions?.code, message: body.errors?.[0]?.message as string };
  };

  it('refuses expired, tampered and wrongly signed tokens, and malformed headers, with 401', async () => {
    const expired = await tokenFor(P.govA, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expect(await refused(`Bearer ${expired}`)).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
      message: expect.stringMatching(/expired/),
    });
    const [header, , signature] = (await tokenFor(P.govA)).split('.');
    const forged = Buffer.from(
      JSON.stringify({ sub: id('Person', 2_000_000_000), iss: 'trellis', aud: 'trellis', exp: 9_999_999_999 }),
    ).toString('base64url');
    expect(await refused(`Bearer ${header}.${forged}.${signature}`)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const wrongKey = await tokenFor(P.govA, { secret: 'not-the-server-secret' });
    expect(await refused(`Bearer ${wrongKey}`)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${forged}.`;
    expect(await refused(`Bearer ${none}`)).toMatchObject({ status: 401 });
    expect(await refused('Basic dXNlcjpwYXNz')).toMatchObject({ status: 401 });
  });

  it('refuses a revoked API key, and stores only its hash', async () => {
    const { key, record } = await createApiKey(app.orm.em.fork(), 'Soon revoked', ['read:schools']);
    expect((await app.gqlAs(`Bearer ${key}`, ME)).data!.schools.totalCount).toBe(4);
    const [row] = await app.sql<{ key_hash: string }>(`select key_hash from api_key where id = $1`, [record.id]);
    expect(row.key_hash).not.toContain(key.slice(8));
    await revokeApiKey(app.orm.em.fork(), record.id);
    expect(await refused(`Bearer ${key}`)).toMatchObject({ status: 401, message: expect.stringMatching(/revoked/) });
    expect(await refused(`Bearer trellis_madeup`)).toMatchObject({ status: 401 });
  });

  it('an admin token signs changes with the admin’s name', () => {
    expect(TEST_ADMIN_LABEL).toBe('person:2000000000');
  });
});
