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
  const finding = async (id: string, area: string, grade: number, who: keyof Partnership['people'] = 'headB') => {
    const result = await asPerson(who, FINDING, { input: { peerReviewId: id, area, grade, evidence: `Observed ${area}` } });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data!.peerReviewFindingRecord;
  };

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
  it('refuses a reviewer from the reviewed school, one from no partner school, a person named twice and an adviser from the school, naming each field', async () => {
    await fresh();
    const before = await app.sql(`select count(*)::int as n from peer_review`);
    const refused = await schedule('admin', {
      leadReviewerId: p.person('teacherA'),
      reviewerIds: [p.person('headD'), p.person('leadC'), p.person('leadC'), p.person('governorA')],
      externalAdviserId: p.person('teacherA'),
    });
    expect(refused.peerReview).toBeNull();
    const byField = Object.fromEntries(refused.userErrors.map((e: any) => [e.field.join('.'), e.message]));
    expect(byField['input.leadReviewerId']).toMatch(/holds a post or seat at .* the school under review/);
    expect(byField['input.reviewerIds.0']).toMatch(/no current post or seat in another member school/);
    expect(byField['input.reviewerIds.2']).toMatch(/named twice/);
    expect(byField['input.reviewerIds.3']).toMatch(/the school under review/);
    expect(byField['input.externalAdviserId']).toMatch(/named twice/);
    expect(byField['input.reviewerIds.1']).toBeUndefined();
    // Nothing was written: no review, no event.
    expect(await app.sql(`select count(*)::int as n from peer_review`)).toEqual(before);
    expect(await app.sql(`select 1 from alert_event where school_id = $1`, [p.schools.a])).toEqual([]);

    const adviserFromSchool = await schedule('admin', { externalAdviserId: p.person('governorA') });
    expect(adviserFromSchool.userErrors).toEqual([
      { field: ['input', 'externalAdviserId'], message: expect.stringMatching(/the school under review/), code: 'INVALID' },
    ]);
    // A partner through the cluster qualifies too; an external adviser may come from anywhere else.
    const viaCluster = await schedule('admin', {
      groupId: p.ids.cluster,
      leadReviewerId: p.person('headE'),
      reviewerIds: [],
      externalAdviserId: p.person('headD'),
      externalAdviserOrganisation: 'Diocese',
    });
    expect(viaCluster.userErrors).toEqual([]);
    expect(viaCluster.peerReview.reviewers).toEqual([
      { role: 'LEAD_REVIEWER', person: { fullName: expect.stringMatching(/Head of E/) }, school: { id: p.ids.e }, organisation: null },
      { role: 'EXTERNAL_ADVISER', person: { fullName: expect.stringMatching(/Head of D/) }, school: null, organisation: 'Diocese' },
    ]);
    const orgWithoutAdviser = await schedule('admin', { externalAdviserOrganisation: 'Diocese' });
    expect(orgWithoutAdviser.userErrors[0].field).toEqual(['input', 'externalAdviserOrganisation']);
  });

  it('refuses scheduling by someone who does not lead the group, of a school outside the group, and without a school or alert', async () => {
    await fresh();
    const byGovernor = await asPerson('governorA', SCHEDULE, {
      input: { groupId: p.ids.trust, schoolId: p.ids.a, startsOn: '2026-01-12', leadReviewerId: p.person('headB') },
    });
    expect(byGovernor.data!.peerReviewSchedule.userErrors[0]).toMatchObject({ field: ['input', 'groupId'], code: 'NOT_ALLOWED' });
    const outside = await schedule('ceo', { schoolId: p.ids.d });
    expect(outside.userErrors[0]).toMatchObject({ field: ['input', 'schoolId'], message: expect.stringMatching(/not a current member/) });
    const noSchool = await schedule('ceo', { schoolId: null });
    expect(noSchool.userErrors[0]).toMatchObject({ field: ['input', 'schoolId'], message: expect.stringMatching(/must be given/) });
    const notAGroup = await schedule('ceo', { groupId: p.ids.a });
    expect(notAGroup.userErrors[0]).toMatchObject({ field: ['input', 'groupId'], code: 'INVALID' });
    const anonymous = await app.gqlAs(undefined, SCHEDULE, {
      input: { groupId: p.ids.trust, schoolId: p.ids.a, startsOn: '2026-01-12', leadReviewerId: p.person('headB') },
    });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('runs planned -> in progress -> completed -> followed up, with findings flagged against the self-evaluation and actions with owners', async () => {
    await fresh();
    await app.data(`mutation ($input: SelfEvaluationRecordInput!) { selfEvaluationRecord(input: $input) { userErrors { message } } }`, {
      input: { schoolId: p.ids.a, area: 'QUALITY_OF_EDUCATION', grade: 2, evaluatedOn: '2025-09-01' },
    });
    const review = (await schedule('ceo', {})).peerReview;
    // Findings and actions wait for the review to start.
    expect((await finding(review.id, 'QUALITY_OF_EDUCATION', 3)).userErrors[0]).toMatchObject({
      field: ['input', 'peerReviewId'],
      message: expect.stringMatching(/PLANNED \(start it first\)/),
      code: 'CONFLICT',
    });
    // The reviewed school's governor sees the review but does not run it.
    expect((await move(review.id, 'IN_PROGRESS', {}, 'governorA')).userErrors[0]).toMatchObject({ code: 'NOT_ALLOWED' });
    expect((await move(review.id, 'IN_PROGRESS', { on: '2999-01-01' })).userErrors[0]).toMatchObject({ field: ['input', 'on'] });
    const started = await move(review.id, 'IN_PROGRESS', { on: '2026-01-12' }, 'headB');
    expect(started).toMatchObject({ peerReview: { status: 'IN_PROGRESS', startedOn: '2026-01-12' }, userErrors: [] });
    expect((await move(review.id, 'COMPLETED')).userErrors[0]).toMatchObject({
      field: ['input', 'peerReviewId'],
      message: expect.stringMatching(/without findings/),
      code: 'CONFLICT',
    });

    const worse = await finding(review.id, 'QUALITY_OF_EDUCATION', 3);
    expect(worse).toMatchObject({ finding: { grade: 3, selfEvaluationGrade: 2, worseThanSelfEvaluation: true }, userErrors: [] });
    const same = await finding(review.id, 'LEADERSHIP_AND_MANAGEMENT', 2, 'leadC');
    expect(same.finding).toMatchObject({ selfEvaluationGrade: null, worseThanSelfEvaluation: false });
    for (const [grade, evidence, field] of [
      [5, 'x', 'grade'],
      [0, 'x', 'grade'],
      [2, '   ', 'evidence'],
    ] as const) {
      const bad = await asPerson('headB', FINDING, { input: { peerReviewId: review.id, area: 'EARLY_YEARS', grade, evidence } });
      expect(bad.data!.peerReviewFindingRecord.userErrors[0].field).toEqual(['input', field]);
    }
    // The default PEER_REVIEW_FINDING_WORSE rule (WATCH, margin 1) fired, through the rule mechanism.
    const [fired] = await app.sql<{ severity: string; evidence: any }>(
      `select a.severity, a.evidence from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 and r.kind = 'peer_review_finding_worse'`,
      [p.schools.a],
    );
    expect(fired.severity).toBe('watch');
    expect(fired.evidence.areas).toEqual([{ area: 'quality_of_education', grade: 3, selfEvaluation: 2, selfEvaluatedOn: '2025-09-01' }]);

    // Actions: an owner who can carry it out (a teacher at the school, a reviewer); not someone from elsewhere.
    const add = (who: string, dueOn: string, by: keyof Partnership['people'] = 'headB') =>
      asPerson(by, ACTION_ADD, { input: { peerReviewId: review.id, description: 'Phonics training for KS1 staff', ownerId: who, dueOn } });
    expect((await add(p.person('headD'), '2026-06-30')).data!.peerReviewActionAdd.userErrors[0]).toMatchObject({
      field: ['input', 'ownerId'],
    });
    expect((await add(p.person('teacherA'), '2025-01-01')).data!.peerReviewActionAdd.userErrors[0]).toMatchObject({
      field: ['input', 'dueOn'],
    });
    const teacherHears = wsClient(wsUrlOf(app.url), await p.as('teacherA'));
    const toTeacher = collect(teacherHears, EVENTS);
    await connected(teacherHears);
    const action = (await add(p.person('teacherA'), '2099-06-30', 'ceo')).data!.peerReviewActionAdd;
    expect(action).toMatchObject({
      peerReviewAction: { status: 'OPEN', overdue: false, owner: { fullName: expect.stringMatching(/Teacher at A/) } },
      userErrors: [],
    });
    const second = (await add(p.person('leadC'), '2099-07-31')).data!.peerReviewActionAdd.peerReviewAction;
    await toTeacher.until(1);
    expect(toTeacher.events[0]).toMatchObject({ kind: 'PEER_REVIEW_ACTION_ASSIGNED', forYou: true, subjectId: action.peerReviewAction.id });
    await teacherHears.dispose();

    const completed = await move(review.id, 'COMPLETED', { note: 'Strong leadership; phonics needs work.' });
    expect(completed).toMatchObject({
      peerReview: { status: 'COMPLETED', summary: 'Strong leadership; phonics needs work.' },
      userErrors: [],
    });
    expect((await finding(review.id, 'EARLY_YEARS', 1)).userErrors[0].message).toMatch(/COMPLETED \(its findings are final\)/);
    expect((await move(review.id, 'FOLLOWED_UP')).userErrors[0]).toMatchObject({
      message: expect.stringMatching(/2 agreed actions are still open/),
    });

    // The owner works the action; DONE and CANCELLED are final.
    const update = (id: string, status: string, by: keyof Partnership['people'], extra: Record<string, unknown> = {}) =>
      asPerson(by, ACTION_UPDATE, { input: { peerReviewActionId: id, status, ...extra } });
    const actionId = action.peerReviewAction.id;
    expect((await update(actionId, 'IN_PROGRESS', 'headD')).data!.peerReviewActionUpdate.userErrors[0]).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(
      (await update(actionId, 'IN_PROGRESS', 'teacherA', { on: '2026-02-01' })).data!.peerReviewActionUpdate.userErrors[0].field,
    ).toEqual(['input', 'on']);
    expect((await update(actionId, 'IN_PROGRESS', 'teacherA')).data!.peerReviewActionUpdate.peerReviewAction.status).toBe('IN_PROGRESS');
    expect((await update(actionId, 'OPEN', 'teacherA')).data!.peerReviewActionUpdate.userErrors[0]).toMatchObject({
      field: ['input', 'status'],
      message: 'cannot go from IN_PROGRESS to OPEN: an IN_PROGRESS action can only become DONE or CANCELLED.',
      code: 'CONFLICT',
    });
    const done = (await update(actionId, 'DONE', 'teacherA', { on: '2026-03-01', note: 'All staff trained' })).data!.peerReviewActionUpdate;
    expect(done.peerReviewAction).toMatchObject({ status: 'DONE', doneOn: '2026-03-01', note: 'All staff trained' });
    expect((await update(actionId, 'CANCELLED', 'ceo')).data!.peerReviewActionUpdate.userErrors[0].message).toMatch(
      /a DONE action is final/,
    );
    expect((await update(second.id, 'CANCELLED', 'ceo', { note: 'Superseded' })).data!.peerReviewActionUpdate.peerReviewAction.status).toBe(
      'CANCELLED',
    );

    const followed = await move(review.id, 'FOLLOWED_UP');
    expect(followed).toMatchObject({ peerReview: { status: 'FOLLOWED_UP', actions: { totalCount: 2 } }, userErrors: [] });
    const schoolReviews = await app.data(
      `query ($id: ID!) { node(id: $id) { ... on School { peerReviews(first: 5) { totalCount edges { node { id status } } } } } }`,
      {
        id: p.ids.a,
      },
    );
    expect(schoolReviews.node.peerReviews.edges.map((e: any) => e.node)).toEqual([{ id: review.id, status: 'FOLLOWED_UP' }]);
  });

  it('refuses every status move but the four the workflow allows, naming both statuses', async () => {
    await fresh();
    const review = (await schedule('ceo', {})).peerReview;
    const [{ id }] = await app.sql<{ id: number }>(`select id from peer_review where school_id = $1`, [p.schools.a]);
    await app.sql(
      `insert into peer_review_finding (peer_review_id, area, grade, evidence, recorded_by) values ($1, 'standards', 2, 'x', 'test')`,
      [id],
    );
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        if (ALLOWED[from].includes(to)) continue;
        await app.sql(`update peer_review set status = $2 where id = $1`, [id, from.toLowerCase()]);
        const refused = await move(review.id, to, { note: 'why' });
        expect(refused.peerReview, `${from} -> ${to}`).toBeNull();
        expect(refused.userErrors[0], `${from} -> ${to}`).toMatchObject({
          field: ['input', 'status'],
          code: 'CONFLICT',
          message: expect.stringMatching(new RegExp(`^cannot go from ${from} to ${to}: `)),
        });
      }
    }
    await app.sql(`update peer_review set status = 'completed' where id = $1`, [id]);
    expect((await move(review.id, 'PLANNED')).userErrors[0].message).toBe(
      'cannot go from COMPLETED to PLANNED: a COMPLETED review can only become FOLLOWED_UP.',
    );
    await app.sql(`update peer_review set status = 'planned' where id = $1`, [id]);
    expect((await move(review.id, 'CANCELLED')).userErrors[0]).toMatchObject({ field: ['input', 'note'] });
    const cancelled = await move(review.id, 'CANCELLED', { note: 'Head on long-term leave' });
    expect(cancelled.peerReview).toMatchObject({ status: 'CANCELLED', cancelReason: 'Head on long-term leave' });
  });

  it('raised from a PEER_REVIEW alert: links and acknowledges it, and completing resolves it and resets PEER_REVIEW_OVERDUE', async () => {
    await fresh();
    // The trust agrees a two-year review cycle: with no review yet, the school is overdue at once.
    const overdueRule = await app.data(RULE_CREATE, {
      input: {
        kind: 'PEER_REVIEW_OVERDUE',
        name: 'Review every two years',
        severity: 'PEER_REVIEW',
        groupId: p.ids.trust,
        parameters: { months: 24 },
      },
    });
    expect(overdueRule.triggerRuleCreate.userErrors).toEqual([]);
    await p.agreeForA(overdueRule.triggerRuleCreate.triggerRule.id); // agreed triggers: A's local committee agrees the cycle
    await recordMeasure(app.orm, p.schools.a, 48, { year: '2025/26' });
    const alerts = await app.sql<{ id: number; kind: string; severity: string }>(
      `select a.id, r.kind, a.severity from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 order by a.id`,
      [p.schools.a],
    );
    expect(alerts.map((a) => a.kind)).toEqual(['peer_review_overdue', 'metric_below']);
    const ks2 = globalId('Alert', alerts[1].id);

    const watchAlert = await app.sql<{ id: number }>(
      `insert into alert (rule_id, school_id, severity, evidence) select id, $1, 'watch', '{}' from trigger_rule where system_key = 'attendance_below' returning id`,
      [p.schools.a],
    );
    const fromWatch = await schedule('ceo', { schoolId: null, alertId: globalId('Alert', watchAlert[0].id) });
    expect(fromWatch.userErrors[0]).toMatchObject({ field: ['input', 'alertId'], message: expect.stringMatching(/severity WATCH/) });
    const mismatch = await schedule('ceo', { schoolId: p.ids.b, alertId: ks2 });
    expect(mismatch.userErrors[0].field).toEqual(['input', 'schoolId']);

    const review = (await schedule('ceo', { schoolId: null, alertId: ks2 })).peerReview;
    expect(review).toMatchObject({ reason: 'ALERT', alert: { id: ks2, status: 'ACKNOWLEDGED' } });
    const linked = await app.data(`query ($id: ID!) { node(id: $id) { ... on Alert { peerReview { id } } } }`, { id: ks2 });
    expect(linked.node.peerReview).toEqual({ id: review.id });
    expect((await schedule('ceo', { schoolId: null, alertId: ks2 })).userErrors[0]).toMatchObject({ code: 'CONFLICT' });

    await move(review.id, 'IN_PROGRESS', { on: '2025-11-03' });
    await finding(review.id, 'STANDARDS', 3);
    const completed = await move(review.id, 'COMPLETED', { on: '2025-11-05' });
    expect(completed.userErrors).toEqual([]);
    const after = await app.sql<{ kind: string; status: string; resolved_by: string; note: string }>(
      `select r.kind, a.status, a.resolved_by, a.note from alert a join trigger_rule r on r.id = a.rule_id
       where a.school_id = $1 and r.kind in ('peer_review_overdue', 'metric_below') and a.severity <> 'watch' order by a.id`,
      [p.schools.a],
    );
    expect(after).toEqual([
      { kind: 'peer_review_overdue', status: 'resolved', resolved_by: `person:${p.people.ceo}`, note: 'Peer review completed.' },
      { kind: 'metric_below', status: 'resolved', resolved_by: `person:${p.people.ceo}`, note: 'Peer review completed.' },
    ]);
    // The sweep finds the school reviewed within the cycle: no new overdue alert.
    await sweepTimeBasedRules(app.orm);
    const overdueAgain = await app.sql(
      `select 1 from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 and r.kind = 'peer_review_overdue' and a.status = 'open'`,
      [p.schools.a],
    );
    expect(overdueAgain).toEqual([]);
  });

  it('raises an alert for an action past its due date at the sweep, with the severity the group set', async () => {
    await fresh();
    const [defaultRule] = await app.sql<{ id: number }>(`select id from trigger_rule where system_key = 'peer_review_action_overdue'`);
    const own = await app.data(RULE_CREATE, {
      input: {
        kind: 'PEER_REVIEW_ACTION_OVERDUE',
        name: 'Overdue actions go to the board',
        severity: 'PEER_REVIEW',
        groupId: p.ids.trust,
        overridesRuleId: globalId('TriggerRule', defaultRule.id),
        parameters: {},
      },
    });
    expect(own.triggerRuleCreate.userErrors).toEqual([]);
    await p.agreeForA(own.triggerRuleCreate.triggerRule.id);
    const review = (await schedule('ceo', {})).peerReview;
    await move(review.id, 'IN_PROGRESS', { on: '2025-10-01' });
    const added = await asPerson('ceo', ACTION_ADD, {
      input: {
        peerReviewId: review.id,
        description: 'Publish the new behaviour policy',
        ownerId: p.person('teacherA'),
        dueOn: '2099-01-31',
      },
    });
    const actionId = added.data!.peerReviewActionAdd.peerReviewAction.id;
    await sweepTimeBasedRules(app.orm);
    const none = await app.sql(
      `select 1 from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 and r.kind = 'peer_review_action_overdue'`,
      [p.schools.a],
    );
    expect(none).toEqual([]);
    // Time passes: the due date is behind us and the action is still open.
    await app.sql(
      `update peer_review_action set due_on = current_date - 1 where peer_review_id = (select id from peer_review where school_id = $1)`,
      [p.schools.a],
    );
    await sweepTimeBasedRules(app.orm);
    const [fired] = await app.sql<{ severity: string; evidence: any; rule_id: number }>(
      `select a.severity, a.evidence, a.rule_id from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 and r.kind = 'peer_review_action_overdue'`,
      [p.schools.a],
    );
    expect(fired.severity).toBe('peer_review');
    expect(fired.rule_id).not.toBe(defaultRule.id);
    expect(fired.evidence.actions).toEqual([expect.objectContaining({ description: 'Publish the new behaviour policy', status: 'open' })]);
    const seen = await asPerson('teacherA', `query ($id: ID!) { node(id: $id) { ... on PeerReviewAction { overdue status } } }`, {
      id: actionId,
    });
    expect(seen.data!.node).toEqual({ overdue: true, status: 'OPEN' });
  });
  it('schedules once from one alert when two leaders race, the other told why, and resumes workflow events from a cursor', async () => {
    await fresh();
    await recordMeasure(app.orm, p.schools.a, 40, { year: '2025/26' });
    const [alert] = await app.sql<{ id: number }>(
      `select a.id from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 and r.system_key = 'ks2_rwm_below_floor'`,
      [p.schools.a],
    );
    const alertId = globalId('Alert', alert.id);
    const results = await Promise.all([schedule('ceo', { schoolId: null, alertId }), schedule('admin', { schoolId: null, alertId })]);
    const won = results.filter((r) => r.peerReview);
    const lost = results.filter((r) => !r.peerReview);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0].userErrors[0]).toMatchObject({ field: ['input', 'alertId'], code: 'CONFLICT' });
    const events = await app.sql(`select kind from alert_event where school_id = $1 and alert_id is null`, [p.schools.a]);
    expect(events).toEqual([{ kind: 'peer_review_scheduled' }]);

    // A reviewer who was away resumes from the cursor of the last event they processed: nothing missed, nothing twice.
    const first = wsClient(wsUrlOf(app.url), await p.as('headB'));
    const live = collect(first, EVENTS);
    await connected(first);
    const reviewId = won[0].peerReview.id;
    await move(reviewId, 'IN_PROGRESS', { on: '2025-11-03' });
    await live.until(1);
    const cursor = live.events[0].cursor;
    await first.dispose();
    await move(reviewId, 'CANCELLED', { note: 'School closed for snow' });
    const again = wsClient(wsUrlOf(app.url), await p.as('headB'));
    const resumed = collect(again, EVENTS, { since: cursor });
    await resumed.until(1);
    await sleep(300);
    expect(resumed.events.map((e: any) => e.summary)).toEqual([expect.stringMatching(/IN_PROGRESS -> CANCELLED/)]);
    await again.dispose();
  });
});
