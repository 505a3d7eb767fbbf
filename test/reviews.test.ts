import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTimeBasedRules } from '../src/alerts/sweep';
import { collect, connected, globalId, recordMeasure, sleep, wsClient } from './alert-fixtures';
import { startTestApp, TestApp, wsUrlOf } from './helpers';
import { buildPartnership, Partnership } from './review-fixtures';

const REVIEW_FIELDS = `id status reason startedOn completedOn followedUpOn cancelledOn cancelReason focus summary createdBy
  school { urn } group { name } alert { id status }
  reviewers { role person { fullName } school { id } organisation }
  findings { area grade evidence selfEvaluationGrade worseThanSelfEvaluation recordedBy }
  actions(first: 10) { totalCount edges { node { id description status dueOn doneOn overdue owner { fullName } } } }`;
const SCHEDULE = `mutation ($input: PeerReviewScheduleInput!) { peerReviewSchedule(input: $input) { peerReview { ${REVIEW_FIELDS} } userErrors { field message code } } }`;
const STATUS = `mutation ($input: PeerReviewStatusUpdateInput!) { peerReviewStatusUpdate(input: $input) { peerReview { ${REVIEW_FIELDS} } userErrors { field message code } } }`;
const FINDING = `mutation ($input: PeerReviewFindingRecordInput!) { peerReviewFindingRecord(input: $input) {
  finding { area grade selfEvaluationGrade worseThanSelfEvaluation } peerReview { id findings { area } } userErrors { field message code } } }`;
const ACTION_ADD = `mutation ($input: PeerReviewActionAddInput!) { peerReviewActionAdd(input: $input) {
  peerReviewAction { id description status dueOn overdue owner { fullName } peerReview { id } } userErrors { field message code } } }`;
const ACTION_UPDATE = `mutation ($input: PeerReviewActionUpdateInput!) { peerReviewActionUpdate(input: $input) {
  peerReviewAction { id status doneOn note } userErrors { field message code } } }`;
const EVENTS = `subscription ($since: String) { partnershipEvents(since: $since) { cursor kind actor summary forYou subjectId school { urn } } }`;
const RULE_CREATE = `mutation ($input: TriggerRuleCreateInput!) { triggerRuleCreate(input: $input) { triggerRule { id severity } userErrors { field message code } } }`;

const STATUSES = ['PLANNED', 'IN_PROGRESS', 'COMPLETED', 'FOLLOWED_UP', 'CANCELLED'];
const ALLOWED: Record<string, string[]> = {
  PLANNED: ['IN_PROGRESS', 'CANCELLED'],
  IN_PROGRESS: ['COMPLETED', 'CANCELLED'],
  COMPLETED: ['FOLLOWED_UP'],
  FOLLOWED_UP: [],
  CANCELLED: [],
};

describe('peer reviews', () => {
  let app: TestApp;
  let p: Partnership;
  let urn = 830000;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  const fresh = async () => {
    urn += 10;
    p = await buildPartnership(app, urn, `Trust ${urn}`);
    return p;
  };
  const asPerson = async (who: keyof Partnership['people'], query: string, variables: Record<string, unknown>) =>
    app.gqlAs(await p.as(who), query, variables);
  const schedule = async (who: keyof Partnership['people'] | 'admin', input: Record<string, unknown>) => {
    const full = {
      groupId: p.ids.trust,
      schoolId: p.ids.a,
      startsOn: '2026-01-12',
      leadReviewerId: p.person('headB'),
      reviewerIds: [p.person('leadC')],
      ...input,
    };
    const result = who === 'admin' ? await app.gql(SCHEDULE, { input: full }) : await asPerson(who, SCHEDULE, { input: full });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data!.peerReviewSchedule;
  };
  const move = async (id: string, status: string, extra: Record<string, unknown> = {}, who: keyof Partnership['people'] = 'ceo') =>
    (await asPerson(who, STATUS, { input: { peerReviewId: id, status, ...extra } })).data!.peerReviewStatusUpdate;
  const finding = async (id: string, area: string, grade: number, who: keyof Partnership['people'] = 'headB') =>
    (await asPerson(who, FINDING, { input: { peerReviewId: id, area, grade, evidence: `Observed ${area}` } })).data!
      .peerReviewFindingRecord;

  it("schedules a review of a member school by the trust with reviewers from two partner schools, and tells the school's governors and the reviewers live", async () => {
    await fresh();
    const governor = wsClient(wsUrlOf(app.url), await p.as('governorA'));
    const reviewer = wsClient(wsUrlOf(app.url), await p.as('leadC'));
    const outsider = wsClient(wsUrlOf(app.url), await p.as('headD'));
    const toGovernor = collect(governor, EVENTS);
    const toReviewer = collect(reviewer, EVENTS);
    const toOutsider = collect(outsider, EVENTS);
    await Promise.all([connected(governor), connected(reviewer), connected(outsider)]);

    const scheduled = await schedule('ceo', { focus: 'Reading in key stage 2' });
    expect(scheduled.userErrors).toEqual([]);
    const review = scheduled.peerReview;
    expect(review).toMatchObject({
      status: 'PLANNED',
      reason: 'SCHEDULED',
      startedOn: '2026-01-12',
      focus: 'Reading in key stage 2',
      school: { urn },
      group: { name: `Trust ${urn}` },
      reviewers: [
        { role: 'LEAD_REVIEWER', person: { fullName: `Head of B (Trust ${urn})` }, school: { id: p.ids.b } },
        { role: 'REVIEWER', person: { fullName: `Review Lead of C (Trust ${urn})` }, school: { id: p.ids.c } },
      ],
      findings: [],
    });

    await toGovernor.until(1);
    await toReviewer.until(1);
    expect(toGovernor.events[0]).toMatchObject({ kind: 'PEER_REVIEW_SCHEDULED', forYou: false, subjectId: review.id, school: { urn } });
    expect(toReviewer.events[0]).toMatchObject({ kind: 'PEER_REVIEW_SCHEDULED', forYou: true, subjectId: review.id });
    // The reviewer reaches the review (not the school): node() shows it to them; not to a head elsewhere.
    const seenByReviewer = await asPerson('leadC', `query ($id: ID!) { node(id: $id) { ... on PeerReview { id status } } }`, {
      id: review.id,
    });
    expect(seenByReviewer.data!.node).toEqual({ id: review.id, status: 'PLANNED' });
    const seenByOutsider = await asPerson('headD', `query ($id: ID!) { node(id: $id) { ... on PeerReview { id } } }`, { id: review.id });
    expect(seenByOutsider.data!.node).toBeNull();
    await sleep(300);
    expect(toOutsider.events).toEqual([]);
    const audit = await app.sql(`select operation, actor from audit_event where operation = 'peerReviewSchedule' and actor = $1`, [
      `person:${p.people.ceo}`,
    ]);
    expect(audit).toHaveLength(1);
    await Promise.all([governor.dispose(), reviewer.dispose(), outsider.dispose()]);
  });
});
