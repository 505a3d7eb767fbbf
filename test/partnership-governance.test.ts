import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTimeBasedRules } from '../src/alerts/sweep';
import { judge, ObjectiveProgressStatus } from '../src/analytics/progress';
import { collect, connected, globalId, LAST_YEAR, recordMeasure, wsClient, YEAR_BEFORE } from './alert-fixtures';
import { startTestApp, TestApp, tokenFor, wsUrlOf } from './helpers';
import { buildPartnership, Partnership } from './review-fixtures';

/**
 * Partnership governance (issue 11 item 3), through the GraphQL API of a real server: leaving a trust by
 * mutual consent, agreed triggers, and objective progress from the outcome measures. Every refusal is
 * named, and a refused change writes nothing.
 */

const REQUEST_FIELDS = `id status reason effectiveOn requestedOn withdrawalReason school { id } group { id }
  schoolBody { id } groupBody { id } membership { id leftOn }
  decisions { decision reason party governingBody { id } decidedBy }`;
const REQUEST = `mutation ($input: MembershipLeaveRequestInput!) { membershipLeaveRequest(input: $input) {
  leaveRequest { ${REQUEST_FIELDS} } membership { id leftOn } userErrors { field message code } } }`;
const DECIDE = `mutation ($input: MembershipLeaveDecideInput!) { membershipLeaveDecide(input: $input) {
  leaveRequest { ${REQUEST_FIELDS} } membership { id leftOn } userErrors { field message code } } }`;
const WITHDRAW = `mutation ($input: MembershipLeaveWithdrawInput!) { membershipLeaveWithdraw(input: $input) {
  leaveRequest { ${REQUEST_FIELDS} } userErrors { field message code } } }`;
const RULE_CREATE = `mutation ($input: TriggerRuleCreateInput!) { triggerRuleCreate(input: $input) { triggerRule { id version needsAgreement } userErrors { field message code } } }`;
const RULE_UPDATE = `mutation ($input: TriggerRuleUpdateInput!) { triggerRuleUpdate(input: $input) { triggerRule { id version } userErrors { field message code } } }`;
const AGREE = `mutation ($input: TriggerRuleAgreeInput!) { triggerRuleAgree(input: $input) {
  agreement { version severity agreedAt agreedBy parameters { threshold } school { id } governingBody { id } }
  triggerRule { id version } userErrors { field message code } } }`;
const EVENTS = `subscription { partnershipEvents { cursor kind summary forYou subjectId school { id } } }`;

const today = () => new Date().toISOString().slice(0, 10);
const daysFrom = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const idOf = (globalId: string) => Number(Buffer.from(globalId, 'base64url').toString().split(':')[1]);

type Who = keyof Partnership['people'] | 'admin' | 'trustee' | 'governorB';

describe('partnership governance', () => {
  let app: TestApp;
  let p: Partnership;
  let urn = 870000;
  /** The trust board (with a trustee), school B's own body (with governorB), and the people's tokens. */
  let board: { id: number; person: number };
  let bodyB: { id: number; person: number };

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  const fresh = async () => {
    urn += 10;
    p = await buildPartnership(app, urn, `Governance Trust ${urn}`);
    const person = async (name: string) =>
      (await app.sql<{ id: number }>(`insert into person (full_name, created_at) values ($1, now()) returning id`, [`${name} ${urn}`]))[0].id;
    const seat = (personId: number, bodyId: number, role: string) =>
      app.sql(
        `insert into governorship (person_id, governing_body_id, role, appointing_body, term_started_on) values ($1, $2, $3, 'trust_members', '2022-09-01')`,
        [personId, bodyId, role],
      );
    const [tb] = await app.sql<{ id: number }>(
      `insert into governing_body (name, kind, group_id, created_at) values ($1, 'trust_board', $2, now()) returning id`,
      [`Board of ${urn}`, p.trustId],
    );
    board = { id: tb.id, person: await person('Trustee') };
    await seat(board.person, tb.id, 'trustee');
    const [bb] = await app.sql<{ id: number }>(
      `insert into governing_body (name, kind, school_id, group_id, created_at) values ($1, 'local_committee', $2, $3, now()) returning id`,
      [`Committee of B ${urn}`, p.schools.b, p.trustId],
    );
    bodyB = { id: bb.id, person: await person('Governor of B') };
    await seat(bodyB.person, bb.id, 'local_governor');
    return p;
  };
  const auth = async (who: Who) =>
    who === 'admin'
      ? undefined
      : who === 'trustee'
        ? `Bearer ${await tokenFor(board.person)}`
        : who === 'governorB'
          ? `Bearer ${await tokenFor(bodyB.person)}`
          : await p.as(who);
  /** A refusal: a FORBIDDEN error (no role to change anything at all), or one NOT_ALLOWED / NOT_FOUND user error. */
  const refusedAs = async (who: Who, query: string, variables: Record<string, unknown>) => {
    const result = await app.gqlAs((await auth(who))!, query, variables);
    if (result.errors) return result.errors.every((e: any) => e.extensions?.code === 'FORBIDDEN');
    const [payload] = Object.values(result.data!) as any[];
    return payload.userErrors.length === 1 && ['NOT_ALLOWED', 'NOT_FOUND'].includes(payload.userErrors[0].code);
  };
  const as = async (who: Who, query: string, variables: Record<string, unknown>) => {
    const result = who === 'admin' ? await app.gql(query, variables) : await app.gqlAs((await auth(who))!, query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    const [payload] = Object.values(result.data!) as any[];
    return payload;
  };
  const membershipOf = async (school: number, group: number) =>
    globalId('Membership', (await app.sql<{ id: number }>(`select id from membership where school_id = $1 and group_id = $2`, [school, group]))[0].id);
  const body = (id: number) => globalId('GoverningBody', id);
  const requestLeave = async (who: Who, input: Record<string, unknown> = {}) =>
    as(who, REQUEST, {
      input: {
        membershipId: await membershipOf(p.schools.a, p.trustId),
        requestingBodyId: body(p.bodyA),
        effectiveOn: daysFrom(120),
        reason: 'The school wants to join a local trust nearer home.',
        ...input,
      },
    });
  const decide = (who: Who, requestId: string, bodyId: number, decision: 'CONSENT' | 'REFUSE', reason?: string) =>
    as(who, DECIDE, { input: { requestId, governingBodyId: body(bodyId), decision, reason } });
  /** Row counts of what these workflows write, to show a refusal wrote nothing. */
  const written = async () =>
    (
      await app.sql(`select (select count(*) from membership_leave_request)::int as requests, (select count(*) from membership_leave_decision)::int as decisions,
        (select count(*) from membership where left_on is not null)::int as ended, (select count(*) from trigger_rule_agreement)::int as agreements,
        (select count(*) from alert)::int as alerts, (select count(*) from alert_event)::int as events`)
    )[0];

  describe('leaving a trust by mutual consent', () => {
    it("is asked by the school's body, consented by both parties, and ends the membership on the agreed date at the sweep, history kept and both sides told live", async () => {
      await fresh();
      const toTrustee = wsClient(wsUrlOf(app.url), await auth('trustee'));
      const toGovernor = wsClient(wsUrlOf(app.url), await auth('governorA'));
      const trusteeEvents = collect(toTrustee, EVENTS);
      const governorEvents = collect(toGovernor, EVENTS);
      await Promise.all([connected(toTrustee), connected(toGovernor)]);

      const asked = await requestLeave('governorA');
      expect(asked.userErrors).toEqual([]);
      const request = asked.leaveRequest;
      expect(request).toMatchObject({
        status: 'PENDING',
        requestedOn: today(),
        effectiveOn: daysFrom(120),
        school: { id: p.ids.a },
        group: { id: p.ids.trust },
        schoolBody: { id: body(p.bodyA) },
        groupBody: { id: body(board.id) },
        decisions: [],
      });
      const bySchool = await decide('governorA', request.id, p.bodyA, 'CONSENT');
      expect(bySchool.userErrors).toEqual([]);
      expect(bySchool.leaveRequest.status).toBe('PENDING');
      const byBoard = await decide('trustee', request.id, board.id, 'CONSENT', 'We wish the school well.');
      expect(byBoard.userErrors).toEqual([]);
      expect(byBoard.leaveRequest).toMatchObject({
        status: 'AGREED',
        decisions: [
          { decision: 'CONSENT', party: 'SCHOOL', reason: null },
          { decision: 'CONSENT', party: 'GROUP', reason: 'We wish the school well.' },
        ],
      });
      // Agreed for a date to come: still a member until then, and the sweep before that day changes nothing.
      expect(byBoard.membership.leftOn).toBeNull();
      await sweepTimeBasedRules(app.orm);
      expect((await app.sql(`select left_on from membership where id = $1`, [idOf(byBoard.membership.id)]))[0].left_on).toBeNull();

      // The day comes: the sweep ends the membership on the agreed date.
      await app.sql(`update membership_leave_request set effective_on = current_date where id = $1`, [idOf(request.id)]);
      await sweepTimeBasedRules(app.orm);
      const after = await as('admin', `query ($id: ID!) { node(id: $id) { ... on MembershipLeaveRequest { ${REQUEST_FIELDS} } } }`, { id: request.id });
      expect(after).toMatchObject({ status: 'EFFECTIVE', membership: { leftOn: today() } });
      // History kept: the trust lists A as a former member, with its dates, and the request with both decisions.
      const trust = await as(
        'trustee',
        `query ($id: ID!) { node(id: $id) { ... on Group { members(first: 10, includeFormer: true) { edges { node { id } joinedOn leftOn } }
           leaveRequests(first: 5) { totalCount edges { node { status decisions { party } } } } } } }`,
        { id: p.ids.trust },
      );
      expect(trust.members.edges).toEqual(expect.arrayContaining([{ node: { id: p.ids.a }, joinedOn: '2020-09-01', leftOn: today() }]));
      expect(trust.leaveRequests).toMatchObject({ totalCount: 1, edges: [{ node: { status: 'EFFECTIVE', decisions: [{ party: 'SCHOOL' }, { party: 'GROUP' }] } }] });

      // Both sides heard every step, the trustee even after the school left (they are named by the event).
      const kinds = ['MEMBERSHIP_LEAVE_REQUESTED', 'MEMBERSHIP_LEAVE_DECIDED', 'MEMBERSHIP_LEAVE_DECIDED', 'MEMBERSHIP_ENDED_BY_CONSENT'];
      await trusteeEvents.until(4);
      await governorEvents.until(4);
      expect(trusteeEvents.events.map((e) => e.kind)).toEqual(kinds);
      expect(trusteeEvents.events.every((e: any) => e.forYou && e.subjectId === request.id)).toBe(true);
      expect(governorEvents.events.map((e) => e.kind)).toEqual(kinds);
      const audit = await app.sql(`select operation from audit_event where $1 = any(node_ids) order by id`, [request.id]);
      expect(audit.map((a) => a.operation)).toEqual(['membershipLeaveRequest', 'membershipLeaveDecide', 'membershipLeaveDecide']);
      await Promise.all([toTrustee.dispose(), toGovernor.dispose()]);
    });

    it('ends the membership at the second consent when the agreed date has already come', async () => {
      await fresh();
      // A leaves the cluster too, so leaving the trust leaves it with no partnership.
      await app.sql(`update membership set left_on = '2021-08-31' where school_id = $1 and group_id = $2`, [p.schools.a, p.clusterId]);
      const request = (await requestLeave('governorA', { effectiveOn: today() })).leaveRequest;
      await decide('trustee', request.id, board.id, 'CONSENT');
      const last = await decide('governorA', request.id, p.bodyA, 'CONSENT');
      expect(last.userErrors).toEqual([]);
      expect(last.leaveRequest.status).toBe('EFFECTIVE');
      expect(last.membership.leftOn).toBe(today());
      const current = await app.sql(`select 1 from membership where school_id = $1 and (left_on is null or left_on > current_date)`, [p.schools.a]);
      expect(current).toEqual([]);
    });

    it('a request withdrawn after both consented never takes effect; one whose membership ended another way is not decided, and the sweep keeps the earlier date', async () => {
      await fresh();
      const membership = await membershipOf(p.schools.a, p.trustId);
      const agreed = (await requestLeave('governorA')).leaveRequest;
      await decide('governorA', agreed.id, p.bodyA, 'CONSENT');
      expect((await decide('trustee', agreed.id, board.id, 'CONSENT')).leaveRequest.status).toBe('AGREED');
      const withdrawn = await as('governorA', WITHDRAW, { input: { requestId: agreed.id, reason: 'The diocese trust fell through.' } });
      expect(withdrawn.leaveRequest.status).toBe('WITHDRAWN');
      await app.sql(`update membership_leave_request set effective_on = current_date where id = $1`, [idOf(agreed.id)]);
      await sweepTimeBasedRules(app.orm);
      expect((await app.sql(`select left_on from membership where id = $1`, [idOf(membership)]))[0].left_on).toBeNull();

      // Agreed for later, but the board ends the membership earlier: the sweep on the agreed day keeps the earlier date.
      const later = (await requestLeave('governorA')).leaveRequest;
      await decide('governorA', later.id, p.bodyA, 'CONSENT');
      await decide('trustee', later.id, board.id, 'CONSENT');
      const ended = await as('trustee', `mutation ($input: MembershipEndInput!) { membershipEnd(input: $input) { membership { leftOn } userErrors { field message } } }`, {
        input: { membershipId: membership, leftOn: daysFrom(-1) },
      });
      expect(ended).toEqual({ membership: { leftOn: daysFrom(-1) }, userErrors: [] });
      await app.sql(`update membership_leave_request set effective_on = current_date where id = $1`, [idOf(later.id)]);
      await sweepTimeBasedRules(app.orm);
      const [row] = await app.sql(`select r.status, m.left_on::text from membership_leave_request r join membership m on m.id = r.membership_id where r.id = $1`, [
        idOf(later.id),
      ]);
      expect(row).toEqual({ status: 'effective', left_on: daysFrom(-1) });

      // B asks; the board ends B's membership anyway; the pending request is then not decided.
      const bMembership = await membershipOf(p.schools.b, p.trustId);
      const pending = (await requestLeave('governorB', { membershipId: bMembership, requestingBodyId: body(bodyB.id) })).leaveRequest;
      await as('trustee', `mutation ($input: MembershipEndInput!) { membershipEnd(input: $input) { userErrors { field message } } }`, {
        input: { membershipId: bMembership, leftOn: today() },
      });
      const late = await decide('trustee', pending.id, board.id, 'CONSENT');
      expect(late.userErrors).toEqual([
        { field: ['input', 'requestId'], message: `the membership it would end already ended on ${today()}; the request no longer applies.`, code: 'CONFLICT' },
      ]);
    });

    it("refuses a request when the trust has no board to consent, and names a federated school's lack of a body of its own", async () => {
      await fresh();
      const [trust] = await app.sql<{ id: number }>(`insert into school_group (name, kind, created_at, updated_at) values ($1, 'multi_academy_trust', now(), now()) returning id`, [
        `Boardless Trust ${urn}`,
      ]);
      const [federation] = await app.sql<{ id: number }>(`insert into school_group (name, kind, created_at, updated_at) values ($1, 'federation', now(), now()) returning id`, [
        `Federation ${urn}`,
      ]);
      const [m] = await app.sql<{ id: number }>(
        `insert into membership (school_id, group_id, group_kind, joined_on) values ($1, $2, 'multi_academy_trust', '2020-09-01') returning id`,
        [p.schools.d, trust.id],
      );
      const [f] = await app.sql<{ id: number }>(
        `insert into membership (school_id, group_id, group_kind, joined_on) values ($1, $2, 'federation', '2020-09-01') returning id`,
        [p.schools.e, federation.id],
      );
      const [dBody] = await app.sql<{ id: number }>(
        `insert into governing_body (name, kind, school_id, created_at) values ($1, 'school', $2, now()) returning id`,
        [`Body of D ${urn}`, p.schools.d],
      );
      const [fBody] = await app.sql<{ id: number }>(
        `insert into governing_body (name, kind, group_id, created_at) values ($1, 'federation', $2, now()) returning id`,
        [`Federation body ${urn}`, federation.id],
      );
      const before = await written();
      const boardless = await requestLeave('admin', { membershipId: globalId('Membership', m.id), requestingBodyId: body(dBody.id) });
      expect(boardless.userErrors).toEqual([
        { field: ['input', 'membershipId'], message: expect.stringMatching(/has no governing body or trust board recorded to consent; record it first/), code: 'CONFLICT' },
      ]);
      const federated = await requestLeave('admin', { membershipId: globalId('Membership', f.id), requestingBodyId: body(fBody.id) });
      expect(federated.userErrors).toEqual([
        { field: ['input', 'requestingBodyId'], message: expect.stringMatching(/has none recorded \(a federated school is governed by the federation's body alone/), code: 'NOT_ALLOWED' },
      ]);
      expect(await written()).toEqual(before);
    });

    it('both parties consenting at the same moment agree the request exactly once, and the membership ends once', async () => {
      await fresh();
      const request = (await requestLeave('governorA', { effectiveOn: today() })).leaveRequest;
      const [bySchool, byBoard] = await Promise.all([
        decide('governorA', request.id, p.bodyA, 'CONSENT'),
        decide('trustee', request.id, board.id, 'CONSENT'),
      ]);
      expect([...bySchool.userErrors, ...byBoard.userErrors]).toEqual([]);
      expect([bySchool.leaveRequest.status, byBoard.leaveRequest.status].sort()).toEqual(['EFFECTIVE', 'PENDING']);
      const [row] = await app.sql(`select status from membership_leave_request where id = $1`, [idOf(request.id)]);
      expect(row.status).toBe('effective');
      const ended = await app.sql(`select kind from alert_event where subject_id = $1 and kind = 'membership_ended_by_consent'`, [request.id]);
      expect(ended).toHaveLength(1);
      // Two requests at once for the same membership: one is written, the other told why.
      const again = await membershipOf(p.schools.b, p.trustId);
      const both = await Promise.all(
        [1, 2].map(() => requestLeave('governorB', { membershipId: again, requestingBodyId: body(bodyB.id) })),
      );
      expect(both.map((r) => r.userErrors.length).sort()).toEqual([0, 1]);
      expect(both.flatMap((r) => r.userErrors)[0]).toMatchObject({ field: ['input', 'membershipId'], code: 'CONFLICT' });
    });

    it('a refusal, with its reasons, closes the request; it stays visible to the school and the trust, and to nobody else', async () => {
      await fresh();
      const request = (await requestLeave('governorA')).leaveRequest;
      const noReason = await decide('trustee', request.id, board.id, 'REFUSE');
      expect(noReason.userErrors).toEqual([{ field: ['input', 'reason'], message: expect.stringMatching(/must be given to refuse/), code: 'INVALID' }]);
      const refused = await decide('trustee', request.id, board.id, 'REFUSE', 'The funding agreement runs to 2028.');
      expect(refused.leaveRequest).toMatchObject({ status: 'REFUSED', decisions: [{ decision: 'REFUSE', party: 'GROUP', reason: 'The funding agreement runs to 2028.' }] });
      const read = `query ($id: ID!) { node(id: $id) { ... on MembershipLeaveRequest { status decisions { reason } } } }`;
      for (const who of ['governorA', 'ceo', 'trustee'] as Who[])
        expect(await as(who, read, { id: request.id }), who).toEqual({ status: 'REFUSED', decisions: [{ reason: 'The funding agreement runs to 2028.' }] });
      for (const who of ['headD', 'nobody'] as Who[]) expect(await as(who, read, { id: request.id }), who).toBeNull();
      const listed = await as('headD', `query ($id: ID!) { node(id: $id) { ... on Group { leaveRequests(first: 5) { totalCount edges { node { id } } } } } }`, {
        id: p.ids.trust,
      });
      expect(listed.leaveRequests).toEqual({ totalCount: 0, edges: [] });
      // The school stays, and may ask again; the membership lists both requests, newest first, a page at a time.
      const again = await requestLeave('governorA');
      expect(again.userErrors).toEqual([]);
      const page = `query ($id: ID!, $after: String) { node(id: $id) { ... on Membership { leaveRequests(first: 1, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { node { id status } } } } } }`;
      const first = (await as('governorA', page, { id: again.leaveRequest.membership.id })).leaveRequests;
      expect(first).toMatchObject({ totalCount: 2, pageInfo: { hasNextPage: true }, edges: [{ node: { id: again.leaveRequest.id, status: 'PENDING' } }] });
      const second = (await as('governorA', page, { id: again.leaveRequest.membership.id, after: first.pageInfo.endCursor })).leaveRequests;
      expect(second).toMatchObject({ pageInfo: { hasNextPage: false }, edges: [{ node: { id: request.id, status: 'REFUSED' } }] });
    });

    it('refuses by name: a body that is not a party, a second decision by the same body, decisions on withdrawn or decided requests, and writes nothing', async () => {
      await fresh();
      const request = (await requestLeave('governorA')).leaveRequest;
      let before = await written();
      // School B's committee sits in the same trust, but is not a party to A's leaving: its governor does not even
      // see A's request, and an administrator recording B's decision is told B is not a party.
      expect((await decide('governorB', request.id, bodyB.id, 'CONSENT')).userErrors[0]).toMatchObject({ field: ['input', 'requestId'], code: 'NOT_FOUND' });
      const notParty = await decide('admin', request.id, bodyB.id, 'CONSENT');
      expect(notParty.userErrors).toEqual([
        { field: ['input', 'governingBodyId'], message: expect.stringMatching(/is not a party to this request/), code: 'NOT_ALLOWED' },
      ]);
      // A person deciding for a body they do not sit on: the CEO for the board, governorA for the board.
      for (const who of ['ceo', 'governorA'] as Who[]) {
        const result = await decide(who, request.id, board.id, 'CONSENT');
        expect(result.userErrors, who).toEqual([
          { field: ['input', 'governingBodyId'], message: expect.stringMatching(/do not sit on it/), code: 'NOT_ALLOWED' },
        ]);
      }
      expect(await written()).toEqual(before);
      await decide('governorA', request.id, p.bodyA, 'CONSENT');
      before = await written();
      const twice = await decide('governorA', request.id, p.bodyA, 'REFUSE', 'Changed our minds');
      expect(twice.userErrors).toEqual([
        { field: ['input', 'governingBodyId'], message: expect.stringMatching(/already decided \(consented on .*\); a body decides once/), code: 'CONFLICT' },
      ]);
      expect(await written()).toEqual(before);

      // Withdrawn by the school's body (the trust may not withdraw it); then no decision is taken on it.
      const byCeo = await as('ceo', WITHDRAW, { input: { requestId: request.id, reason: 'No' } });
      expect(byCeo.userErrors[0]).toMatchObject({ field: ['input', 'requestId'], code: 'NOT_ALLOWED' });
      const withdrawn = await as('governorA', WITHDRAW, { input: { requestId: request.id, reason: 'A new head arrives in January.' } });
      expect(withdrawn.leaveRequest).toMatchObject({ status: 'WITHDRAWN', withdrawalReason: 'A new head arrives in January.' });
      before = await written();
      const onWithdrawn = await decide('trustee', request.id, board.id, 'CONSENT');
      expect(onWithdrawn.userErrors).toEqual([
        { field: ['input', 'requestId'], message: expect.stringMatching(/the request was withdrawn on .*; it can no longer be decided or withdrawn/), code: 'CONFLICT' },
      ]);
      const againWithdrawn = await as('governorA', WITHDRAW, { input: { requestId: request.id, reason: 'Again' } });
      expect(againWithdrawn.userErrors[0]).toMatchObject({ field: ['input', 'requestId'], code: 'CONFLICT' });
      expect(await written()).toEqual(before);

      // Decided: refused, and agreed, requests take no further decision.
      const refused = (await requestLeave('governorA')).leaveRequest;
      await decide('trustee', refused.id, board.id, 'REFUSE', 'Not now');
      const onRefused = await decide('governorA', refused.id, p.bodyA, 'CONSENT');
      expect(onRefused.userErrors).toEqual([{ field: ['input', 'requestId'], message: expect.stringMatching(/the request was refused on/), code: 'CONFLICT' }]);
      const agreed = (await requestLeave('governorA')).leaveRequest;
      await decide('trustee', agreed.id, board.id, 'CONSENT');
      await decide('governorA', agreed.id, p.bodyA, 'CONSENT');
      const onAgreed = await decide('admin', agreed.id, bodyB.id, 'REFUSE', 'Late');
      expect(onAgreed.userErrors[0]).toMatchObject({ field: ['input', 'governingBodyId'], code: 'NOT_ALLOWED' });
      const onAgreedByParty = await decide('trustee', agreed.id, board.id, 'REFUSE', 'Late');
      expect(onAgreedByParty.userErrors).toEqual([
        { field: ['input', 'requestId'], message: expect.stringMatching(/was agreed by both parties/), code: 'CONFLICT' },
      ]);
    });

    it('refuses by name a request for a membership that does not exist or has ended, a date before the request, a cluster, a second live request, and one by a governor of another school', async () => {
      await fresh();
      const before = await written();
      const missing = await requestLeave('admin', { membershipId: globalId('Membership', 99999999) });
      expect(missing.userErrors).toEqual([{ field: ['input', 'membershipId'], message: 'no Membership has this ID.', code: 'NOT_FOUND' }]);
      const notAMembership = await requestLeave('admin', { membershipId: p.ids.trust });
      expect(notAMembership.userErrors).toEqual([{ field: ['input', 'membershipId'], message: 'is not the ID of a Membership.', code: 'INVALID' }]);
      const early = await requestLeave('governorA', { effectiveOn: daysFrom(-1) });
      expect(early.userErrors).toEqual([
        { field: ['input', 'effectiveOn'], message: `must not be before the request (${today()}); got ${daysFrom(-1)}.`, code: 'INVALID' },
      ]);
      const noReason = await requestLeave('governorA', { reason: '' });
      expect(noReason.userErrors).toEqual([{ field: ['input', 'reason'], message: 'must be 1 to 2000 characters long.', code: 'INVALID' }]);
      const cluster = await requestLeave('governorA', { membershipId: await membershipOf(p.schools.a, p.clusterId) });
      expect(cluster.userErrors).toEqual([
        { field: ['input', 'membershipId'], message: expect.stringMatching(/is a cluster: leaving by consent is for federations and trusts/), code: 'INVALID' },
      ]);
      // A governor of another school: naming their own body, or naming A's body they do not sit on.
      const ownBody = await requestLeave('governorB', { requestingBodyId: body(bodyB.id) });
      expect(ownBody.userErrors).toEqual([
        { field: ['input', 'requestingBodyId'], message: expect.stringMatching(/is not the governing body of .*School A/), code: 'NOT_ALLOWED' },
      ]);
      const input = {
        membershipId: await membershipOf(p.schools.a, p.trustId),
        requestingBodyId: body(p.bodyA),
        effectiveOn: daysFrom(120),
        reason: 'Not mine to ask',
      };
      for (const who of ['governorB', 'headB', 'ceo', 'teacherA', 'headD', 'nobody'] as Who[])
        expect(await refusedAs(who, REQUEST, { input }), who).toBe(true);
      // The trust board may not ask on the school's behalf either.
      const byBoard = await requestLeave('trustee', { requestingBodyId: body(board.id) });
      expect(byBoard.userErrors[0]).toMatchObject({ field: ['input', 'requestingBodyId'], code: 'NOT_ALLOWED' });
      expect(await written()).toEqual(before);

      expect((await requestLeave('governorA')).userErrors).toEqual([]);
      const second = await requestLeave('governorA');
      expect(second.userErrors).toEqual([
        { field: ['input', 'membershipId'], message: expect.stringMatching(/a request to leave is already pending/), code: 'CONFLICT' },
      ]);
      const ended = await membershipOf(p.schools.b, p.trustId);
      await app.sql(`update membership set left_on = '2024-08-31' where id = $1`, [idOf(ended)]);
      const gone = await requestLeave('governorB', { membershipId: ended, requestingBodyId: body(bodyB.id) });
      expect(gone.userErrors).toEqual([
        { field: ['input', 'membershipId'], message: expect.stringMatching(/has ended \(left on 2024-08-31\)/), code: 'CONFLICT' },
      ]);
    });
  });

  describe('agreed triggers', () => {
    const ruleInput = () => ({
      kind: 'METRIC_BELOW',
      name: 'Trust floor: 70% expected',
      severity: 'PEER_REVIEW',
      groupId: p.ids.trust,
      parameters: { metric: 'ks2_rwm_expected_pct', threshold: 70 },
    });
    const alertsOf = (school: number) =>
      app.sql<{ rule_id: number; severity: string; threshold: string; status: string }>(
        `select rule_id, severity, evidence->>'threshold' as threshold, status from alert where school_id = $1 and evidence->>'metric' = 'ks2_rwm_expected_pct' order by id`,
        [school],
      );
    const inEffect = async (ruleId: string) =>
      (
        await as('ceo', `query ($id: ID!, $school: ID!) { node(id: $id) { ... on TriggerRule { inEffectFor(schoolId: $school) { version severity current parameters { threshold } } } } }`, {
          id: ruleId,
          school: p.ids.a,
        })
      ).inEffectFor;

    it("a trust's PEER_REVIEW rule applies to a school only once its body agreed it; until then the system default applies", async () => {
      await fresh();
      await recordMeasure(app.orm, p.schools.a, 68, { year: LAST_YEAR });
      const created = await as('ceo', RULE_CREATE, { input: ruleInput() });
      expect(created.triggerRule).toMatchObject({ version: 1, needsAgreement: true });
      const ruleId = created.triggerRule.id;
      // 68 is below the trust's 70, but A's body has not agreed: nothing fires, and nothing is in effect for A.
      expect(await alertsOf(p.schools.a)).toEqual([]);
      expect(await inEffect(ruleId)).toBeNull();
      // B (no agreement) at 60 is below the default floor (65): the default fires for it, not the trust's rule.
      await recordMeasure(app.orm, p.schools.b, 60, { year: LAST_YEAR });
      const [defaultRule] = await app.sql<{ id: number }>(`select id from trigger_rule where system_key = 'ks2_rwm_below_floor'`);
      expect((await alertsOf(p.schools.b)).map((a) => a.rule_id)).toEqual([defaultRule.id]);

      const ceo = wsClient(wsUrlOf(app.url), await p.as('ceo'));
      const events = collect(ceo, EVENTS);
      await connected(ceo);
      const agreed = await as('governorA', AGREE, { input: { ruleId, schoolId: p.ids.a, governingBodyId: body(p.bodyA) } });
      expect(agreed.userErrors).toEqual([]);
      expect(agreed.agreement).toMatchObject({
        version: 1,
        severity: 'PEER_REVIEW',
        parameters: { threshold: 70 },
        school: { id: p.ids.a },
        governingBody: { id: body(p.bodyA) },
        agreedBy: expect.any(String),
      });
      // In effect at once, evaluated in the agreement's transaction.
      expect(await alertsOf(p.schools.a)).toEqual([{ rule_id: idOf(ruleId), severity: 'peer_review', threshold: '70', status: 'open' }]);
      expect(await inEffect(ruleId)).toEqual({ version: 1, severity: 'PEER_REVIEW', current: true, parameters: { threshold: 70 } });
      await events.until(1);
      expect(events.events[0]).toMatchObject({ kind: 'TRIGGER_RULE_AGREED', subjectId: ruleId, school: { id: p.ids.a } });
      const listed = await as('ceo', `query ($id: ID!) { node(id: $id) { ... on TriggerRule { agreements(first: 5) { totalCount edges { node { version school { id } } } } } } }`, {
        id: ruleId,
      });
      expect(listed.agreements).toEqual({ totalCount: 1, edges: [{ node: { version: 1, school: { id: p.ids.a } } }] });
      await ceo.dispose();
    });

    it('a changed rule needs agreeing again: until then the last agreed version applies, with its values and severity; no alert is duplicated', async () => {
      await fresh();
      await recordMeasure(app.orm, p.schools.a, 72, { year: LAST_YEAR });
      const ruleId = (await as('ceo', RULE_CREATE, { input: ruleInput() })).triggerRule.id;
      await as('governorA', AGREE, { input: { ruleId, schoolId: p.ids.a, governingBodyId: body(p.bodyA) } });
      expect(await alertsOf(p.schools.a)).toEqual([]); // 72 is above 70

      // The trust raises the bar to 75 and makes it INTERVENTION: version 2, not agreed by A.
      const changed = await as('ceo', RULE_UPDATE, { input: { ruleId, severity: 'INTERVENTION', parameters: { metric: 'ks2_rwm_expected_pct', threshold: 75 } } });
      expect(changed.triggerRule.version).toBe(2);
      expect(await inEffect(ruleId)).toEqual({ version: 1, severity: 'PEER_REVIEW', current: false, parameters: { threshold: 70 } });
      expect(await alertsOf(p.schools.a)).toEqual([]); // 72 is below 75, but A agreed 70
      // A renamed rule is the same version: no new agreement needed.
      expect((await as('ceo', RULE_UPDATE, { input: { ruleId, name: 'Trust floor' } })).triggerRule.version).toBe(2);

      // A falls to 69: the agreed version (70, PEER_REVIEW) fires.
      await recordMeasure(app.orm, p.schools.a, 69, { year: LAST_YEAR });
      expect(await alertsOf(p.schools.a)).toEqual([{ rule_id: idOf(ruleId), severity: 'peer_review', threshold: '70', status: 'open' }]);
      // A agrees version 2: the condition still holds and its alert is open, so nothing fires twice.
      const v2 = await as('governorA', AGREE, { input: { ruleId, schoolId: p.ids.a, governingBodyId: body(p.bodyA) } });
      expect(v2.agreement).toMatchObject({ version: 2, severity: 'INTERVENTION', parameters: { threshold: 75 } });
      expect(await alertsOf(p.schools.a)).toHaveLength(1);
      expect(await inEffect(ruleId)).toEqual({ version: 2, severity: 'INTERVENTION', current: true, parameters: { threshold: 75 } });
      // Once that alert is resolved, the next evaluation applies version 2.
      await app.sql(`update alert set status = 'resolved' where school_id = $1`, [p.schools.a]);
      await recordMeasure(app.orm, p.schools.a, 73, { year: LAST_YEAR });
      expect((await alertsOf(p.schools.a)).at(-1)).toEqual({ rule_id: idOf(ruleId), severity: 'intervention', threshold: '75', status: 'open' });
    });

    it("a federation's rule is agreed for a federated school by the federation's governing body", async () => {
      await fresh();
      const [federation] = await app.sql<{ id: number }>(
        `insert into school_group (name, kind, created_at, updated_at) values ($1, 'federation', now(), now()) returning id`,
        [`Federation ${urn}`],
      );
      await app.sql(`insert into membership (school_id, group_id, group_kind, joined_on) values ($1, $2, 'federation', '2020-09-01')`, [
        p.schools.e,
        federation.id,
      ]);
      const [fBody] = await app.sql<{ id: number }>(
        `insert into governing_body (name, kind, group_id, created_at) values ($1, 'federation', $2, now()) returning id`,
        [`Federation body ${urn}`, federation.id],
      );
      const ruleId = (await as('admin', RULE_CREATE, { input: { ...ruleInput(), groupId: globalId('Group', federation.id) } })).triggerRule.id;
      const agreed = await as('admin', AGREE, { input: { ruleId, schoolId: p.ids.e, governingBodyId: body(fBody.id) } });
      expect(agreed.userErrors).toEqual([]);
      expect(agreed.agreement).toMatchObject({ version: 1, governingBody: { id: body(fBody.id) }, school: { id: p.ids.e } });
      // The same body does not agree for a school outside the federation (A is in the trust).
      const outside = await as('admin', AGREE, { input: { ruleId, schoolId: p.ids.a, governingBodyId: body(fBody.id) } });
      expect(outside.userErrors[0]).toMatchObject({ field: ['input', 'schoolId'], code: 'CONFLICT' });
    });

    it('a WATCH rule applies without agreement; agreeing refuses by name a system default, a WATCH rule, a school outside the group, a body that does not govern the school, a person not on the body, and the same version twice', async () => {
      await fresh();
      const watch = (await as('ceo', RULE_CREATE, { input: { ...ruleInput(), severity: 'WATCH' } })).triggerRule;
      expect(watch.needsAgreement).toBe(false);
      await recordMeasure(app.orm, p.schools.a, 66, { year: LAST_YEAR });
      expect((await alertsOf(p.schools.a)).map((a) => a.severity)).toEqual(['watch']);
      const ruleId = (await as('ceo', RULE_CREATE, { input: { ...ruleInput(), name: 'Another' } })).triggerRule.id;
      const [system] = await app.sql<{ id: number }>(`select id from trigger_rule where system_key = 'ks2_rwm_below_floor'`);
      const agree = (who: Who, input: Record<string, unknown>) =>
        as(who, AGREE, { input: { ruleId, schoolId: p.ids.a, governingBodyId: body(p.bodyA), ...input } });
      const before = await written();
      expect((await agree('governorA', { ruleId: globalId('TriggerRule', system.id) })).userErrors).toEqual([
        { field: ['input', 'ruleId'], message: 'is a system default: it applies to every school without agreement.', code: 'INVALID' },
      ]);
      expect((await agree('governorA', { ruleId: watch.id })).userErrors).toEqual([
        { field: ['input', 'ruleId'], message: 'is of severity WATCH: only PEER_REVIEW and INTERVENTION rules need agreeing.', code: 'INVALID' },
      ]);
      expect((await agree('admin', { schoolId: p.ids.d })).userErrors).toEqual([
        { field: ['input', 'schoolId'], message: expect.stringMatching(/is not a current member of/), code: 'CONFLICT' },
      ]);
      expect((await agree('trustee', { governingBodyId: body(board.id) })).userErrors).toEqual([
        { field: ['input', 'governingBodyId'], message: expect.stringMatching(/does not govern .* as a school/), code: 'INVALID' },
      ]);
      expect((await agree('governorB', { governingBodyId: body(bodyB.id) })).userErrors).toEqual([
        { field: ['input', 'governingBodyId'], message: expect.stringMatching(/does not govern .* as a school/), code: 'INVALID' },
      ]);
      for (const who of ['ceo', 'trustee', 'headB', 'teacherA', 'headD', 'nobody'] as Who[])
        expect(await refusedAs(who, AGREE, { input: { ruleId, schoolId: p.ids.a, governingBodyId: body(p.bodyA) } }), who).toBe(true);
      expect(await written()).toEqual(before);
      expect((await agree('governorA', {})).userErrors).toEqual([]);
      expect((await agree('governorA', {})).userErrors).toEqual([
        { field: ['input', 'ruleId'], message: expect.stringMatching(/version 1 of this rule was already agreed for .* on /), code: 'CONFLICT' },
      ]);
    });
  });

  describe('objective progress', () => {
    const setCriterion = async (input: Record<string, unknown>, setOn?: string) => {
      const objective = (
        await as('ceo', `mutation ($input: StrategicObjectiveAddInput!) { strategicObjectiveAdd(input: $input) { strategicObjective { id } userErrors { field message } } }`, {
          input: { groupId: p.ids.trust, objective: 'Reading', successCriteria: 'KS2 RWM up' },
        })
      ).strategicObjective;
      const set = await as('ceo', `mutation ($input: SuccessCriterionSetInput!) { successCriterionSet(input: $input) { userErrors { field message } } }`, {
        input: { objectiveId: objective.id, metric: 'KS2_RWM_EXPECTED_PCT', ...input },
      });
      expect(set.userErrors).toEqual([]);
      if (setOn) await app.sql(`update strategic_objective set criterion_set_on = $1 where id = $2`, [setOn, idOf(objective.id)]);
      return objective.id as string;
    };
    const progress = async (id: string, who: Who = 'ceo') =>
      (
        await as(who, `query ($id: ID!) { node(id: $id) { ... on StrategicObjective { progress { status reason value academicYear baseline expected target targetOn
          schoolsCounted schoolsLeftOut schools { school { id } status reason value academicYear baseline expected } } } } }`, { id })
      ).progress;
    const school = (shown: any, id: string) => shown.schools.find((s: any) => s.school.id === id);

    it('per school and for the group: met, behind the trajectory, and too old to count, each with its reason', async () => {
      await fresh();
      const oldYear = '2019/20';
      await recordMeasure(app.orm, p.schools.a, 72, { year: LAST_YEAR });
      await recordMeasure(app.orm, p.schools.b, 50, { year: YEAR_BEFORE });
      await recordMeasure(app.orm, p.schools.b, 52, { year: LAST_YEAR });
      await recordMeasure(app.orm, p.schools.c, 90, { year: oldYear });
      const id = await setCriterion({ baseline: 55, target: 70, targetOn: '2028-07-31' }, '2024-09-01');
      const shown = await progress(id);
      expect(school(shown, p.ids.a)).toMatchObject({ status: 'MET', value: 72, academicYear: LAST_YEAR });
      expect(school(shown, p.ids.a).reason).toMatch(/ks2_rwm_expected_pct 72 in .* reaches the target \(at least 70\)/);
      // B's own baseline is its value in the last year that ended by the day the criterion was set (2023/24 or earlier: none
      // here but YEAR_BEFORE ended 2025), so the criterion's 55 is used; the line from 55 to 70 stands above 52.
      const b = school(shown, p.ids.b);
      expect(b).toMatchObject({ status: 'OFF_TRACK', value: 52 });
      expect(b.expected).toBeGreaterThan(55);
      expect(b.reason).toMatch(/behind the line, off track/);
      // C's 90 is for 2019/20: too old to count, so no verdict, not MET.
      expect(school(shown, p.ids.c)).toMatchObject({ status: 'NO_DATA', value: null, academicYear: oldYear });
      expect(school(shown, p.ids.c).reason).toMatch(/2019\/20, which ended more than 3 years ago: too old to count/);
      // The group: mean of A and B (62), against the line from 55: counted 2, left out 1.
      expect(shown).toMatchObject({ value: 62, schoolsCounted: 2, schoolsLeftOut: 1, baseline: 55, target: 70, targetOn: '2028-07-31' });
      expect(shown.reason).toMatch(/^Mean of 2 of 3 current member school\(s\) .* \(1 left out: no value, or older than 3 years\)/);
      expect(['ON_TRACK', 'OFF_TRACK']).toContain(shown.status);
      expect(shown.status).toBe(shown.value >= shown.expected ? 'ON_TRACK' : 'OFF_TRACK');
      // Progress rests on public measures: anyone may read it.
      expect((await progress(id, 'headD')).status).toBe(shown.status);
    });

    it('on track when ahead of the line; off track when the date passed unmet; no data when nothing counts; null without a criterion', async () => {
      await fresh();
      await recordMeasure(app.orm, p.schools.a, 64, { year: LAST_YEAR });
      const ahead = await progress(await setCriterion({ baseline: 60, target: 70, targetOn: '2030-07-31' }, '2025-09-01'));
      expect(ahead).toMatchObject({ status: 'ON_TRACK', value: 64, schoolsCounted: 1, schoolsLeftOut: 2 });
      expect(ahead.expected).toBeGreaterThan(60);
      expect(ahead.expected).toBeLessThan(64);
      expect(ahead.reason).toMatch(/at or beyond the line, on track/);
      const passed = await progress(await setCriterion({ baseline: 60, target: 70, targetOn: '2026-07-31' }, '2024-09-01'));
      expect(passed).toMatchObject({ status: 'OFF_TRACK' });
      expect(passed.reason).toMatch(/its date 2026-07-31 has passed/);
      const noBaselineId = await setCriterion({ target: 70, targetOn: '2030-07-31' });
      const criterion = await as('ceo', `query ($id: ID!) { node(id: $id) { ... on StrategicObjective { successCriterion { baseline target setOn } } } }`, { id: noBaselineId });
      expect(criterion.successCriterion).toEqual({ baseline: null, target: 70, setOn: today() });
      const noBaseline = await progress(noBaselineId);
      expect(noBaseline.status).toBe('OFF_TRACK');
      expect(noBaseline.reason).toMatch(/no baseline to draw a trajectory from/);
      await app.sql(`update outcome_measure set academic_year = '2018/19' where school_id = $1`, [p.schools.a]);
      const stale = await progress(await setCriterion({ baseline: 60, target: 70, targetOn: '2030-07-31' }));
      expect(stale).toMatchObject({ status: 'NO_DATA', value: null, schoolsCounted: 0, schoolsLeftOut: 3 });
      expect(stale.reason).toMatch(/None of the 3 current member school\(s\) has ks2_rwm_expected_pct for an academic year that ended within 3 years/);
      const bare = (
        await as('ceo', `mutation ($input: StrategicObjectiveAddInput!) { strategicObjectiveAdd(input: $input) { strategicObjective { id progress { status } } } }`, {
          input: { groupId: p.ids.trust, objective: 'Words only', successCriteria: 'Better' },
        })
      ).strategicObjective;
      expect(bare.progress).toBeNull();
    });

    it('judges a metric where lower is better the other way round', () => {
      const criterion = { id: 1, group_id: 1, metric: 'persistent_absence_pct', baseline: 20, target: 10, target_on: '2030-07-31', set_on: '2024-09-01' };
      expect(judge(criterion, 9, '2025/26', 20, 'x').status).toBe(ObjectiveProgressStatus.MET);
      expect(judge(criterion, 9, '2025/26', 20, 'x').reason).toMatch(/at most 10/);
      expect(judge(criterion, 19.9, '2025/26', 20, 'x').status).toBe(ObjectiveProgressStatus.OFF_TRACK);
      expect(judge(criterion, 15, '2025/26', 20, 'x').status).toBe(ObjectiveProgressStatus.ON_TRACK);
    });
  });
});
