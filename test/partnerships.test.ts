import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/core/node';
import { startTestApp, TestApp } from './helpers';

let app: TestApp;

/** URN 200000 + n, for n in 1..60: plain open primary schools to build partnerships from. */
const schoolId = (n: number) => toGlobalId('School', n);

beforeAll(async () => {
  app = await startTestApp();
  await app.sql(`
    insert into school (id, urn, name, phase, establishment_type, status, la_code, la_name)
    select n, 200000 + n, 'Partner School ' || n, 'primary', 'community_school', case when n = 60 then 'closed' else 'open' end, 850, 'Hampshire'
    from generate_series(1, 60) n`);
  await app.sql(`select setval('school_id_seq', 1000)`);
});
afterAll(() => app?.close());

async function count(table: string): Promise<number> {
  const [row] = await app.sql<{ n: string }>(`select count(*) as n from ${table}`);
  return Number(row.n);
}

const GROUP_CREATE = `mutation($input: GroupCreateInput!) {
  groupCreate(input: $input) { group { id name kind status openedOn } userErrors { field message code } }
}`;
const ADD_MEMBER = `mutation($input: GroupAddMemberInput!) {
  groupAddMember(input: $input) { membership { id role joinedOn leftOn school { urn } group { name } } userErrors { field message code } }
}`;
const END_MEMBERSHIP = `mutation($input: MembershipEndInput!) {
  membershipEnd(input: $input) { membership { id leftOn } userErrors { field message code } }
}`;

async function createGroup(name: string, kind: string, openedOn = '2020-09-01'): Promise<string> {
  const { groupCreate } = await app.data(GROUP_CREATE, { input: { name, kind, openedOn } });
  expect(groupCreate.userErrors).toEqual([]);
  return groupCreate.group.id;
}

async function addMember(groupId: string, n: number, joinedOn = '2021-09-01', role = 'MEMBER') {
  return (await app.data(ADD_MEMBER, { input: { groupId, schoolId: schoolId(n), joinedOn, role } })).groupAddMember;
}

describe('groups', () => {
  it('creates a group, open when it has an opening date and proposed without', async () => {
    const open = await app.data(GROUP_CREATE, { input: { name: '  Test Valley Federation ', kind: 'FEDERATION', openedOn: '2019-09-01' } });
    expect(open.groupCreate.group).toMatchObject({ name: 'Test Valley Federation', kind: 'FEDERATION', status: 'OPEN' });
    const proposed = await app.data(GROUP_CREATE, { input: { name: 'Downs Cluster', kind: 'CLUSTER' } });
    expect(proposed.groupCreate.group.status).toBe('PROPOSED');
  });

  it('refuses an empty name, naming the field, and writes nothing', async () => {
    const before = await count('school_group');
    const { groupCreate } = await app.data(GROUP_CREATE, { input: { name: '', kind: 'CLUSTER' } });
    expect(groupCreate.group).toBeNull();
    expect(groupCreate.userErrors).toEqual([{ field: ['input', 'name'], message: 'must be 1 to 255 characters long.', code: 'INVALID' }]);
    expect(await count('school_group')).toBe(before);
  });

  it('refuses a value outside an enum or a malformed date before running', async () => {
    const kind = await app.gql(GROUP_CREATE, { input: { name: 'X', kind: 'COOPERATIVE' } });
    expect(kind.errors?.[0].message).toMatch(/kind/);
    const date = await app.gql(GROUP_CREATE, { input: { name: 'X', kind: 'CLUSTER', openedOn: '2021-02-30' } });
    expect(date.errors?.[0].message).toMatch(/openedOn/);
  });

  it('lists groups by kind in name order, with bounded pages', async () => {
    await createGroup('Alpha Cluster', 'CLUSTER');
    await createGroup('Beta Cluster', 'CLUSTER');
    const query = `query($after: String) { groups(kind: [CLUSTER], first: 1, after: $after) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`;
    const first = await app.data(query);
    expect(first.groups.edges.map((e: any) => e.node.name)).toEqual(['Alpha Cluster']);
    expect(first.groups.totalCount).toBe(3);
    const second = await app.data(query, { after: first.groups.pageInfo.endCursor });
    expect(second.groups.edges.map((e: any) => e.node.name)).toEqual(['Beta Cluster']);
    const wrong = await app.gql(`{ groups(first: 101) { totalCount } }`);
    expect(wrong.errors?.[0].extensions?.argument).toBe('first');
  });

  it('updates a group but will not close it that way', async () => {
    const id = await createGroup('Renamed Later', 'CLUSTER');
    const update = `mutation($input: GroupUpdateInput!) { groupUpdate(input: $input) { group { name formation } userErrors { field message code } } }`;
    const ok = await app.data(update, { input: { groupId: id, name: 'Renamed Now', formation: 'SELF_GENERATED' } });
    expect(ok.groupUpdate.group).toEqual({ name: 'Renamed Now', formation: 'SELF_GENERATED' });
    const refused = await app.data(update, { input: { groupId: id, status: 'CLOSED' } });
    expect(refused.groupUpdate.userErrors[0].field).toEqual(['input', 'status']);
    const unknown = await app.data(update, { input: { groupId: toGlobalId('Group', 99999), name: 'x' } });
    expect(unknown.groupUpdate.userErrors[0]).toMatchObject({ field: ['input', 'groupId'], code: 'NOT_FOUND' });
    const wrongType = await app.data(update, { input: { groupId: schoolId(1), name: 'x' } });
    expect(wrongType.groupUpdate.userErrors[0]).toMatchObject({ field: ['input', 'groupId'], message: 'is not the ID of a Group.' });
  });
});

describe('memberships', () => {
  it('keeps a school in one federation at a time, and keeps history when it moves', async () => {
    const north = await createGroup('North Federation', 'FEDERATION');
    const south = await createGroup('South Federation', 'FEDERATION');
    const joined = await addMember(north, 1, '2021-09-01', 'LEAD');
    expect(joined.userErrors).toEqual([]);
    expect(joined.membership).toMatchObject({ role: 'LEAD', joinedOn: '2021-09-01', leftOn: null, school: { urn: 200001 } });

    const before = await count('membership');
    const clash = await addMember(south, 1, '2022-01-01');
    expect(clash.membership).toBeNull();
    expect(clash.userErrors).toEqual([
      {
        field: ['input', 'schoolId'],
        message: 'the school is already in a federation on these dates; a school can be in only one at a time.',
        code: 'CONFLICT',
      },
    ]);
    expect(await count('membership')).toBe(before);

    const ended = await app.data(END_MEMBERSHIP, { input: { membershipId: joined.membership.id, leftOn: '2022-08-31' } });
    expect(ended.membershipEnd.membership.leftOn).toBe('2022-08-31');
    expect((await addMember(south, 1, '2022-09-01')).userErrors).toEqual([]);

    const history = await app.data(
      `query($n: Int!) { school(urn: $n) {
      current: memberships { group { name } }
      all: memberships(includeFormer: true) { group { name } joinedOn leftOn }
    } }`,
      { n: 200001 },
    );
    expect(history.school.current.map((m: any) => m.group.name)).toEqual(['South Federation']);
    expect(history.school.all).toEqual([
      { group: { name: 'South Federation' }, joinedOn: '2022-09-01', leftOn: null },
      { group: { name: 'North Federation' }, joinedOn: '2021-09-01', leftOn: '2022-08-31' },
    ]);
  });

  it('allows one multi-academy trust at a time, alongside a cluster', async () => {
    const trustA = await createGroup('Solent Learning Trust', 'MULTI_ACADEMY_TRUST');
    const trustB = await createGroup('Forest Academies Trust', 'MULTI_ACADEMY_TRUST');
    const cluster = await createGroup('Test Valley Cluster', 'CLUSTER');
    expect((await addMember(trustA, 2)).userErrors).toEqual([]);
    expect((await addMember(cluster, 2)).userErrors).toEqual([]);
    const second = await addMember(trustB, 2, '2023-01-01');
    expect(second.userErrors[0].message).toMatch(/already in a multi-academy trust/);
  });

  it('refuses to end a membership before it began, or twice', async () => {
    const group = await createGroup('Short Lived Cluster', 'CLUSTER');
    const { membership } = await addMember(group, 3, '2021-09-01');
    const early = await app.data(END_MEMBERSHIP, { input: { membershipId: membership.id, leftOn: '2021-08-31' } });
    expect(early.membershipEnd.userErrors).toEqual([
      { field: ['input', 'leftOn'], message: 'must not be before the school joined (2021-09-01).', code: 'INVALID' },
    ]);
    await app.data(END_MEMBERSHIP, { input: { membershipId: membership.id, leftOn: '2022-07-31' } });
    const twice = await app.data(END_MEMBERSHIP, { input: { membershipId: membership.id, leftOn: '2023-07-31' } });
    expect(twice.membershipEnd.userErrors[0]).toMatchObject({ field: ['input', 'membershipId'], code: 'CONFLICT' });
  });

  it('refuses closed schools, joining before the group opened, and closed groups', async () => {
    const group = await createGroup('Strict Cluster', 'CLUSTER', '2021-01-01');
    expect((await addMember(group, 60)).userErrors[0]).toMatchObject({ field: ['input', 'schoolId'], code: 'CONFLICT' });
    expect((await addMember(group, 4, '2020-12-31')).userErrors[0].field).toEqual(['input', 'joinedOn']);
    expect((await addMember(group, 4, '2021-01-01')).userErrors).toEqual([]);

    const close = `mutation($input: GroupCloseInput!) { groupClose(input: $input) { group { status closedOn } userErrors { field message } } }`;
    const closed = await app.data(close, { input: { groupId: group, closedOn: '2024-08-31' } });
    expect(closed.groupClose.group).toEqual({ status: 'CLOSED', closedOn: '2024-08-31' });
    const [row] = await app.sql(`select left_on::text from membership where school_id = 4`);
    expect(row.left_on).toBe('2024-08-31');
    expect((await addMember(group, 5)).userErrors[0].message).toMatch(/is closed/);
    const again = await app.data(close, { input: { groupId: group, closedOn: '2024-09-01' } });
    expect(again.groupClose.userErrors[0].message).toMatch(/is closed/);
  });
});

describe('group links', () => {
  it('links a hub to a trust once, and never to itself', async () => {
    const hub = await createGroup('Wessex Teaching School Hub', 'TEACHING_SCHOOL_HUB');
    const trust = await createGroup('Itchen Trust', 'MULTI_ACADEMY_TRUST');
    const link = `mutation($input: GroupLinkCreateInput!) { groupLinkCreate(input: $input) { groupLink { kind fromGroup { name } toGroup { name } } userErrors { field message } } }`;
    const ok = await app.data(link, { input: { fromGroupId: hub, toGroupId: trust, kind: 'HUB_SERVES', startedOn: '2021-09-01' } });
    expect(ok.groupLinkCreate.groupLink).toEqual({
      kind: 'HUB_SERVES',
      fromGroup: { name: 'Wessex Teaching School Hub' },
      toGroup: { name: 'Itchen Trust' },
    });
    const dup = await app.data(link, { input: { fromGroupId: hub, toGroupId: trust, kind: 'HUB_SERVES', startedOn: '2022-09-01' } });
    expect(dup.groupLinkCreate.userErrors).toEqual([
      { field: ['input', 'toGroupId'], message: 'these groups are already linked this way.' },
    ]);
    const self = await app.data(link, { input: { fromGroupId: hub, toGroupId: hub, kind: 'PARTNERS_WITH', startedOn: '2022-09-01' } });
    expect(self.groupLinkCreate.userErrors[0].message).toBe('a group cannot be linked to itself.');
    const links = await app.data(`query($id: ID!) { group(id: $id) { links { kind toGroup { name } } } }`, { id: trust });
    expect(links.group.links).toEqual([{ kind: 'HUB_SERVES', toGroup: { name: 'Itchen Trust' } }]);
  });
});

describe('governance', () => {
  const CREATE_BODY = `mutation($input: GoverningBodyCreateInput!) { governingBodyCreate(input: $input) { governingBody { id name kind } userErrors { field message code } } }`;
  const APPOINT = `mutation($input: GoverningBodyAppointGovernorInput!) {
    governingBodyAppointGovernor(input: $input) { governorship { id role appointingBody termStartedOn termEndsOn person { id fullName } } userErrors { field message code } }
  }`;

  it('checks that a body fits what it governs', async () => {
    const cluster = await createGroup('Not A Federation', 'CLUSTER');
    const wrongKind = await app.data(CREATE_BODY, { input: { name: 'GB', kind: 'FEDERATION', groupId: cluster } });
    expect(wrongKind.governingBodyCreate.userErrors[0]).toMatchObject({
      field: ['input', 'groupId'],
      message: 'must be a federation for a FEDERATION body.',
    });
    const schoolWithGroup = await app.data(CREATE_BODY, { input: { name: 'GB', kind: 'SCHOOL', schoolId: schoolId(7), groupId: cluster } });
    expect(schoolWithGroup.governingBodyCreate.userErrors[0].field).toEqual(['input', 'groupId']);
    const missing = await app.data(CREATE_BODY, { input: { name: 'GB', kind: 'SCHOOL' } });
    expect(missing.governingBodyCreate.userErrors[0]).toMatchObject({
      field: ['input', 'schoolId'],
      message: 'is required for a school body.',
    });
    const trust = await createGroup('Committee Trust', 'MULTI_ACADEMY_TRUST');
    const notMember = await app.data(CREATE_BODY, {
      input: { name: 'LGC', kind: 'LOCAL_COMMITTEE', schoolId: schoolId(8), groupId: trust },
    });
    expect(notMember.governingBodyCreate.userErrors[0].message).toMatch(/is not a current member/);
  });

  it('appoints a new governor, and rolls the new person back with a bad term', async () => {
    const { governingBodyCreate } = await app.data(CREATE_BODY, {
      input: { name: 'Partner School 9 GB', kind: 'SCHOOL', schoolId: schoolId(9) },
    });
    const body = governingBodyCreate.governingBody.id;
    const people = await count('person');
    const bad = await app.data(APPOINT, {
      input: {
        governingBodyId: body,
        person: { fullName: 'Ada Lovelace' },
        role: 'GOVERNOR',
        appointingBody: 'PARENT_ELECTED',
        termStartedOn: '2024-09-01',
        termEndsOn: '2024-08-31',
      },
    });
    expect(bad.governingBodyAppointGovernor.userErrors).toEqual([
      { field: ['input', 'termEndsOn'], message: 'must not be before the term starts.', code: 'INVALID' },
    ]);
    const badEmail = await app.data(APPOINT, {
      input: {
        governingBodyId: body,
        person: { fullName: 'Ada', email: 'nope' },
        role: 'GOVERNOR',
        appointingBody: 'CO_OPTED',
        termStartedOn: '2024-09-01',
      },
    });
    expect(badEmail.governingBodyAppointGovernor.userErrors[0]).toMatchObject({
      field: ['input', 'person', 'email'],
      message: 'must be an email address.',
    });
    expect(await count('person')).toBe(people);

    const good = await app.data(APPOINT, {
      input: {
        governingBodyId: body,
        person: { fullName: 'Ada Lovelace', email: 'ada@example.org' },
        role: 'CHAIR_OF_GOVERNORS',
        appointingBody: 'PARENT_ELECTED',
        termStartedOn: '2024-09-01',
        termEndsOn: '2028-08-31',
      },
    });
    const seat = good.governingBodyAppointGovernor.governorship;
    expect(seat).toMatchObject({
      role: 'CHAIR_OF_GOVERNORS',
      appointingBody: 'PARENT_ELECTED',
      termEndsOn: '2028-08-31',
      person: { fullName: 'Ada Lovelace' },
    });
    const twice = await app.data(APPOINT, {
      input: { governingBodyId: body, personId: seat.person.id, role: 'GOVERNOR', appointingBody: 'CO_OPTED', termStartedOn: '2025-01-01' },
    });
    expect(twice.governingBodyAppointGovernor.userErrors[0]).toMatchObject({ field: ['input', 'personId'], code: 'CONFLICT' });

    const END = `mutation($input: GovernorshipEndInput!) { governorshipEnd(input: $input) { governorship { endedOn } userErrors { field message } } }`;
    const early = await app.data(END, { input: { governorshipId: seat.id, endedOn: '2024-01-01' } });
    expect(early.governorshipEnd.userErrors[0].field).toEqual(['input', 'endedOn']);
    const ended = await app.data(END, { input: { governorshipId: seat.id, endedOn: '2025-03-31' } });
    expect(ended.governorshipEnd.governorship.endedOn).toBe('2025-03-31');

    const seats = await app.data(`{ school(urn: 200009) { governingBodies { name
      current: governors { totalCount }
      all: governors(includeFormer: true) { totalCount edges { node { endedOn person { fullName } } } } } } }`);
    expect(seats.school.governingBodies[0]).toMatchObject({ current: { totalCount: 0 }, all: { totalCount: 1 } });
  });
});

describe('staff and support', () => {
  const ASSIGN = `mutation($input: PersonAssignPostInput!) { personAssignPost(input: $input) { post { id role fte school { urn } } userErrors { field message code } } }`;

  it('marks a person with posts in two schools as shared staff', async () => {
    const { personCreate } = await app.data(
      `mutation { personCreate(input: { fullName: "Grace Hopper" }) { person { id } userErrors { message } } }`,
    );
    const personId = personCreate.person.id;
    for (const n of [10, 11]) {
      const { personAssignPost } = await app.data(ASSIGN, {
        input: { personId, role: 'SENCO', schoolId: schoolId(n), fte: 0.5, startedOn: '2023-09-01' },
      });
      expect(personAssignPost.userErrors).toEqual([]);
    }
    const over = await app.data(ASSIGN, {
      input: { personId, role: 'TEACHER', schoolId: schoolId(12), fte: 0.2, startedOn: '2023-09-01' },
    });
    expect(over.personAssignPost.userErrors[0]).toMatchObject({ field: ['input', 'fte'], code: 'CONFLICT' });
    const both = await app.data(ASSIGN, {
      input: { personId, role: 'TEACHER', schoolId: schoolId(12), groupId: toGlobalId('Group', 1), startedOn: '2023-09-01' },
    });
    expect(both.personAssignPost.userErrors[0].message).toBe('give exactly one of schoolId and groupId.');
    const fte = await app.data(ASSIGN, { input: { personId, role: 'TEACHER', schoolId: schoolId(12), fte: 1.5, startedOn: '2023-09-01' } });
    expect(fte.personAssignPost.userErrors[0]).toMatchObject({ field: ['input', 'fte'], code: 'INVALID' });

    const staff = await app.data(
      `{ school(urn: 200010) { staff { edges { node { role fte person { fullName isSharedStaff } sharedWith { urn } } } } } }`,
    );
    expect(staff.school.staff.edges).toEqual([
      { node: { role: 'SENCO', fte: 0.5, person: { fullName: 'Grace Hopper', isSharedStaff: true }, sharedWith: [{ urn: 200011 }] } },
    ]);
  });

  it('records support and the staff days delivered, up to what was committed', async () => {
    const CREATE = `mutation($input: SupportLinkCreateInput!) { supportLinkCreate(input: $input) { supportLink { id staffDaysCommitted staffDaysDelivered } userErrors { field message } } }`;
    const self = await app.data(CREATE, {
      input: { giverId: schoolId(13), receiverId: schoolId(13), area: 'LITERACY', staffDaysCommitted: 5, startedOn: '2024-01-01' },
    });
    expect(self.supportLinkCreate.userErrors).toEqual([{ field: ['input', 'receiverId'], message: 'a school cannot support itself.' }]);
    const negative = await app.data(CREATE, {
      input: { giverId: schoolId(13), receiverId: schoolId(14), area: 'LITERACY', staffDaysCommitted: -1, startedOn: '2024-01-01' },
    });
    expect(negative.supportLinkCreate.userErrors[0].field).toEqual(['input', 'staffDaysCommitted']);
    const { supportLinkCreate } = await app.data(CREATE, {
      input: { giverId: schoolId(13), receiverId: schoolId(14), area: 'LITERACY', staffDaysCommitted: 5, startedOn: '2024-01-01' },
    });
    const id = supportLinkCreate.supportLink.id;
    const DELIVER = `mutation($input: SupportLinkRecordDeliveryInput!) { supportLinkRecordDelivery(input: $input) { supportLink { staffDaysDelivered } userErrors { field message code } } }`;
    expect(
      (await app.data(DELIVER, { input: { supportLinkId: id, staffDays: 2.5 } })).supportLinkRecordDelivery.supportLink.staffDaysDelivered,
    ).toBe(2.5);
    const over = await app.data(DELIVER, { input: { supportLinkId: id, staffDays: 3 } });
    expect(over.supportLinkRecordDelivery.userErrors[0]).toMatchObject({ field: ['input', 'staffDays'], code: 'CONFLICT' });
    const zero = await app.data(DELIVER, { input: { supportLinkId: id, staffDays: 0 } });
    expect(zero.supportLinkRecordDelivery.userErrors[0].field).toEqual(['input', 'staffDays']);
    const seen = await app.data(
      `{ school(urn: 200014) { supportReceived { totalCount edges { node { area staffDaysDelivered giver { urn } } } } } }`,
    );
    expect(seen.school.supportReceived).toEqual({
      totalCount: 1,
      edges: [{ node: { area: 'LITERACY', staffDaysDelivered: 2.5, giver: { urn: 200013 } } }],
    });
  });
});

describe('database invariants hold even without the API', () => {
  it('refuses a duplicate URN, a second trust, and a term that ends before it starts', async () => {
    await expect(
      app.sql(`insert into school (urn, name, phase, establishment_type) values (200001, 'Dup', 'primary', 'other')`),
    ).rejects.toMatchObject({ constraint: 'school_urn_unique' });
    await app.sql(
      `insert into school_group (id, name, kind, status) values (9001, 'T1', 'multi_academy_trust', 'open'), (9002, 'T2', 'multi_academy_trust', 'open')`,
    );
    await app.sql(
      `insert into membership (school_id, group_id, group_kind, role, joined_on) values (20, 9001, 'multi_academy_trust', 'member', '2020-01-01')`,
    );
    await expect(
      app.sql(
        `insert into membership (school_id, group_id, group_kind, role, joined_on) values (20, 9002, 'multi_academy_trust', 'member', '2021-01-01')`,
      ),
    ).rejects.toMatchObject({ constraint: 'membership_one_multi_academy_trust_at_a_time' });
    await expect(
      app.sql(
        `insert into membership (school_id, group_id, group_kind, role, joined_on, left_on) values (21, 9002, 'multi_academy_trust', 'member', '2021-01-01', '2020-01-01')`,
      ),
    ).rejects.toMatchObject({ constraint: 'membership_dates_order' });
    await app.sql(`insert into person (id, full_name) values (9001, 'P')`);
    await app.sql(`insert into governing_body (id, name, kind, school_id) values (9001, 'GB', 'school', 21)`);
    await expect(
      app.sql(
        `insert into governorship (person_id, governing_body_id, role, appointing_body, term_started_on, term_ends_on) values (9001, 9001, 'governor', 'co_opted', '2022-01-01', '2021-01-01')`,
      ),
    ).rejects.toMatchObject({ constraint: 'governorship_term_order' });
  });
});

describe('node and nodes', () => {
  it('fetches any object by its global ID, and null for unknown ones', async () => {
    const id = await createGroup('Node Cluster', 'CLUSTER');
    const result = await app.data(`query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }`, {
      ids: [id, schoolId(1), toGlobalId('School', 99999), 'garbage', toGlobalId('Nope', 1)],
    });
    expect(result.nodes).toEqual([{ id, __typename: 'Group' }, { id: schoolId(1), __typename: 'School' }, null, null, null]);
    const tooMany = await app.gql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, {
      ids: Array.from({ length: 101 }, (_, i) => schoolId(i + 1)),
    });
    expect(tooMany.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'ids' });
  });
});
