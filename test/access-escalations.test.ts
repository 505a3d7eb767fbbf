import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/core/node';
import { collect, connected, wsClient } from './alert-fixtures';
import { BODY, databaseChecksum, G, loadFixture, P, S } from './access-fixture';
import { startTestApp, TEST_ADMIN_LABEL, TestApp, wsUrlOf } from './helpers';

/**
 * Issue 8's escalations, each as a named regression case, and the rules of the README's table of
 * who may change reach, each shown both ways (who may, and who may not, with nothing written).
 */

let app: TestApp;
let as: Record<string, string | undefined>;
const id = toGlobalId;

beforeAll(async () => {
  app = await startTestApp();
  as = await loadFixture(app);
  // A teacher at Newborn (joins Trust T next term) and one at Teign (in T now).
  // A teacher at Fowey (F2) on 0.2 FTE, and a supply teacher who worked at Ashdown last year.
  await app.sql(`insert into person (id, full_name, created_at) values (150, 'Newt Teacher', now()), (151, 'Teign Teacher', now()),
      (152, 'Fowey Teacher', now()), (153, 'Supply Teacher', now());
    insert into post (id, person_id, role, school_id, fte, started_on, ended_on) values (90, 150, 'teacher', 7, 1, '2024-09-01', null),
      (91, 151, 'teacher', 3, 1, '2024-09-01', null), (92, 152, 'teacher', 5, 0.2, '2024-09-01', null),
      (93, 153, 'teacher', 1, 0.2, '2024-09-01', '2025-07-31')`);
  const rule = await app.data(
    `mutation { triggerRuleCreate(input: { kind: GOVERNOR_TERMS_ENDING, name: "Terms ending", severity: WATCH, parameters: { withinDays: 200 } }) { userErrors { message } } }`,
  );
  expect(rule.triggerRuleCreate.userErrors).toEqual([]);
}, 60_000);

afterAll(async () => {
  await app?.close();
});

const PAYLOAD = `userErrors { field code message }`;

/** Runs a mutation as a caller and returns its payload (failing on GraphQL errors). */
async function change(caller: string, name: string, inputType: string, input: Record<string, unknown>) {
  const result = await app.gqlAs(as[caller], `mutation ($input: ${inputType}!) { ${name}(input: $input) { ${PAYLOAD} } }`, { input });
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data![name] as { userErrors: { field: string[]; code: string; message: string }[] };
}

/** Expects the change to be refused with every table unchanged: NOT_ALLOWED (or NOT_FOUND for a key that may not even read the object). */
async function refused(caller: string, name: string, inputType: string, input: Record<string, unknown>) {
  const before = await databaseChecksum(app);
  const payload = await change(caller, name, inputType, input);
  expect(payload.userErrors.map((e) => e.code), JSON.stringify(payload)).toEqual([caller.startsWith('key:') && payload.userErrors[0]?.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'NOT_ALLOWED']);
  expect(await databaseChecksum(app)).toBe(before);
  return payload.userErrors[0].message;
}

async function allowed(caller: string, name: string, inputType: string, input: Record<string, unknown>) {
  expect((await change(caller, name, inputType, input)).userErrors).toEqual([]);
}

const visiblePeople = async (caller: string) =>
  (await app.gqlAs(as[caller], `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
    ids: Array.from({ length: 60 }, (_, i) => id('Person', 100 + i)),
  })).data!.nodes.filter(Boolean).length;

const alertAt = async (school: number) => (await app.sql<{ id: number }>(`select id from alert where school_id = $1`, [school]))[0].id;

describe('issue 8 escalations (regressions)', () => {
  it('a local committee governor cannot make themselves executive head of their school, and their reach stays one school', async () => {
    const before = await visiblePeople('lcGov');
    const message = await refused('lcGov', 'personAssignPost', 'PersonAssignPostInput', {
      personId: id('Person', P.lcGov),
      role: 'EXECUTIVE_HEAD',
      schoolId: id('School', S.T1),
      fte: 0.2,
      startedOn: '2025-09-01',
    });
    expect(message).toMatch(/trust board/);
    expect(await visiblePeople('lcGov')).toBe(before);
  });

  it('nobody but an administrator defines a system-wide trigger rule (it would raise INTERVENTION alerts everywhere)', async () => {
    const input = { kind: 'INSPECTION_GRADE_AT_OR_BELOW', name: 'Everywhere', severity: 'INTERVENTION', parameters: { grade: 4 } };
    for (const caller of ['govA', 'lcGov', 'trustee', 'ceoT', 'execF', 'headA', 'laOfficer', 'key:write:alerts'])
      expect(await refused(caller, 'triggerRuleCreate', 'TriggerRuleCreateInput', input)).toMatch(/system-wide|API key/);
  });

  it("membershipEnd checks the group's side: a school's own governors cannot take it out of its trust; its board can", async () => {
    const membership = { membershipId: id('Membership', 53), leftOn: '2027-08-31' };
    expect(await refused('lcGov', 'membershipEnd', 'MembershipEndInput', membership)).toMatch(/trust board/);
    expect(await refused('ceoT', 'membershipEnd', 'MembershipEndInput', membership)).toMatch(/trust board/);
    await allowed('trustee', 'membershipEnd', 'MembershipEndInput', membership);
  });

  it("Alert.recipients lists only the people the caller may see (not a partner school's peer review lead)", async () => {
    const query = `query ($id: ID!) { node(id: $id) { ... on Alert { recipients { person { id } reason } } } }`;
    const variables = { id: id('Alert', await alertAt(S.A)) };
    const admin = (await app.data(query, variables)).node.recipients.map((r: any) => r.person.id);
    expect(admin).toContain(id('Person', P.prlX));
    const governor = (await app.gqlAs(as.govA, query, variables)).data!.node.recipients.map((r: any) => r.person.id);
    expect(governor).not.toContain(id('Person', P.prlX));
    expect(governor).toContain(id('Person', P.govA));
  });

  it('a key with only read:alerts reads alerts but not one recipient name', async () => {
    const result = await app.gqlAs(as['key:read:alerts'], `{ alerts(first: 20) { totalCount edges { node { recipients { person { fullName } } } } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.alerts.totalCount).toBeGreaterThan(0);
    expect(result.data!.alerts.edges.flatMap((e: any) => e.node.recipients)).toEqual([]);
  });

  it('GOVERNOR_TERMS_ENDING evidence carries global IDs the caller may resolve, or null, in queries and in alertRaised', async () => {
    const query = `query ($id: ID!) { node(id: $id) { ... on Alert { evidence } } }`;
    const variables = { id: id('Alert', await alertAt(S.A)) };
    const [mine] = (await app.gqlAs(as.govA, query, variables)).data!.node.evidence.governorships;
    expect(mine).toMatchObject({ personId: id('Person', P.govA2), governorshipId: id('Governorship', 32), governingBodyId: id('GoverningBody', BODY.A) });
    const [partner] = (await app.gqlAs(as.prlX, query, variables)).data!.node.evidence.governorships;
    expect(partner).toMatchObject({ personId: null, governorshipId: null, governingBodyId: null });

    const client = wsClient(wsUrlOf(app.url), as.prlX);
    const stream = collect(client, `subscription ($since: String) { alertRaised(since: $since) { alert { school { id } evidence } } }`, {
      since: Buffer.from(JSON.stringify(['alerts', 0])).toString('base64url'),
    });
    await connected(client);
    await stream.until(3);
    await client.dispose();
    expect(stream.errors).toEqual([]);
    const seats = (stream.events as any[]).flatMap((event) => event.alert.evidence.governorships ?? []);
    expect(seats.length).toBeGreaterThan(0);
    for (const seat of seats) expect(seat).toMatchObject({ personId: null, governorshipId: null });
    // No raw database id under any key, in any kind of evidence (governance vacancies carry bodies too).
    expect(JSON.stringify(stream.events)).not.toMatch(/"\w*Id":\d/);
  });

  it("a rule's history does not name who changed it to an anonymous caller", async () => {
    const query = `{ triggerRules(first: 100, filter: { system: true }) { edges { node { createdBy updatedBy changes(first: 5) { edges { node { actor } } } } } } }`;
    const anonymous = await app.gqlAs(undefined, query);
    expect(anonymous.errors).toBeUndefined();
    const actors = anonymous.data!.triggerRules.edges.flatMap((e: any) => [e.node.createdBy, e.node.updatedBy, ...e.node.changes.edges.map((c: any) => c.node.actor)]);
    expect(actors.every((actor: unknown) => actor === null)).toBe(true);
    const admin = await app.data(query);
    expect(JSON.stringify(admin)).toContain(TEST_ADMIN_LABEL);
  });

  it('Governorship.person for a read:governance key is null with no INTERNAL_SERVER_ERROR', async () => {
    const result = await app.gqlAs(as['key:read:governance'], `query ($id: ID!) { node(id: $id) { ... on Governorship { role person { fullName } governingBody { name } } } }`, {
      id: id('Governorship', 31),
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!.node).toEqual({ role: 'CHAIR_OF_GOVERNORS', person: null, governingBody: { name: 'Ashdown GB' } });
  });

  it("a federation's executive head and a cluster coordinator are not recipients of alerts at other cluster schools", async () => {
    const recipients = await app.data(`query ($id: ID!) { node(id: $id) { ... on Alert { recipients { person { id } reason } } } }`, {
      id: id('Alert', await alertAt(S.A)),
    });
    const people = recipients.node.recipients.map((r: any) => r.person.id);
    expect(people).not.toContain(id('Person', P.execF));
    expect(people).not.toContain(id('Person', P.clusterExec));
    expect(recipients.node.recipients.map((r: any) => r.reason).sort()).toEqual(
      ['GOVERNOR', 'GOVERNOR', 'HEADTEACHER', 'LOCAL_AUTHORITY_OFFICER', 'PARTNER_REVIEW_LEAD'].sort(),
    );
  });

  it('reach follows the calendar: a membership or seat that starts later grants nothing today; one that ends later still does', async () => {
    const post = (n: number) => app.gqlAs(as.trustee, `query ($id: ID!) { node(id: $id) { id } }`, { id: id('Post', n) });
    expect((await post(90)).data!.node).toBeNull(); // Newborn joins Trust T next term
    expect((await post(91)).data!.node).not.toBeNull();
    const leaving = await app.gqlAs(as.leavingTrustee, `query ($id: ID!) { node(id: $id) { id } }`, { id: id('Post', 91) });
    expect(leaving.data!.node).not.toBeNull(); // stands down next month: still on the board today
    expect(await visiblePeople('futureGov')).toBe(1); // sits from next year: only themselves today
  });
});

describe('who may change reach (the README table)', () => {
  it('a trust board appoints its local committee; the committee and the CEO do not', async () => {
    const input = (name: string) => ({
      governingBodyId: id('GoverningBody', BODY.LC1),
      person: { fullName: name },
      role: 'LOCAL_GOVERNOR',
      appointingBody: 'BOARD_APPOINTED',
      termStartedOn: '2025-09-01',
    });
    await refused('lcGov', 'governingBodyAppointGovernor', 'GoverningBodyAppointGovernorInput', input('By Committee'));
    await refused('ceoT', 'governingBodyAppointGovernor', 'GoverningBodyAppointGovernorInput', input('By CEO'));
    await refused('key:write:governance', 'governingBodyAppointGovernor', 'GoverningBodyAppointGovernorInput', input('By Key'));
    await allowed('trustee', 'governingBodyAppointGovernor', 'GoverningBodyAppointGovernorInput', input('By Board'));
  });

  it("a federation's governing body appoints its executive head; the executive head does not appoint another", async () => {
    const input = { personId: id('Person', 152), role: 'EXECUTIVE_HEAD', groupId: id('Group', G.F), fte: 0.3, startedOn: '2025-09-01' };
    await refused('execF', 'personAssignPost', 'PersonAssignPostInput', input);
    await allowed('govF', 'personAssignPost', 'PersonAssignPostInput', input);
  });

  it('an executive head appoints a head of school; a head appoints teachers but not another head', async () => {
    await allowed('execF', 'personAssignPost', 'PersonAssignPostInput', {
      personId: id('Person', 152), role: 'HEAD_OF_SCHOOL', schoolId: id('School', S.F2), fte: 0.3, startedOn: '2025-09-01',
    });
    await refused('headA', 'personAssignPost', 'PersonAssignPostInput', {
      personId: id('Person', P.teacherA), role: 'HEADTEACHER', schoolId: id('School', S.A), fte: 0.5, startedOn: '2025-09-01',
    });
    await allowed('headA', 'personAssignPost', 'PersonAssignPostInput', {
      personId: id('Person', 153), role: 'TEACHER', schoolId: id('School', S.A), fte: 0.2, startedOn: '2025-09-01',
    });
  });

  it('a local authority officer appoints LA-nominated governors only, and nobody to staff posts', async () => {
    const seat = (appointingBody: string) => ({
      governingBodyId: id('GoverningBody', BODY.A), person: { fullName: `LA ${appointingBody}` }, role: 'GOVERNOR', appointingBody, termStartedOn: '2025-09-01',
    });
    expect(await refused('laOfficer', 'governingBodyAppointGovernor', 'GoverningBodyAppointGovernorInput', seat('CO_OPTED'))).toMatch(/LA-nominated/);
    await allowed('laOfficer', 'governingBodyAppointGovernor', 'GoverningBodyAppointGovernorInput', seat('LOCAL_AUTHORITY_NOMINATED'));
    await refused('laOfficer', 'personAssignPost', 'PersonAssignPostInput', {
      personId: id('Person', P.teacherA), role: 'TEACHER', schoolId: id('School', S.A), fte: 0.1, startedOn: '2025-09-01',
    });
  });

  it('joining a federation or trust is recorded by an administrator, even when its own board or CEO asks', async () => {
    const input = { groupId: id('Group', G.T), schoolId: id('School', S.A), role: 'MEMBER', joinedOn: '2025-09-01' };
    for (const caller of ['trustee', 'ceoT', 'govA', 'laOfficer']) await refused(caller, 'groupAddMember', 'GroupAddMemberInput', input);
  });

  it("nobody enlarges their own reach, whatever the rule: a governor cannot make themselves their school's peer review lead", async () => {
    const message = await refused('govA', 'personAssignPost', 'PersonAssignPostInput', {
      personId: id('Person', P.govA), role: 'PEER_REVIEW_LEAD', schoolId: id('School', S.A), fte: 0.1, startedOn: '2025-09-01',
    });
    expect(message).toMatch(/enlarge your own reach/);
  });

  it("a governor stands down from their own seat; a trust's CEO cannot end a local committee seat (its board appoints it)", async () => {
    await refused('ceoT', 'governorshipEnd', 'GovernorshipEndInput', { governorshipId: id('Governorship', 33), endedOn: '2025-12-31' });
    await allowed('govA2', 'governorshipEnd', 'GovernorshipEndInput', { governorshipId: id('Governorship', 32), endedOn: '2025-12-31' });
  });

  it("a group's board or executive leaders agree its trigger rules; an officer overseeing a cluster does not", async () => {
    const rule = (groupId: string) => ({ kind: 'INSPECTION_DECLINE', name: 'Decline', severity: 'PEER_REVIEW', parameters: {}, groupId });
    await allowed('ceoT', 'triggerRuleCreate', 'TriggerRuleCreateInput', rule(id('Group', G.T)));
    await refused('laOfficer', 'triggerRuleCreate', 'TriggerRuleCreateInput', rule(id('Group', G.K)));
    await refused('lcGov', 'triggerRuleCreate', 'TriggerRuleCreateInput', rule(id('Group', G.T)));
  });
});

describe('mutation payloads are read like any query', () => {
  it('a key with write:people but not read:people creates a person and reads back null, with no error', async () => {
    const result = await app.gqlAs(
      as['key:write:people'],
      `mutation { personCreate(input: { fullName: "Written Not Read", email: "wnr@example.org" }) { person { id fullName email } userErrors { code } } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.personCreate).toEqual({ person: null, userErrors: [] });
    expect(await app.sql(`select 1 from person where full_name = 'Written Not Read'`)).toHaveLength(1);
  });

  it("a trustee who appoints a local governor reads the seat and the person, but not the person's contact details", async () => {
    const result = await app.gqlAs(
      as.trustee,
      `mutation ($input: GoverningBodyAppointGovernorInput!) {
        governingBodyAppointGovernor(input: $input) { governorship { role person { fullName email } } userErrors { code } } }`,
      {
        input: {
          governingBodyId: id('GoverningBody', BODY.LC1),
          person: { fullName: 'Payload Governor', email: 'payload@example.org' },
          role: 'LOCAL_GOVERNOR',
          appointingBody: 'BOARD_APPOINTED',
          termStartedOn: '2025-09-01',
        },
      },
    );
    expect(result.data!.governingBodyAppointGovernor.governorship).toEqual({ role: 'LOCAL_GOVERNOR', person: { fullName: 'Payload Governor', email: null } });
    expect(result.errors!.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});
