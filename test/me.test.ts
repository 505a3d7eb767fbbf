import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/auth/api-keys';
import { globalId, recordMeasure } from './alert-fixtures';
import { startTestApp, TestApp, tokenFor } from './helpers';
import { buildPartnership, Partnership } from './review-fixtures';

/*
 * `me`, "what is mine to do" (issue 11 item 5), and Group.leaders for every kind of group, on the review
 * fixture (a trust of A, B and C; a cluster of A and E) plus a federation whose executive head holds a
 * post in each school and a cluster with an executive lead posted on it.
 */

const ME = `query {
  me {
    person { fullName }
    posts { role school { urn } group { name } }
    governorships { role governingBody { name } }
    reach { admin roles localAuthorityCodes schools(first: 10) { totalCount edges { node { school { urn } authority via } } } groups { group { name } authority } }
    openAlerts(first: 10) { totalCount edges { node { status school { urn } } } }
    peerReviews(first: 10) { totalCount edges { node { id status school { urn } } } }
    actionsDue(first: 10) { totalCount edges { node { description dueOn overdue } } }
    executiveOverview {
      groups { name }
      openCases(first: 10) { totalCount edges { node { id school { urn } } } }
      openReviews(first: 10) { totalCount edges { node { id status } } }
      overdueActions(first: 10) { totalCount edges { node { description } } }
    }
  }
}`;

describe('me: what is mine to do', () => {
  let app: TestApp;
  let p: Partnership;
  const urn = 880000;
  let reviewId: string;
  let caseId: string;

  beforeAll(async () => {
    app = await startTestApp();
    p = await buildPartnership(app, urn, 'Mine Trust');
    // A live review of A by the trust, led by headB with leadC; three actions for leadC: overdue, due soon, due next year.
    const scheduled = await app.data(
      `mutation ($input: PeerReviewScheduleInput!) { peerReviewSchedule(input: $input) { peerReview { id } userErrors { message } } }`,
      { input: { groupId: p.ids.trust, schoolId: p.ids.a, startsOn: '2025-10-01', leadReviewerId: p.person('headB'), reviewerIds: [p.person('leadC')] } },
    );
    reviewId = scheduled.peerReviewSchedule.peerReview.id;
    await app.data(`mutation { peerReviewStatusUpdate(input: { peerReviewId: "${reviewId}", status: IN_PROGRESS, on: "2025-10-02" }) { userErrors { message } } }`);
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    for (const [description, dueOn] of [
      ['Overdue: share the reading plan', '2025-11-01'],
      ['Soon: model a phonics lesson', inDays(10)],
      ['Later: moderate writing', inDays(200)],
    ])
      await app.data(
        `mutation ($input: PeerReviewActionAddInput!) { peerReviewActionAdd(input: $input) { userErrors { message } } }`,
        { input: { peerReviewId: reviewId, description, ownerId: p.person('leadC'), dueOn } },
      );
    const opened = await app.data(
      `mutation ($input: InterventionCaseOpenInput!) { interventionCaseOpen(input: $input) { interventionCase { id } userErrors { message } } }`,
      { input: { schoolId: p.ids.a, supportingGroupId: p.ids.trust, leadId: p.person('ceo'), concern: 'Reading' } },
    );
    caseId = opened.interventionCaseOpen.interventionCase.id;
    // An open alert at A (below the 65% KS2 floor), and one at B acknowledged.
    await recordMeasure(app.orm, p.schools.a, 48, { year: '2025/26' });
    await recordMeasure(app.orm, p.schools.b, 47, { year: '2025/26' });
    const [atB] = await app.sql<{ id: number }>(`select id from alert where school_id = $1`, [p.schools.b]);
    await app.data(`mutation ($id: ID!) { alertAcknowledge(input: { alertId: $id }) { userErrors { message } } }`, { id: globalId('Alert', atB.id) });
  });
  afterAll(async () => {
    await app?.close();
  });

  const me = async (who: keyof Partnership['people']) => {
    const result = await app.gqlAs(await p.as(who), ME);
    expect(result.errors, who).toBeUndefined();
    return result.data!.me;
  };

  it("a trust CEO: their post, the trust and its schools as leader, the trust's open alert, and every open case, review and overdue action", async () => {
    const ceo = await me('ceo');
    expect(ceo.person).toEqual({ fullName: 'Chief Executive (Mine Trust)' });
    expect(ceo.posts).toEqual([{ role: 'CEO', school: null, group: { name: 'Mine Trust' } }]);
    expect(ceo.governorships).toEqual([]);
    expect(ceo.reach).toMatchObject({ admin: false, roles: [], localAuthorityCodes: [] });
    expect(ceo.reach.groups).toEqual([{ group: { name: 'Mine Trust' }, authority: 'LEADER' }]);
    expect(ceo.reach.schools.edges.map(({ node: s }: any) => [s.school.urn, s.authority, s.via])).toEqual([
      [urn, 'LEADER', 'Mine Trust'],
      [urn + 1, 'LEADER', 'Mine Trust'],
      [urn + 2, 'LEADER', 'Mine Trust'],
    ]);
    // Open means not yet acknowledged: A's (KS2 below the floor, and the overdue action), not B's.
    expect(ceo.openAlerts.edges.map((e: any) => [e.node.school.urn, e.node.status])).toEqual([
      [urn, 'OPEN'],
      [urn, 'OPEN'],
    ]);
    expect(ceo.peerReviews.totalCount).toBe(0); // not on the team
    expect(ceo.executiveOverview.groups).toEqual([{ name: 'Mine Trust' }]);
    expect(ceo.executiveOverview.openCases.edges).toEqual([{ node: { id: caseId, school: { urn } } }]);
    expect(ceo.executiveOverview.openReviews.edges).toEqual([{ node: { id: reviewId, status: 'IN_PROGRESS' } }]);
    expect(ceo.executiveOverview.overdueActions.edges).toEqual([{ node: { description: 'Overdue: share the reading plan' } }]);
  });

  it('a reviewer from a partner school: the review they are on and the actions they own that are due (overdue ones first), not those due later', async () => {
    const reviewer = await me('leadC');
    expect(reviewer.posts).toEqual([{ role: 'PEER_REVIEW_LEAD', school: { urn: urn + 2 }, group: null }]);
    expect(reviewer.peerReviews.edges).toEqual([{ node: { id: reviewId, status: 'IN_PROGRESS', school: { urn } } }]);
    expect(reviewer.actionsDue.edges.map((e: any) => [e.node.description, e.node.overdue])).toEqual([
      ['Overdue: share the reading plan', true],
      ['Soon: model a phonics lesson', false],
    ]);
    // A partner's review lead receives the trust's other schools' alerts, and nothing else of them.
    expect(reviewer.reach.schools.edges.map(({ node: s }: any) => [s.school.urn, s.authority])).toEqual([
      [urn, 'ALERTS'],
      [urn + 1, 'ALERTS'],
    ]);
    expect(reviewer.openAlerts.edges.map((e: any) => e.node.school.urn)).toEqual([urn, urn]);
    expect(reviewer.executiveOverview).toBeNull();
    const later = await app.gqlAs(await p.as('leadC'), `{ me { actionsDue(first: 10, withinDays: 365) { totalCount } } }`);
    expect(later.data!.me.actionsDue.totalCount).toBe(3);
    const bad = await app.gqlAs(await p.as('leadC'), `{ me { actionsDue(first: 10, withinDays: -1) { totalCount } } }`);
    expect(bad.errors![0]).toMatchObject({ message: 'withinDays must be a whole number from 0 to 3660; got -1.', extensions: { code: 'BAD_USER_INPUT' } });
    const tooMany = await app.gqlAs(await p.as('leadC'), `{ me { peerReviews(first: 101) { totalCount } } }`);
    expect(tooMany.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });

  it("a local governor: their seat, their school's open alert; a teacher: their own post and nothing else; someone with neither: only themselves", async () => {
    const governor = await me('governorA');
    expect(governor.posts).toEqual([]);
    expect(governor.governorships).toEqual([{ role: 'LOCAL_GOVERNOR', governingBody: { name: 'Mine Trust School A Local Committee' } }]);
    expect(governor.reach.schools.edges.map(({ node: s }: any) => [s.school.urn, s.authority])).toEqual([[urn, 'COMMITTEE']]);
    expect(governor.openAlerts.edges.map((e: any) => e.node.school.urn)).toEqual([urn, urn]);
    expect(governor.executiveOverview).toBeNull();

    const teacher = await me('teacherA');
    expect(teacher.posts).toEqual([{ role: 'TEACHER', school: { urn }, group: null }]);
    expect(teacher.reach.schools).toEqual({ totalCount: 0, edges: [] });
    expect(teacher.openAlerts.totalCount).toBe(0);
    expect(teacher.peerReviews.totalCount).toBe(0);

    const nobody = await me('nobody');
    expect(nobody).toMatchObject({ person: { fullName: 'No Post (Mine Trust)' }, posts: [], governorships: [], executiveOverview: null });
    expect(nobody.reach).toMatchObject({ schools: { totalCount: 0, edges: [] }, groups: [] });
  });

  it('a reviewer pages their actions with cursors; finished reviews only when asked', async () => {
    const first = await app.gqlAs(await p.as('leadC'), `{ me { actionsDue(first: 1) { totalCount edges { node { description } } pageInfo { hasNextPage endCursor } } } }`);
    const page = first.data!.me.actionsDue;
    expect(page).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true } });
    const second = await app.gqlAs(await p.as('leadC'), `query ($after: String) { me { actionsDue(first: 1, after: $after) { edges { node { description } } pageInfo { hasNextPage } } } }`, {
      after: page.pageInfo.endCursor,
    });
    expect(second.data!.me.actionsDue).toEqual({ edges: [{ node: { description: 'Soon: model a phonics lesson' } }], pageInfo: { hasNextPage: false } });
    const foreign = await app.gqlAs(await p.as('leadC'), `query ($after: String) { me { peerReviews(first: 1, after: $after) { totalCount } } }`, {
      after: page.pageInfo.endCursor,
    });
    expect(foreign.errors![0].extensions!.code).toBe('BAD_USER_INPUT');
  });

  it("a local authority officer's reach is every school of the authority, paged by name", async () => {
    await app.sql(`update school set la_code = 990 where urn between $1 and $2`, [urn, urn + 4]);
    const [officer] = await app.sql<{ id: number }>(`insert into person (full_name) values ('Officer 990') returning id`);
    await app.sql(`insert into role_grant (person_id, role, la_code) values ($1, 'la_officer', 990)`, [officer.id]);
    const token = `Bearer ${await tokenFor(officer.id)}`;
    const REACH = `query ($after: String) { me { reach { roles localAuthorityCodes schools(first: 2, after: $after) {
      totalCount edges { node { school { urn } authority } } pageInfo { hasNextPage endCursor } } } } }`;
    const first = (await app.gqlAs(token, REACH)).data!.me.reach;
    expect(first).toMatchObject({ roles: ['la_officer'], localAuthorityCodes: [990] });
    expect(first.schools.totalCount).toBe(5);
    const urns: number[] = first.schools.edges.map((e: any) => e.node.school.urn);
    let cursor = first.schools.pageInfo.endCursor;
    for (let more = first.schools.pageInfo.hasNextPage; more; ) {
      const next = (await app.gqlAs(token, REACH, { after: cursor })).data!.me.reach.schools;
      urns.push(...next.edges.map((e: any) => e.node.school.urn));
      expect(next.edges.every((e: any) => e.node.authority === 'OFFICER')).toBe(true);
      cursor = next.pageInfo.endCursor;
      more = next.pageInfo.hasNextPage;
    }
    expect(urns.sort()).toEqual([urn, urn + 1, urn + 2, urn + 3, urn + 4]);
  });

  it('is null for an anonymous caller and for an API key, whatever its scopes', async () => {
    const anonymous = await app.gqlAs(undefined, `{ me { person { fullName } } }`);
    expect(anonymous).toEqual({ data: { me: null } });
    const key = await createApiKey(app.orm.em.fork(), 'me test', ['read:people', 'read:alerts', 'read:governance']);
    const asKey = await app.gqlAs(`Bearer ${key.key}`, `{ me { person { fullName } } }`);
    expect(asKey).toEqual({ data: { me: null } });
  });
});

describe('Group.leaders, for every kind of group', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
    await app.sql(`
      insert into school (id, urn, name, phase, establishment_type) values
        (1, 881001, 'Fed One', 'primary', 'community_school'), (2, 881002, 'Fed Two', 'primary', 'community_school'),
        (3, 881003, 'Cluster Three', 'primary', 'community_school');
      insert into school_group (id, name, kind, status, opened_on) values
        (10, 'Leaders Federation', 'federation', 'open', '2019-09-01'), (11, 'Leaders Cluster', 'cluster', 'open', '2019-09-01'),
        (12, 'Leaders Hub', 'teaching_school_hub', 'open', '2019-09-01');
      insert into membership (school_id, group_id, group_kind, role, joined_on) values
        (1, 10, 'federation', 'lead', '2019-09-01'), (2, 10, 'federation', 'member', '2019-09-01'),
        (1, 11, 'cluster', 'member', '2019-09-01'), (3, 11, 'cluster', 'member', '2019-09-01');
      insert into governing_body (id, name, kind, group_id) values (20, 'Leaders Federation GB', 'federation', 10);
      insert into person (id, full_name) values (100, 'Exec Head'), (101, 'Cluster Lead'), (102, 'Business Manager'), (103, 'Former Exec'), (104, 'Chair'), (105, 'Hub CEO');
      insert into post (person_id, role, school_id, group_id, fte, started_on, ended_on) values
        (100, 'executive_head', 1, null, 0.5, '2020-09-01', null), (100, 'executive_head', 2, null, 0.5, '2020-09-01', null),
        (101, 'executive_head', null, 11, 0.2, '2020-09-01', null), (102, 'business_manager', null, 10, 1, '2020-09-01', null),
        (103, 'executive_head', null, 10, 1, '2015-09-01', '2020-08-31'), (105, 'ceo', null, 12, 1, '2021-09-01', null);
      insert into governorship (person_id, governing_body_id, role, appointing_body, term_started_on) values (104, 20, 'chair_of_governors', 'co_opted', '2022-09-01');
    `);
  });
  afterAll(async () => {
    await app?.close();
  });

  const leaders = async (groupId: number) =>
    (await app.data(`query ($id: ID!) { group(id: $id) { leaders { role person { fullName } school { urn } group { name } } } }`, { id: globalId('Group', groupId) }))
      .group.leaders;

  it("a federation's executive head posted at each school is listed once; a former head and central staff are not", async () => {
    expect(await leaders(10)).toEqual([{ role: 'EXECUTIVE_HEAD', person: { fullName: 'Exec Head' }, school: { urn: 881001 }, group: null }]);
  });

  it("a cluster's and a hub's executive leads posted on the group; a member school's federation head is not the cluster's leader", async () => {
    expect(await leaders(11)).toEqual([{ role: 'EXECUTIVE_HEAD', person: { fullName: 'Cluster Lead' }, school: null, group: { name: 'Leaders Cluster' } }]);
    expect(await leaders(12)).toEqual([{ role: 'CEO', person: { fullName: 'Hub CEO' }, school: null, group: { name: 'Leaders Hub' } }]);
  });

  it("the federation's chair sees its leaders; and the executive head's `me` shows the federation they lead", async () => {
    const chair = await app.gqlAs(`Bearer ${await tokenFor(104)}`, `query ($id: ID!) { group(id: $id) { leaders { person { fullName } } } }`, { id: globalId('Group', 10) });
    expect(chair.data!.group.leaders).toEqual([{ person: { fullName: 'Exec Head' } }]);
    const head = await app.gqlAs(`Bearer ${await tokenFor(100)}`, `{ me { reach { groups { group { name } authority } } executiveOverview { groups { name } openCases(first: 5) { totalCount } } } }`);
    expect(head.data!.me).toEqual({
      reach: { groups: [{ group: { name: 'Leaders Federation' }, authority: 'LEADER' }] },
      executiveOverview: { groups: [{ name: 'Leaders Federation' }], openCases: { totalCount: 0 } },
    });
  });
});
