import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTimeBasedRules } from '../src/alerts/sweep';
import { createApiKey } from '../src/auth/api-keys';
import { fromGlobalId } from '../src/core/node';
import { databaseChecksum } from './access-fixture';
import { collect, connected, globalId, sleep, wsClient } from './alert-fixtures';
import { startTestApp, TestApp, wsUrlOf } from './helpers';
import { buildPartnership, Partnership } from './review-fixtures';

/*
 * The gaps of the landed review workflow (issue 11): changing a review's team after scheduling, what a
 * reviewer may read of the reviewed school (the people the review names, nothing more), and
 * PEER_REVIEW_OVERDUE counting only reviews that were completed.
 */

const TEAM = `id status reviewers { role person { fullName } school { id } organisation }`;
const SCHEDULE = `mutation ($input: PeerReviewScheduleInput!) { peerReviewSchedule(input: $input) { peerReview { ${TEAM} } userErrors { field message code } } }`;
const ADD = `mutation ($input: PeerReviewReviewerAddInput!) { peerReviewReviewerAdd(input: $input) { peerReview { ${TEAM} } userErrors { field message code } } }`;
const REMOVE = `mutation ($input: PeerReviewReviewerRemoveInput!) { peerReviewReviewerRemove(input: $input) { peerReview { ${TEAM} } userErrors { field message code } } }`;
const STATUS = `mutation ($input: PeerReviewStatusUpdateInput!) { peerReviewStatusUpdate(input: $input) { peerReview { id status } userErrors { field message code } } }`;
const FINDING = `mutation ($input: PeerReviewFindingRecordInput!) { peerReviewFindingRecord(input: $input) { finding { grade } userErrors { field message code } } }`;
const ACTION_ADD = `mutation ($input: PeerReviewActionAddInput!) { peerReviewActionAdd(input: $input) {
  peerReviewAction { id owner { fullName } } userErrors { field message code } } }`;
const ACTION_UPDATE = `mutation ($input: PeerReviewActionUpdateInput!) { peerReviewActionUpdate(input: $input) { peerReviewAction { status } userErrors { field message code } } }`;
const EVENTS = `subscription { partnershipEvents { kind summary forYou subjectId } }`;

type Who = keyof Partnership['people'] | 'admin';

describe("a peer review's team, after scheduling", () => {
  let app: TestApp;
  let p: Partnership;
  let urn = 870000;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const fresh = async () => {
    urn += 10;
    p = await buildPartnership(app, urn, `Team Trust ${urn}`);
    return p;
  };
  const as = async (who: Who, query: string, variables: Record<string, unknown>) =>
    who === 'admin' ? app.gql(query, variables) : app.gqlAs(await p.as(who), query, variables);
  const call = async (who: Who, query: string, input: Record<string, unknown>) => {
    const result = await as(who, query, { input });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return Object.values(result.data!)[0] as any;
  };
  const schedule = async () => {
    const done = await call('ceo', SCHEDULE, {
      groupId: p.ids.trust,
      schoolId: p.ids.a,
      startsOn: '2026-01-12',
      leadReviewerId: p.person('headB'),
      reviewerIds: [],
    });
    expect(done.userErrors).toEqual([]);
    return done.peerReview.id as string;
  };
  /** A teacher at partner school B: eligible to review A. */
  const teacherAtB = async (name: string) => {
    const [person] = await app.sql<{ id: number }>(`insert into person (full_name) values ($1) returning id`, [`${name} (${urn})`]);
    await app.sql(`insert into post (person_id, role, school_id, fte, started_on) values ($1, 'teacher', $2, 0.1, '2020-09-01')`, [
      person.id,
      p.schools.b,
    ]);
    return { id: person.id, gid: globalId('Person', person.id) };
  };
  const field = (errors: { field: string[] }[]) => errors.map((e) => e.field.join('.'));

  it("adds a partner school's reviewer and an external adviser; the team hears of it live, the newcomer by name; audited", async () => {
    await fresh();
    const reviewId = await schedule();
    const newcomer = wsClient(wsUrlOf(app.url), await p.as('leadC'));
    const governor = wsClient(wsUrlOf(app.url), await p.as('governorA'));
    const outsider = wsClient(wsUrlOf(app.url), await p.as('headD'));
    const toNewcomer = collect(newcomer, EVENTS);
    const toGovernor = collect(governor, EVENTS);
    const toOutsider = collect(outsider, EVENTS);
    await Promise.all([connected(newcomer), connected(governor), connected(outsider)]);

    const added = await call('ceo', ADD, { peerReviewId: reviewId, personId: p.person('leadC') });
    expect(added.userErrors).toEqual([]);
    expect(added.peerReview.reviewers).toEqual([
      { role: 'LEAD_REVIEWER', person: { fullName: `Head of B (Team Trust ${urn})` }, school: { id: p.ids.b }, organisation: null },
      { role: 'REVIEWER', person: { fullName: `Review Lead of C (Team Trust ${urn})` }, school: { id: p.ids.c }, organisation: null },
    ]);
    // As adviser, anyone not of the school, with an organisation (named by someone who may see them: here an administrator).
    const adviser = await call('admin', ADD, { peerReviewId: reviewId, personId: p.person('headD'), role: 'EXTERNAL_ADVISER', organisation: 'Diocese' });
    expect(adviser.userErrors).toEqual([]);
    expect(adviser.peerReview.reviewers[2]).toEqual({ role: 'EXTERNAL_ADVISER', person: { fullName: `Head of D (Team Trust ${urn})` }, school: null, organisation: 'Diocese' });

    await toNewcomer.until(2);
    await toGovernor.until(2);
    expect(toNewcomer.events[0]).toMatchObject({ kind: 'PEER_REVIEW_REVIEWERS_CHANGED', forYou: true, subjectId: reviewId });
    expect((toNewcomer.events[0] as any).summary).toMatch(/Review Lead of C .* joined the peer review of .* as reviewer/);
    expect(toGovernor.events[0]).toMatchObject({ kind: 'PEER_REVIEW_REVIEWERS_CHANGED', forYou: false });
    // Head of D reaches nothing of A: told only from the moment they are named (the adviser event).
    await toOutsider.until(1);
    await sleep(200);
    expect(toOutsider.events.map((e: any) => [e.kind, e.forYou])).toEqual([['PEER_REVIEW_REVIEWERS_CHANGED', true]]);
    const audit = await app.sql(`select operation from audit_event where operation = 'peerReviewReviewerAdd' and actor = $1`, [
      `person:${p.people.ceo}`,
    ]);
    expect(audit).toHaveLength(1);
    await Promise.all([newcomer.dispose(), governor.dispose(), outsider.dispose()]);
  });

  it('a new lead makes the old lead a reviewer; removing a reviewer takes them off and tells them', async () => {
    await fresh();
    const reviewId = await schedule();
    const promoted = await call('ceo', ADD, { peerReviewId: reviewId, personId: p.person('leadC'), role: 'LEAD_REVIEWER' });
    expect(promoted.userErrors).toEqual([]);
    expect(promoted.peerReview.reviewers.map((r: any) => [r.role, r.school.id])).toEqual([
      ['LEAD_REVIEWER', p.ids.c],
      ['REVIEWER', p.ids.b],
    ]);
    const leaving = wsClient(wsUrlOf(app.url), await p.as('headB'));
    const toLeaving = collect(leaving, EVENTS);
    await connected(leaving);
    const removed = await call('ceo', REMOVE, { peerReviewId: reviewId, personId: p.person('headB') });
    expect(removed.userErrors).toEqual([]);
    expect(removed.peerReview.reviewers.map((r: any) => r.role)).toEqual(['LEAD_REVIEWER']);
    await toLeaving.until(1);
    expect(toLeaving.events[0]).toMatchObject({ kind: 'PEER_REVIEW_REVIEWERS_CHANGED', forYou: true });
    expect((toLeaving.events[0] as any).summary).toMatch(/Head of B .* left the peer review .* \(was reviewer\)/);
    // No longer on the team: the review is out of their sight (they do not reach A).
    const seen = await as('headB', `query ($id: ID!) { node(id: $id) { id } }`, { id: reviewId });
    expect(seen.data!.node).toBeNull();
    await leaving.dispose();
  });

  it('refuses, by name and with nothing written: someone of the reviewed school, no partner school, already on the team, a second adviser, an organisation for a reviewer, an eleventh reviewer', async () => {
    await fresh();
    const reviewId = await schedule();
    // Eligibility is the same whoever asks; an administrator sees every person, so each refusal is about the rule.
    expect((await call('admin', ADD, { peerReviewId: reviewId, personId: p.person('headE'), role: 'EXTERNAL_ADVISER' })).userErrors).toEqual([]);
    const before = await databaseChecksum(app);
    const refusal = async (input: Record<string, unknown>) => (await call('admin', ADD, { peerReviewId: reviewId, ...input })).userErrors;

    const ownSchool = await refusal({ personId: p.person('teacherA') });
    expect(ownSchool).toEqual([{ field: ['input', 'personId'], code: 'INVALID', message: expect.stringMatching(/holds a post or seat at .* the school under review/) }]);
    const governor = await refusal({ personId: p.person('governorA'), role: 'EXTERNAL_ADVISER' });
    expect(governor[0].message).toMatch(/the school under review/);
    const noPartner = await refusal({ personId: p.person('headD') });
    expect(noPartner[0]).toMatchObject({ field: ['input', 'personId'], message: expect.stringMatching(/no current post or seat in another member school/) });
    const twice = await refusal({ personId: p.person('headB') });
    expect(twice[0]).toMatchObject({ field: ['input', 'personId'], code: 'CONFLICT', message: expect.stringMatching(/already on the team, as lead reviewer/) });
    const secondAdviser = await refusal({ personId: p.person('headD'), role: 'EXTERNAL_ADVISER' });
    expect(secondAdviser[0]).toMatchObject({ field: ['input', 'role'], code: 'CONFLICT', message: expect.stringMatching(/already has an external adviser/) });
    const organisation = await refusal({ personId: p.person('leadC'), organisation: 'Somewhere' });
    expect(field(organisation)).toEqual(['input.organisation']);
    const unknown = await refusal({ personId: globalId('Person', 99_999_999) });
    expect(unknown[0]).toMatchObject({ field: ['input', 'personId'], code: 'NOT_FOUND' });
    const notAPerson = await refusal({ personId: p.ids.b });
    expect(notAPerson[0]).toMatchObject({ field: ['input', 'personId'], code: 'INVALID' });
    expect(await databaseChecksum(app)).toBe(before);

    // Ten reviewers besides the lead is the most.
    for (let i = 0; i < 10; i++) {
      const teacher = await teacherAtB(`Teacher ${i} at B`);
      expect((await call('ceo', ADD, { peerReviewId: reviewId, personId: teacher.gid })).userErrors).toEqual([]);
    }
    const eleventh = await teacherAtB('Teacher 10 at B');
    const full = await refusal({ personId: eleventh.gid });
    expect(full[0]).toMatchObject({ field: ['input', 'role'], code: 'CONFLICT', message: expect.stringMatching(/already has 10 reviewers/) });
    const newLead = await refusal({ personId: eleventh.gid, role: 'LEAD_REVIEWER' });
    expect(newLead[0].message).toMatch(/a new lead makes the current lead a reviewer/);
    const [{ n }] = await app.sql<{ n: number }>(`select count(*)::int as n from peer_review_reviewer where peer_review_id = $1`, [
      fromGlobalId(reviewId)!.id,
    ]);
    expect(n).toBe(12);
  });

  it('refuses removing the lead, a reviewer who owns open actions, and someone not on the team; allows it once their actions are done', async () => {
    await fresh();
    const reviewId = await schedule();
    await call('ceo', ADD, { peerReviewId: reviewId, personId: p.person('leadC') });
    await call('ceo', STATUS, { peerReviewId: reviewId, status: 'IN_PROGRESS', on: '2025-11-03' });
    const action = await call('ceo', ACTION_ADD, { peerReviewId: reviewId, description: 'Model a phonics lesson', ownerId: p.person('leadC'), dueOn: '2027-03-01' });
    expect(action.userErrors).toEqual([]);
    const before = await databaseChecksum(app);
    const lead = await call('ceo', REMOVE, { peerReviewId: reviewId, personId: p.person('headB') });
    expect(lead.userErrors).toEqual([{ field: ['input', 'personId'], code: 'CONFLICT', message: expect.stringMatching(/leads the review, which always has a lead/) }]);
    const owner = await call('ceo', REMOVE, { peerReviewId: reviewId, personId: p.person('leadC') });
    expect(owner.userErrors).toEqual([{ field: ['input', 'personId'], code: 'CONFLICT', message: expect.stringMatching(/owns 1 open action of this review/) }]);
    const stranger = await call('ceo', REMOVE, { peerReviewId: reviewId, personId: p.person('headD') });
    expect(stranger.userErrors).toEqual([{ field: ['input', 'personId'], code: 'NOT_FOUND', message: 'is not on the team of this review.' }]);
    expect(await databaseChecksum(app)).toBe(before);
    expect((await call('leadC', ACTION_UPDATE, { peerReviewActionId: action.peerReviewAction.id, status: 'DONE', on: '2025-11-04' })).userErrors).toEqual([]);
    const removed = await call('ceo', REMOVE, { peerReviewId: reviewId, personId: p.person('leadC') });
    expect(removed.userErrors).toEqual([]);
    // The action's copy of the team, which its row rule reads, follows the change.
    const [access] = await app.sql<{ ids: number[] }>(`select review_access->'reviewerIds' as ids from peer_review_action where id = $1`, [
      fromGlobalId(action.peerReviewAction.id)!.id,
    ]);
    expect(access.ids).toEqual([p.people.headB]);
  });

  it('only those who may change the scheduling group change the team: not the reviewers, the school governors, a teacher or an outsider', async () => {
    await fresh();
    const reviewId = await schedule();
    const before = await databaseChecksum(app);
    for (const who of ['headB', 'governorA', 'teacherA', 'headD', 'nobody', 'headE'] as const) {
      const result = await as(who, ADD, { input: { peerReviewId: reviewId, personId: p.person('leadC') } });
      const refused = result.errors?.every((e) => ['FORBIDDEN', 'UNAUTHENTICATED'].includes(e.extensions?.code as string)) ||
        result.data!.peerReviewReviewerAdd.userErrors.every((e: any) => ['NOT_ALLOWED', 'NOT_FOUND'].includes(e.code));
      expect(refused, `${who}: ${JSON.stringify(result)}`).toBe(true);
      const removal = await as(who, REMOVE, { input: { peerReviewId: reviewId, personId: p.person('headB') } });
      expect(
        removal.errors?.length || removal.data!.peerReviewReviewerRemove.userErrors.every((e: any) => ['NOT_ALLOWED', 'NOT_FOUND'].includes(e.code)),
        `${who} removing`,
      ).toBeTruthy();
    }
    // The lead reviewer sees the review, so is told why rather than that it does not exist.
    const lead = await call('headB', ADD, { peerReviewId: reviewId, personId: p.person('leadC') });
    expect(lead.userErrors[0]).toMatchObject({ field: ['input', 'peerReviewId'], code: 'NOT_ALLOWED', message: expect.stringMatching(/chosen by the group that scheduled it/) });
    const anonymous = await app.gqlAs(undefined, ADD, { input: { peerReviewId: reviewId, personId: p.person('leadC') } });
    expect(anonymous.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    expect(await databaseChecksum(app)).toBe(before);
    // An API key that reads and writes alerts, but may not change the group, is told so; one without write:alerts is forbidden.
    const alertsKey = await createApiKey(app.orm.em.fork(), 'team key', ['read:alerts', 'write:alerts', 'read:people']);
    const readKey = await createApiKey(app.orm.em.fork(), 'read key', ['read:alerts', 'read:people']);
    const keyed = await app.gqlAs(`Bearer ${alertsKey.key}`, ADD, { input: { peerReviewId: reviewId, personId: p.person('leadC') } });
    expect(keyed.data!.peerReviewReviewerAdd.userErrors[0]).toMatchObject({ field: ['input', 'peerReviewId'], code: 'NOT_ALLOWED' });
    const readOnly = await app.gqlAs(`Bearer ${readKey.key}`, REMOVE, { input: { peerReviewId: reviewId, personId: p.person('headB') } });
    expect(readOnly.errors![0].extensions!.code).toBe('FORBIDDEN');
    const [{ n }] = await app.sql<{ n: number }>(`select count(*)::int as n from peer_review_reviewer where peer_review_id = $1`, [fromGlobalId(reviewId)!.id]);
    expect(n).toBe(1);
  });

  it('the team no longer changes once the review is completed, followed up or cancelled', async () => {
    await fresh();
    const completed = await schedule();
    await call('ceo', STATUS, { peerReviewId: completed, status: 'IN_PROGRESS', on: '2025-11-03' });
    await call('headB', FINDING, { peerReviewId: completed, area: 'STANDARDS', grade: 2, evidence: 'Books' });
    expect((await call('ceo', STATUS, { peerReviewId: completed, status: 'COMPLETED', on: '2025-11-05' })).userErrors).toEqual([]);
    const cancelled = await schedule();
    expect((await call('ceo', STATUS, { peerReviewId: cancelled, status: 'CANCELLED', note: 'Ofsted visit' })).userErrors).toEqual([]);
    for (const [id, status] of [
      [completed, 'COMPLETED'],
      [cancelled, 'CANCELLED'],
    ]) {
      const add = await call('ceo', ADD, { peerReviewId: id, personId: p.person('leadC') });
      expect(add.userErrors).toEqual([
        { field: ['input', 'peerReviewId'], code: 'CONFLICT', message: `the team of a ${status} review no longer changes; reviewers are added or removed while it is PLANNED or IN_PROGRESS.` },
      ]);
      const remove = await call('ceo', REMOVE, { peerReviewId: id, personId: p.person('headB') });
      expect(remove.userErrors[0]).toMatchObject({ field: ['input', 'peerReviewId'], code: 'CONFLICT' });
    }
    expect((await call('ceo', STATUS, { peerReviewId: completed, status: 'FOLLOWED_UP', on: '2025-11-06' })).userErrors).toEqual([]);
    expect((await call('ceo', ADD, { peerReviewId: completed, personId: p.person('leadC') })).userErrors[0].message).toMatch(/FOLLOWED_UP review/);
  });
});

describe('the alert log accepts every workflow event kind', () => {
  it("after this branch's migrations, the kind check holds the alert kinds and every PartnershipEventKind", async () => {
    const app = await startTestApp();
    try {
      const [{ def }] = await app.sql<{ def: string }>(`select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'alert_event_kind_check'`);
      const { PartnershipEventKind } = await import('../src/alerts/partnership-event');
      for (const kind of ['raised', 'acknowledged', 'resolved', ...Object.values(PartnershipEventKind)]) expect(def, kind).toContain(`'${kind}'`);
    } finally {
      await app.close();
    }
  });
});

describe('what a reviewer may read: the people the review names, nothing more', () => {
  let app: TestApp;
  let p: Partnership;

  beforeAll(async () => {
    app = await startTestApp();
    p = await buildPartnership(app, 871000, 'Sight Trust');
  });
  afterAll(async () => {
    await app?.close();
  });

  const as = async (who: keyof Partnership['people'], query: string, variables: Record<string, unknown> = {}) =>
    app.gqlAs(await p.as(who), query, variables);
  const PERSON = `query ($id: ID!) { node(id: $id) { ... on Person { fullName posts { role } } } }`;

  it("a partner school's reviewer sees the owner of an action at the reviewed school, but not the school's other staff, nor the owner's posts", async () => {
    // A second teacher at A, named by nothing.
    const [other] = await app.sql<{ id: number }>(`insert into person (full_name) values ('Unnamed Teacher at A') returning id`);
    await app.sql(`insert into post (person_id, role, school_id, fte, started_on) values ($1, 'teacher', $2, 1, '2020-09-01')`, [other.id, p.schools.a]);
    const scheduled = await app.data(
      `mutation ($input: PeerReviewScheduleInput!) { peerReviewSchedule(input: $input) { peerReview { id } userErrors { message } } }`,
      { input: { groupId: p.ids.trust, schoolId: p.ids.a, startsOn: '2025-11-01', leadReviewerId: p.person('headB'), reviewerIds: [p.person('leadC')] } },
    );
    const reviewId = scheduled.peerReviewSchedule.peerReview.id;
    expect((await as('leadC', PERSON, { id: p.person('teacherA') })).data!.node).toBeNull();
    await app.data(`mutation { peerReviewStatusUpdate(input: { peerReviewId: "${reviewId}", status: IN_PROGRESS, on: "2025-11-03" }) { userErrors { message } } }`);
    const agreed = await as(
      'headB',
      `mutation ($input: PeerReviewActionAddInput!) { peerReviewActionAdd(input: $input) { peerReviewAction { owner { fullName } } userErrors { message } } }`,
      { input: { peerReviewId: reviewId, description: 'Phonics plan', ownerId: p.person('teacherA'), dueOn: '2027-01-31' } },
    );
    // Before the fix the owner came back null to the reviewer who agreed the action.
    expect(agreed.data!.peerReviewActionAdd).toEqual({ peerReviewAction: { owner: { fullName: 'Teacher at A (Sight Trust)' } }, userErrors: [] });
    const review = await as(
      'leadC',
      `query ($id: ID!) { node(id: $id) { ... on PeerReview { reviewers { person { fullName } } actions(first: 5) { edges { node { owner { fullName } } } } } } }`,
      { id: reviewId },
    );
    expect(review.errors).toBeUndefined();
    expect(review.data!.node.actions.edges).toEqual([{ node: { owner: { fullName: 'Teacher at A (Sight Trust)' } } }]);
    expect(review.data!.node.reviewers.map((r: any) => r.person?.fullName)).toEqual(['Head of B (Sight Trust)', 'Review Lead of C (Sight Trust)']);
    // The name, not the person's posts at A, and nobody else at A.
    const owner = await as('leadC', PERSON, { id: p.person('teacherA') });
    expect(owner.data!.node).toEqual({ fullName: 'Teacher at A (Sight Trust)', posts: [] });
    expect((await as('leadC', PERSON, { id: globalId('Person', other.id) })).data!.node).toBeNull();
    expect((await as('leadC', PERSON, { id: p.person('governorA') })).data!.node).toBeNull();
    // The school's governor, who sees the review, sees the reviewers from partner schools by name.
    const fromSchool = await as('governorA', `query ($id: ID!) { node(id: $id) { ... on PeerReview { reviewers { person { fullName } } } } }`, { id: reviewId });
    expect(fromSchool.data!.node.reviewers.map((r: any) => r.person?.fullName)).toEqual(['Head of B (Sight Trust)', 'Review Lead of C (Sight Trust)']);
    // Someone outside the review sees none of them.
    expect((await as('headD', PERSON, { id: p.person('teacherA') })).data!.node).toBeNull();
    expect((await as('headD', PERSON, { id: p.person('leadC') })).data!.node).toBeNull();
  });

  it("the supporting school's head sees the lead of the case they support, from the school in intervention", async () => {
    const opened = await app.data(
      `mutation ($input: InterventionCaseOpenInput!) { interventionCaseOpen(input: $input) { interventionCase { id } userErrors { field message } } }`,
      { input: { schoolId: p.ids.a, supportingGroupId: p.ids.trust, supportingSchoolId: p.ids.b, leadId: p.person('governorA'), concern: 'Attendance' } },
    );
    expect(opened.interventionCaseOpen.userErrors).toEqual([]);
    const caseId = opened.interventionCaseOpen.interventionCase.id;
    const seen = await as('headB', `query ($id: ID!) { node(id: $id) { ... on InterventionCase { lead { fullName } } } }`, { id: caseId });
    expect(seen.errors).toBeUndefined();
    expect(seen.data!.node).toEqual({ lead: { fullName: 'Governor of A (Sight Trust)' } });
    // Named, not their seat: headB still reads no governorship of A's committee.
    const seats = await as('headB', `query ($id: ID!) { node(id: $id) { ... on School { governingBodies { name } } } }`, { id: p.ids.a });
    expect(seats.data!.node.governingBodies).toEqual([]);
  });
});

describe('PEER_REVIEW_OVERDUE: only a completed review counts', () => {
  let app: TestApp;
  let p: Partnership;

  beforeAll(async () => {
    app = await startTestApp();
    p = await buildPartnership(app, 872000, 'Cycle Trust');
  });
  afterAll(async () => {
    await app?.close();
  });

  const openOverdue = () =>
    app.sql<{ id: number; evidence: any }>(
      `select a.id, a.evidence from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 and r.kind = 'peer_review_overdue' and a.status <> 'resolved'`,
      [p.schools.a],
    );
  /** Resolve the school's overdue alert by hand, then sweep: does the rule fire again? */
  const resolveAndSweep = async () => {
    for (const alert of await openOverdue())
      await app.data(`mutation ($id: ID!) { alertResolve(input: { alertId: $id }) { userErrors { message } } }`, { id: globalId('Alert', alert.id) });
    await sweepTimeBasedRules(app.orm);
    return openOverdue();
  };
  const status = (id: string, to: string, extra = '') =>
    app.data(`mutation { peerReviewStatusUpdate(input: { peerReviewId: "${id}", status: ${to}${extra} }) { userErrors { message } } }`);

  it('fires for a school with a PLANNED, an IN_PROGRESS or a CANCELLED review in the cycle, and not once one is COMPLETED', async () => {
    const rule = await app.data(
      `mutation ($input: TriggerRuleCreateInput!) { triggerRuleCreate(input: $input) { triggerRule { id } userErrors { message } } }`,
      { input: { kind: 'PEER_REVIEW_OVERDUE', name: 'Yearly review', severity: 'PEER_REVIEW', groupId: p.ids.trust, parameters: { months: 12 } } },
    );
    expect(rule.triggerRuleCreate.userErrors).toEqual([]);
    // A trust's PEER_REVIEW rule applies to a school once its body has agreed it (agreed triggers).
    await p.agreeForA(rule.triggerRuleCreate.triggerRule.id);
    expect(await openOverdue()).toHaveLength(1);
    const today = new Date().toISOString().slice(0, 10);
    const scheduled = await app.data(
      `mutation ($input: PeerReviewScheduleInput!) { peerReviewSchedule(input: $input) { peerReview { id } userErrors { message } } }`,
      { input: { groupId: p.ids.trust, schoolId: p.ids.a, startsOn: today, leadReviewerId: p.person('headB'), reviewerIds: [] } },
    );
    const reviewId = scheduled.peerReviewSchedule.peerReview.id;
    // Planned (starting today): before the fix this silenced the rule.
    const whilePlanned = await resolveAndSweep();
    expect(whilePlanned).toHaveLength(1);
    expect(whilePlanned[0].evidence).toMatchObject({ months: 12, lastReviewCompletedOn: null });
    await status(reviewId, 'IN_PROGRESS');
    expect(await resolveAndSweep()).toHaveLength(1);
    await status(reviewId, 'CANCELLED', ', note: "Head left"');
    expect(await resolveAndSweep()).toHaveLength(1);

    // A completed review resolves the alert and keeps the rule quiet for the cycle.
    const second = await app.data(
      `mutation ($input: PeerReviewScheduleInput!) { peerReviewSchedule(input: $input) { peerReview { id } userErrors { message } } }`,
      { input: { groupId: p.ids.trust, schoolId: p.ids.a, startsOn: today, leadReviewerId: p.person('headB'), reviewerIds: [] } },
    );
    const secondId = second.peerReviewSchedule.peerReview.id;
    await status(secondId, 'IN_PROGRESS');
    await app.data(`mutation { peerReviewFindingRecord(input: { peerReviewId: "${secondId}", area: STANDARDS, grade: 2, evidence: "Books" }) { userErrors { message } } }`);
    await status(secondId, 'COMPLETED');
    expect(await openOverdue()).toEqual([]);
    await sweepTimeBasedRules(app.orm);
    expect(await openOverdue()).toEqual([]);
    // A completion older than the cycle counts no more.
    await app.sql(`update peer_review set completed_on = current_date - 400, started_on = current_date - 401 where id = $1`, [
      fromGlobalId(secondId)!.id,
    ]);
    await sweepTimeBasedRules(app.orm);
    const lapsed = await openOverdue();
    expect(lapsed).toHaveLength(1);
    expect(lapsed[0].evidence.lastReviewCompletedOn).toBeTruthy();
  });
});
