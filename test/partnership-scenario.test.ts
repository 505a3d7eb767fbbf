import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTimeBasedRules } from '../src/alerts/sweep';
import { collect, connected, globalId, wsClient } from './alert-fixtures';
import { startTestApp, TestApp, wsUrlOf } from './helpers';
import { buildPartnership } from './review-fixtures';

/**
 * The scenario of issue 11, in the README's words ("After an alert: peer review and intervention"),
 * as far as reviews and intervention cases take it: every step through the GraphQL API of a real
 * server, the alerts live over graphql-ws, to the end: the trust's objective shows as met.
 */
describe('after an alert: peer review and intervention', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('KS2 falls below the floor, governors hear at once, the trust reviews with two partner schools, findings are worse than the self-evaluation, a case opens, a milestone is missed, an alert fires, and the case closes with improved results and the objective shows as met', async () => {
    const p = await buildPartnership(app, 850000, 'Scenario Trust');
    const ceo = await p.as('ceo');
    const call = async (as: string, query: string, variables: Record<string, unknown>) => {
      const result = await app.gqlAs(as, query, variables);
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      const [payload] = Object.values(result.data!) as any[];
      if (payload?.userErrors?.length) throw new Error(JSON.stringify(payload.userErrors));
      return payload;
    };

    // The trust agreed in advance: a review finding worse than the school's own view calls for intervention.
    const [finding] = await app.sql<{ id: number }>(`select id from trigger_rule where system_key = 'peer_review_finding_worse'`);
    const agreedRule = await call(
      ceo,
      `mutation ($input: TriggerRuleCreateInput!) { triggerRuleCreate(input: $input) { triggerRule { id } userErrors { field message } } }`,
      {
        input: {
          kind: 'PEER_REVIEW_FINDING_WORSE',
          name: 'Worse than we thought: intervene',
          severity: 'INTERVENTION',
          groupId: p.ids.trust,
          overridesRuleId: globalId('TriggerRule', finding.id),
          parameters: { margin: 1 },
        },
      },
    );
    // ... and school A's local committee agreed it for A: only then does it apply to A (agreed triggers).
    const agreement = await call(
      await p.as('governorA'),
      `mutation ($input: TriggerRuleAgreeInput!) { triggerRuleAgree(input: $input) { agreement { version severity agreedBy } userErrors { field message } } }`,
      { input: { ruleId: agreedRule.triggerRule.id, schoolId: p.ids.a, governingBodyId: globalId('GoverningBody', p.bodyA) } },
    );
    expect(agreement.agreement).toEqual({ version: 1, severity: 'INTERVENTION', agreedBy: expect.any(String) });
    // The trust's objective, with its success criterion as data: KS2 RWM at 65% or more by July 2027.
    const objective = (
      await call(
        ceo,
        `mutation ($input: StrategicObjectiveAddInput!) { strategicObjectiveAdd(input: $input) { strategicObjective { id } userErrors { field message } } }`,
        { input: { groupId: p.ids.trust, objective: 'Every school reading well', successCriteria: 'KS2 RWM at least 65% by July 2027' } },
      )
    ).strategicObjective;
    await call(
      ceo,
      `mutation ($input: SuccessCriterionSetInput!) { successCriterionSet(input: $input) { strategicObjective { id } userErrors { field message } } }`,
      { input: { objectiveId: objective.id, metric: 'KS2_RWM_EXPECTED_PCT', baseline: 60, target: 65, targetOn: '2027-07-31' } },
    );
    await call(
      ceo,
      `mutation ($input: SelfEvaluationRecordInput!) { selfEvaluationRecord(input: $input) { userErrors { field message } } }`,
      {
        input: { schoolId: p.ids.a, area: 'QUALITY_OF_EDUCATION', grade: 2, evaluatedOn: '2025-07-01' },
      },
    );

    // 1. The school's KS2 result falls below the agreed floor; its governor hears of it live.
    const governor = wsClient(wsUrlOf(app.url), await p.as('governorA'));
    const raised = collect(
      governor,
      `subscription { alertRaised(minSeverity: PEER_REVIEW) { cursor alert { id severity evidence school { urn } rule { kind } } } }`,
    );
    await connected(governor);
    await call(ceo, `mutation ($input: MeasureRecordInput!) { measureRecord(input: $input) { userErrors { field message } } }`, {
      input: { schoolId: p.ids.a, metric: 'KS2_RWM_EXPECTED_PCT', academicYear: '2024/25', value: 52, source: 'DfE KS2 2025' },
    });
    await raised.until(1);
    const ks2Alert = raised.events[0].alert as any;
    expect(ks2Alert).toMatchObject({ severity: 'PEER_REVIEW', rule: { kind: 'METRIC_BELOW' }, evidence: { value: 52, threshold: 65 } });

    // 2. The trust schedules a peer review from the alert, with reviewers from two partner schools.
    const review = (
      await call(
        ceo,
        `mutation ($input: PeerReviewScheduleInput!) { peerReviewSchedule(input: $input) { peerReview { id reviewers { school { id } } } userErrors { field message } } }`,
        {
          input: {
            groupId: p.ids.trust,
            alertId: ks2Alert.id,
            startsOn: '2025-10-06',
            leadReviewerId: p.person('headB'),
            reviewerIds: [p.person('leadC')],
          },
        },
      )
    ).peerReview;
    expect(review.reviewers.map((r: any) => r.school.id)).toEqual([p.ids.b, p.ids.c]);

    // 3. The reviewers find quality of education worse than the school's own self-evaluation.
    const headB = await p.as('headB');
    await call(
      headB,
      `mutation ($input: PeerReviewStatusUpdateInput!) { peerReviewStatusUpdate(input: $input) { userErrors { field message } } }`,
      {
        input: { peerReviewId: review.id, status: 'IN_PROGRESS', on: '2025-10-06' },
      },
    );
    const recorded = await call(
      headB,
      `mutation ($input: PeerReviewFindingRecordInput!) { peerReviewFindingRecord(input: $input) { finding { worseThanSelfEvaluation } userErrors { field message } } }`,
      {
        input: {
          peerReviewId: review.id,
          area: 'QUALITY_OF_EDUCATION',
          grade: 3,
          evidence: 'Reading not taught systematically in Years 3-4.',
        },
      },
    );
    expect(recorded.finding.worseThanSelfEvaluation).toBe(true);
    await call(
      headB,
      `mutation ($input: PeerReviewStatusUpdateInput!) { peerReviewStatusUpdate(input: $input) { userErrors { field message } } }`,
      {
        input: { peerReviewId: review.id, status: 'COMPLETED', on: '2025-10-08', note: 'Leadership capacity is the issue.' },
      },
    );
    await raised.until(2);
    const worseAlert = raised.events[1].alert as any;
    expect(worseAlert).toMatchObject({ severity: 'INTERVENTION', rule: { kind: 'PEER_REVIEW_FINDING_WORSE' } });
    const [ks2Status] = await app.sql(`select status from alert where id = $1`, [
      Number(Buffer.from(ks2Alert.id, 'base64url').toString().split(':')[1]),
    ]);
    expect(ks2Status.status).toBe('resolved');

    // 4. An intervention case opens from that alert, led by partner school B's head, with a milestone.
    const opened = (
      await call(
        ceo,
        `mutation ($input: InterventionCaseOpenInput!) { interventionCaseOpen(input: $input) { interventionCase { id milestones(first: 5) { edges { node { id } } } } userErrors { field message } } }`,
        {
          input: {
            alertId: worseAlert.id,
            supportingGroupId: p.ids.trust,
            supportingSchoolId: p.ids.b,
            leadId: p.person('headB'),
            concern: 'Quality of education below what the school believed; reading in lower KS2.',
            openedOn: '2025-10-13',
            milestones: [{ description: 'Systematic reading programme in Years 3-4', dueOn: '2099-01-31' }],
          },
        },
      )
    ).interventionCase;

    // 5. The milestone's date passes unmet: the sweep raises an alert, and the governor hears of it.
    await app.sql(
      `update intervention_milestone set due_on = current_date - 1 where case_id = (select id from intervention_case where school_id = $1)`,
      [p.schools.a],
    );
    await sweepTimeBasedRules(app.orm);
    await raised.until(3);
    expect(raised.events[2].alert).toMatchObject({ severity: 'INTERVENTION', rule: { kind: 'INTERVENTION_MILESTONE_MISSED' } });

    // 6. The milestone is met late, the termly review is green, KS2 recovers, and the case closes improved.
    await call(
      headB,
      `mutation ($input: InterventionMilestoneMeetInput!) { interventionMilestoneMeet(input: $input) { userErrors { field message } } }`,
      {
        input: { interventionMilestoneId: opened.milestones.edges[0].node.id, note: 'In place from February' },
      },
    );
    await call(
      headB,
      `mutation ($input: InterventionReviewRecordInput!) { interventionReviewRecord(input: $input) { userErrors { field message } } }`,
      {
        input: {
          interventionCaseId: opened.id,
          academicYear: '2025/26',
          term: 'SPRING',
          rating: 'GREEN',
          notes: 'Reading on track.',
          reviewedOn: '2026-03-20',
        },
      },
    );
    await call(ceo, `mutation ($input: MeasureRecordInput!) { measureRecord(input: $input) { userErrors { field message } } }`, {
      input: { schoolId: p.ids.a, metric: 'KS2_RWM_EXPECTED_PCT', academicYear: '2025/26', value: 71, source: 'DfE KS2 2026' },
    });
    const closed = (
      await call(
        headB,
        `mutation ($input: InterventionCaseCloseInput!) { interventionCaseClose(input: $input) { interventionCase { status outcome } userErrors { field message } } }`,
        { input: { interventionCaseId: opened.id, outcome: 'IMPROVED', outcomeNotes: 'KS2 RWM 52% -> 71%.' } },
      )
    ).interventionCase;
    expect(closed).toEqual({ status: 'CLOSED', outcome: 'IMPROVED' });
    const live = await app.sql(
      `select r.kind from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 and a.status <> 'resolved' and a.severity <> 'watch'`,
      [p.schools.a],
    );
    expect(live).toEqual([]);
    const caseAlerts = await app.gqlAs(
      ceo,
      `query ($id: ID!) { node(id: $id) { ... on InterventionCase { alerts(first: 10) { edges { node { status rule { kind } } } } } } }`,
      {
        id: opened.id,
      },
    );
    expect((caseAlerts.data!.node as any).alerts.edges.map((e: any) => e.node)).toEqual(
      expect.arrayContaining([
        { status: 'RESOLVED', rule: { kind: 'PEER_REVIEW_FINDING_WORSE' } },
        { status: 'RESOLVED', rule: { kind: 'INTERVENTION_MILESTONE_MISSED' } },
      ]),
    );

    // 7. The objective shows as met: A's 71% in 2025/26 reaches the target, and counts (its year ended within the window).
    const progress = await app.gqlAs(
      ceo,
      `query ($id: ID!) { node(id: $id) { ... on StrategicObjective { progress { status reason value academicYear schoolsCounted schoolsLeftOut
         schools { school { id } status value reason } } } } }`,
      { id: objective.id },
    );
    const shown = (progress.data!.node as any).progress;
    expect(shown).toMatchObject({ status: 'MET', value: 71, academicYear: '2025/26', schoolsCounted: 1, schoolsLeftOut: 2 });
    expect(shown.reason).toMatch(/reaches the target \(at least 65\)/);
    expect(shown.schools.find((s: any) => s.school.id === p.ids.a)).toMatchObject({ status: 'MET', value: 71 });
    expect(shown.schools.filter((s: any) => s.status === 'NO_DATA')).toHaveLength(2);
    await governor.dispose();
  });
});
