import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepTimeBasedRules } from '../src/alerts/sweep';
import { collect, connected, globalId, wsClient } from './alert-fixtures';
import { startTestApp, TestApp, wsUrlOf } from './helpers';
import { buildPartnership, Partnership } from './review-fixtures';

const CASE_FIELDS = `id status reason concern openedOn closedOn outcome outcomeNotes createdBy
  school { urn } supportingSchool { id } supportingGroup { id } lead { fullName } openingAlert { id status }
  milestones(first: 20) { totalCount edges { node { id description dueOn metOn status } } }
  termlyReviews(first: 10) { totalCount edges { node { academicYear term rating notes } } }
  alerts(first: 20) { totalCount edges { node { id status severity rule { kind } } } }
  supportLinks(first: 10) { totalCount edges { node { area giver { id } } } }`;
const OPEN = `mutation ($input: InterventionCaseOpenInput!) { interventionCaseOpen(input: $input) { interventionCase { ${CASE_FIELDS} } userErrors { field message code } } }`;
const CLOSE = `mutation ($input: InterventionCaseCloseInput!) { interventionCaseClose(input: $input) { interventionCase { ${CASE_FIELDS} } userErrors { field message code } } }`;
const MILESTONE_ADD = `mutation ($input: InterventionMilestoneAddInput!) { interventionMilestoneAdd(input: $input) { interventionMilestone { id status dueOn } userErrors { field message code } } }`;
const MILESTONE_MEET = `mutation ($input: InterventionMilestoneMeetInput!) { interventionMilestoneMeet(input: $input) { interventionMilestone { id status metOn note } userErrors { field message code } } }`;
const TERMLY = `mutation ($input: InterventionReviewRecordInput!) { interventionReviewRecord(input: $input) { interventionReview { academicYear term rating } userErrors { field message code } } }`;
const INSPECTION = `mutation ($input: InspectionRecordInput!) { inspectionRecord(input: $input) { userErrors { field message } } }`;
const CASE = `query ($id: ID!) { node(id: $id) { ... on InterventionCase { ${CASE_FIELDS} } } }`;
const EVENTS = `subscription { partnershipEvents { cursor kind summary forYou subjectId school { urn } } }`;

type Who = keyof Partnership['people'];

describe('intervention cases', () => {
  let app: TestApp;
  let p: Partnership;
  let urn = 840000;

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
  const as = async (who: Who | 'admin', query: string, variables: Record<string, unknown>) => {
    const result = who === 'admin' ? await app.gql(query, variables) : await app.gqlAs(await p.as(who), query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data!;
  };
  const inadequate = async (schoolId: string) => {
    const recorded = await as('admin', INSPECTION, {
      input: {
        schoolId,
        inspectorate: 'OFSTED',
        inspectedOn: '2025-10-01',
        overallEffectiveness: 'INADEQUATE',
        categoryOfConcern: 'SERIOUS_WEAKNESSES',
      },
    });
    expect(recorded.inspectionRecord.userErrors).toEqual([]);
    const [alert] = await app.sql<{ id: number }>(
      `select a.id from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = $1 and r.system_key = 'inspection_inadequate'`,
      [Number(Buffer.from(schoolId, 'base64url').toString().split(':')[1])],
    );
    return globalId('Alert', alert.id);
  };
  const open = (who: Who | 'admin', input: Record<string, unknown>) =>
    as(who, OPEN, {
      input: {
        leadId: p.person('headB'),
        supportingSchoolId: p.ids.b,
        concern: 'Serious weaknesses in leadership',
        openedOn: '2025-10-06',
        ...input,
      },
    }).then((d) => d.interventionCaseOpen);

  it('opens a case from an INTERVENTION alert: acknowledges and links the alert, and tells the lead and the governors live', async () => {
    await fresh();
    const alertId = await inadequate(p.ids.a);
    const lead = wsClient(wsUrlOf(app.url), await p.as('headB'));
    const governor = wsClient(wsUrlOf(app.url), await p.as('governorA'));
    const toLead = collect(lead, EVENTS);
    const toGovernor = collect(governor, EVENTS);
    await Promise.all([connected(lead), connected(governor)]);

    // The school's own governor may act on its alert: they open the case, with a partner school's head as lead.
    const opened = await open('governorA', {
      alertId,
      supportingSchoolId: null,
      supportingGroupId: null,
      milestones: [{ description: 'Leadership plan agreed', dueOn: '2099-11-01' }],
    });
    expect(opened.userErrors).toEqual([
      { field: ['input', 'supportingSchoolId'], message: 'a case needs a supporting school or a supporting group.', code: 'INVALID' },
    ]);
    const notTheirs = await open('governorA', { alertId });
    // The governor does not govern school B, so they cannot commit it as supporter.
    expect(notTheirs.userErrors[0]).toMatchObject({ field: ['input', 'supportingSchoolId'], code: 'NOT_ALLOWED' });
    const byCeo = await open('ceo', { alertId, milestones: [{ description: 'Leadership plan agreed', dueOn: '2099-11-01' }] });
    expect(byCeo.userErrors).toEqual([]);
    const c = byCeo.interventionCase;
    expect(c).toMatchObject({
      status: 'OPEN',
      reason: 'ALERT',
      school: { urn },
      supportingSchool: { id: p.ids.b },
      lead: { fullName: expect.stringMatching(/Head of B/) },
      openingAlert: { id: alertId, status: 'ACKNOWLEDGED' },
      milestones: { totalCount: 1, edges: [{ node: { status: 'PENDING', metOn: null } }] },
      alerts: { edges: expect.arrayContaining([{ node: expect.objectContaining({ id: alertId }) }]) },
    });
    const linked = await as('admin', `query ($id: ID!) { node(id: $id) { ... on Alert { interventionCase { id } } } }`, { id: alertId });
    expect(linked.node.interventionCase).toEqual({ id: c.id });
    await toLead.until(1);
    await toGovernor.until(1);
    expect(toLead.events[0]).toMatchObject({ kind: 'INTERVENTION_CASE_OPENED', forYou: true, subjectId: c.id });
    expect(toGovernor.events[0]).toMatchObject({ kind: 'INTERVENTION_CASE_OPENED', forYou: false, school: { urn } });
    // One open case per school.
    const again = await open('admin', { schoolId: p.ids.a, supportingGroupId: p.ids.trust });
    expect(again.userErrors[0]).toMatchObject({ field: ['input', 'schoolId'], code: 'CONFLICT' });
    await Promise.all([lead.dispose(), governor.dispose()]);
  });

  it("refuses a case by anyone but the supporting group's leaders, for a school outside the group, with an ineligible lead or a bad plan, naming each field", async () => {
    await fresh();
    const input = { schoolId: p.ids.a, supportingGroupId: p.ids.trust, supportingSchoolId: null };
    expect((await open('governorA', input)).userErrors[0]).toMatchObject({ field: ['input', 'supportingGroupId'], code: 'NOT_ALLOWED' });
    expect((await open('ceo', { ...input, supportingGroupId: null })).userErrors[0].field).toEqual(['input', 'supportingGroupId']);
    expect((await open('ceo', { ...input, schoolId: p.ids.d })).userErrors[0]).toMatchObject({
      field: ['input', 'supportingGroupId'],
      message: expect.stringMatching(/not a current member/),
    });
    expect((await open('ceo', { ...input, supportingSchoolId: p.ids.a })).userErrors[0]).toMatchObject({
      field: ['input', 'supportingSchoolId'],
      message: 'a school cannot support itself.',
    });
    const bad = await open('ceo', {
      ...input,
      leadId: p.person('headD'),
      concern: '  ',
      openedOn: '2999-01-01',
      milestones: [
        { description: 'x', dueOn: '2999-01-02' },
        { description: ' ', dueOn: '2000-01-01' },
      ],
    });
    expect(bad.userErrors.map((e: any) => e.field.join('.')).sort()).toEqual(
      ['input.concern', 'input.leadId', 'input.milestones.1.description', 'input.milestones.1.dueOn', 'input.openedOn'].sort(),
    );
    const watchAlert = await app.sql<{ id: number }>(
      `insert into alert (rule_id, school_id, severity, evidence) select id, $1, 'watch', '{}' from trigger_rule where system_key = 'attendance_below' returning id`,
      [p.schools.a],
    );
    const fromWatch = await open('ceo', { alertId: globalId('Alert', watchAlert[0].id), supportingGroupId: p.ids.trust });
    expect(fromWatch.userErrors[0]).toMatchObject({ field: ['input', 'alertId'], message: expect.stringMatching(/severity WATCH/) });
    expect(await app.sql(`select 1 from intervention_case where school_id = $1`, [p.schools.a])).toEqual([]);
    // A lead from one of the school's groups is accepted: the trust's CEO.
    const ok = await open('ceo', { ...input, leadId: p.person('ceo') });
    expect(ok).toMatchObject({ interventionCase: { reason: 'LEADERS', supportingGroup: { id: p.ids.trust } }, userErrors: [] });
  });

  it('raises an alert through the rule mechanism when a milestone is missed, lists it on the case, and records milestones met', async () => {
    await fresh();
    const c = (
      await open('ceo', {
        schoolId: p.ids.a,
        supportingGroupId: p.ids.trust,
        milestones: [{ description: 'Phonics scheme in every class', dueOn: '2099-01-31' }],
      })
    ).interventionCase;
    await sweepTimeBasedRules(app.orm);
    const missed = (node: any) =>
      node.alerts.edges.map((e: any) => e.node).filter((a: any) => a.rule.kind === 'INTERVENTION_MILESTONE_MISSED');
    expect(missed((await as('ceo', CASE, { id: c.id })).node)).toEqual([]);
    // Time passes and the milestone's date goes by unmet.
    await app.sql(
      `update intervention_milestone set due_on = current_date - 1 where case_id = (select id from intervention_case where school_id = $1)`,
      [p.schools.a],
    );
    await sweepTimeBasedRules(app.orm);
    const seen = (await as('headB', CASE, { id: c.id })).node;
    expect(seen.milestones.edges[0].node.status).toBe('MISSED');
    // The lead, from a partner school, does not reach the school's alerts; the trust's CEO does.
    expect(seen.alerts.totalCount).toBe(0);
    expect(missed((await as('ceo', CASE, { id: c.id })).node)).toEqual([
      expect.objectContaining({ severity: 'INTERVENTION', status: 'OPEN', rule: { kind: 'INTERVENTION_MILESTONE_MISSED' } }),
    ]);

    const milestoneId = seen.milestones.edges[0].node.id;
    const meet = (input: Record<string, unknown>, who: Who = 'headB') =>
      as(who, MILESTONE_MEET, { input: { interventionMilestoneId: milestoneId, ...input } });
    expect((await meet({}, 'governorA')).interventionMilestoneMeet.userErrors[0]).toMatchObject({ code: 'NOT_ALLOWED' });
    expect((await meet({}, 'headD')).interventionMilestoneMeet.userErrors[0]).toMatchObject({ code: 'NOT_FOUND' });
    expect((await meet({ metOn: '2999-01-01' })).interventionMilestoneMeet.userErrors[0].field).toEqual(['input', 'metOn']);
    expect((await meet({ metOn: '2025-01-01' })).interventionMilestoneMeet.userErrors[0].message).toMatch(/before the case opened/);
    const met = (await meet({ note: 'Late, but in place' })).interventionMilestoneMeet;
    expect(met.interventionMilestone).toMatchObject({ status: 'MET', note: 'Late, but in place' });
    expect((await meet({})).interventionMilestoneMeet.userErrors[0]).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/already met/),
    });

    const add = (input: Record<string, unknown>) =>
      as('headB', MILESTONE_ADD, {
        input: { interventionCaseId: c.id, description: 'Reading leader appointed', dueOn: '2099-03-31', ...input },
      });
    expect((await add({ dueOn: '2020-01-01' })).interventionMilestoneAdd.userErrors[0].field).toEqual(['input', 'dueOn']);
    expect((await add({ description: ' ' })).interventionMilestoneAdd.userErrors[0].field).toEqual(['input', 'description']);
    expect((await add({})).interventionMilestoneAdd.interventionMilestone.status).toBe('PENDING');
  });

  it('records one termly review a term, closes only with one, resolves the alerts the case answered, and then refuses every change', async () => {
    await fresh();
    const alertId = await inadequate(p.ids.a);
    const c = (await open('ceo', { alertId })).interventionCase;
    const close = (input: Record<string, unknown>, who: Who = 'headB') =>
      as(who, CLOSE, { input: { interventionCaseId: c.id, outcome: 'IMPROVED', outcomeNotes: 'Good at re-inspection', ...input } }).then(
        (d) => d.interventionCaseClose,
      );
    expect((await close({})).userErrors[0]).toMatchObject({
      field: ['input', 'interventionCaseId'],
      code: 'CONFLICT',
      message: expect.stringMatching(/termly review/),
    });
    const termly = (input: Record<string, unknown>, who: Who = 'headB') =>
      as(who, TERMLY, {
        input: {
          interventionCaseId: c.id,
          academicYear: '2025/26',
          term: 'AUTUMN',
          rating: 'AMBER',
          notes: 'Leadership stabilised',
          reviewedOn: '2025-12-10',
          ...input,
        },
      }).then((d) => d.interventionReviewRecord);
    for (const [field, value] of [
      ['academicYear', '2025/27'],
      ['academicYear', '25/26'],
      ['notes', ' '],
      ['reviewedOn', '2999-01-01'],
      ['reviewedOn', '2025-01-01'],
    ]) {
      expect((await termly({ [field]: value })).userErrors[0].field, `${field}=${value}`).toEqual(['input', field]);
    }
    expect((await termly({}, 'governorA')).userErrors[0].code).toBe('NOT_ALLOWED');
    expect((await termly({})).interventionReview).toEqual({ academicYear: '2025/26', term: 'AUTUMN', rating: 'AMBER' });
    expect((await termly({ rating: 'GREEN' })).userErrors[0]).toMatchObject({ field: ['input', 'term'], code: 'CONFLICT' });
    expect((await close({ closedOn: '2999-01-01' })).userErrors[0].field).toEqual(['input', 'closedOn']);
    expect((await close({ closedOn: '2025-01-01' })).userErrors[0].field).toEqual(['input', 'closedOn']);
    expect((await close({ outcomeNotes: ' ' })).userErrors[0].field).toEqual(['input', 'outcomeNotes']);

    const closed = await close({ closedOn: '2025-12-15' });
    expect(closed).toMatchObject({
      interventionCase: { status: 'CLOSED', outcome: 'IMPROVED', closedOn: '2025-12-15', termlyReviews: { totalCount: 1 } },
      userErrors: [],
    });
    expect((await as('ceo', CASE, { id: c.id })).node.openingAlert).toEqual({ id: alertId, status: 'RESOLVED' });
    const refusedAfter = [
      (await close({})).userErrors[0],
      (await termly({ term: 'SPRING' })).userErrors[0],
      (await as('headB', MILESTONE_ADD, { input: { interventionCaseId: c.id, description: 'x', dueOn: '2099-01-01' } }))
        .interventionMilestoneAdd.userErrors[0],
    ];
    for (const error of refusedAfter)
      expect(error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/closed case does not change/) });
  });
});
