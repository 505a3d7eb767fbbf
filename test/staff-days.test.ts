import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseChecksum } from './access-fixture';
import { globalId } from './alert-fixtures';
import { startTestApp, TestApp, tokenFor } from './helpers';

/*
 * Staff days committed and delivered per support link, rolled up per school and per group, with
 * shortfalls (issue 11). Dates are relative to today so "due by today" is exact:
 *   L1 (71): 1 -> 2 through cluster 10, 10 committed, 2 delivered, day 50 of 100   -> 5 due, 3 short
 *   L2 (72): 1 -> 3, 4 committed, 4 delivered, ended 10 days ago                    -> 4 due, on track
 *   L3 (73): 3 -> 2 through cluster 10, 6 committed, 1 delivered, no end date        -> nothing due by a date
 *   L4 (74): 4 -> 1, 8 committed, starts in 10 days                                  -> 0 due
 *   L5 (75): 2 -> 4, 10 committed, 3 delivered, ended 100 days ago                   -> 10 due, 7 short
 * Cluster 10 is schools 1 and 2. Person 100 is the head of school 1; 101 has no post.
 */
const FIXTURE = `
  insert into school (id, urn, name, phase, establishment_type) values
    (1, 895001, 'Days One', 'primary', 'community_school'), (2, 895002, 'Days Two', 'primary', 'community_school'),
    (3, 895003, 'Days Three', 'primary', 'community_school'), (4, 895004, 'Days Four', 'primary', 'community_school');
  insert into school_group (id, name, kind, status, opened_on) values (10, 'Days Cluster', 'cluster', 'open', '2019-09-01');
  insert into membership (school_id, group_id, group_kind, role, joined_on) values (1, 10, 'cluster', 'lead', '2019-09-01'), (2, 10, 'cluster', 'member', '2019-09-01');
  insert into person (id, full_name) values (100, 'Head One'), (101, 'Nobody');
  insert into post (person_id, role, school_id, fte, started_on) values (100, 'headteacher', 1, 1, '2020-09-01');
  insert into support_link (id, giver_id, receiver_id, group_id, area, staff_days_committed, staff_days_delivered, started_on, ends_on) values
    (71, 1, 2, 10, 'literacy', 10, 2, current_date - 50, current_date + 50),
    (72, 1, 3, null, 'numeracy', 4, 4, current_date - 100, current_date - 10),
    (73, 3, 2, 10, 'send', 6, 1, current_date - 30, null),
    (74, 4, 1, null, 'leadership', 8, 0, current_date + 10, current_date + 100),
    (75, 2, 4, null, 'governance', 10, 3, current_date - 200, current_date - 100);
`;

const TOTALS = 'links committed delivered expectedToDate outstanding shortfall linksShort';
const SCHOOL = `query ($id: ID!) { node(id: $id) { ... on School { staffDays { given { ${TOTALS} } received { ${TOTALS} } } } } }`;
const GROUP = `query ($id: ID!) { group(id: $id) { staffDays { given { ${TOTALS} } received { ${TOTALS} } brokered { ${TOTALS} } } } }`;
const LINK = `query ($id: ID!) { node(id: $id) { ... on SupportLink { staffDaysCommitted staffDaysDelivered staffDaysExpectedToDate staffDaysOutstanding staffDaysShortfall } } }`;
const DELIVER = `mutation ($input: SupportLinkRecordDeliveryInput!) { supportLinkRecordDelivery(input: $input) { supportLink { staffDaysDelivered staffDaysShortfall } userErrors { field message code } } }`;
const CREATE = `mutation ($input: SupportLinkCreateInput!) { supportLinkCreate(input: $input) { supportLink { id } userErrors { field message code } } }`;

const totals = (links: number, committed: number, delivered: number, expectedToDate: number, outstanding: number, shortfall: number, linksShort: number) => ({
  links,
  committed,
  delivered,
  expectedToDate,
  outstanding,
  shortfall,
  linksShort,
});
const NONE = totals(0, 0, 0, 0, 0, 0, 0);

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
  await app.sql(FIXTURE);
});
afterAll(async () => {
  await app?.close();
});

describe('staff days per support link', () => {
  it('says what is due by today, outstanding and short: pro rata while running, all once ended, nothing before it starts or without an end date', async () => {
    const link = async (id: number) => (await app.data(LINK, { id: globalId('SupportLink', id) })).node;
    expect(await link(71)).toEqual({ staffDaysCommitted: 10, staffDaysDelivered: 2, staffDaysExpectedToDate: 5, staffDaysOutstanding: 8, staffDaysShortfall: 3 });
    expect(await link(72)).toEqual({ staffDaysCommitted: 4, staffDaysDelivered: 4, staffDaysExpectedToDate: 4, staffDaysOutstanding: 0, staffDaysShortfall: 0 });
    expect(await link(73)).toEqual({ staffDaysCommitted: 6, staffDaysDelivered: 1, staffDaysExpectedToDate: null, staffDaysOutstanding: 5, staffDaysShortfall: 0 });
    expect(await link(74)).toEqual({ staffDaysCommitted: 8, staffDaysDelivered: 0, staffDaysExpectedToDate: 0, staffDaysOutstanding: 8, staffDaysShortfall: 0 });
    expect(await link(75)).toEqual({ staffDaysCommitted: 10, staffDaysDelivered: 3, staffDaysExpectedToDate: 10, staffDaysOutstanding: 7, staffDaysShortfall: 7 });
  });
});

describe('staff days rolled up', () => {
  it('per school: given and received', async () => {
    const one = (await app.data(SCHOOL, { id: globalId('School', 1) })).node.staffDays;
    expect(one).toEqual({ given: totals(2, 14, 6, 9, 8, 3, 1), received: totals(1, 8, 0, 0, 8, 0, 0) });
    const two = (await app.data(SCHOOL, { id: globalId('School', 2) })).node.staffDays;
    expect(two).toEqual({ given: totals(1, 10, 3, 10, 7, 7, 1), received: totals(2, 16, 3, 5, 13, 3, 1) });
  });

  it("per group: given and received by its current members, and brokered through it", async () => {
    const { group } = await app.data(GROUP, { id: globalId('Group', 10) });
    expect(group.staffDays).toEqual({
      given: totals(3, 24, 9, 19, 15, 10, 2), // L1, L2, L5
      received: totals(3, 24, 3, 5, 21, 3, 1), // L1, L3, L4
      brokered: totals(2, 16, 3, 5, 13, 3, 1), // L1, L3
    });
  });

  it("counts only the links the caller may read: a head sees their school's, someone with no post none, anonymous callers are asked to sign in", async () => {
    const head = `Bearer ${await tokenFor(100)}`;
    const asHead = await app.gqlAs(head, GROUP, { id: globalId('Group', 10) });
    // School 1's links only: L1 and L2 given, L1 and L4 received (L5 is school 2's), L1 brokered.
    expect(asHead.data!.group.staffDays).toEqual({
      given: totals(2, 14, 6, 9, 8, 3, 1),
      received: totals(2, 18, 2, 5, 16, 3, 1),
      brokered: totals(1, 10, 2, 5, 8, 3, 1),
    });
    const nobody = await app.gqlAs(`Bearer ${await tokenFor(101)}`, SCHOOL, { id: globalId('School', 2) });
    expect(nobody.data!.node.staffDays).toEqual({ given: NONE, received: NONE });
    const anonymous = await app.gqlAs(undefined, GROUP, { id: globalId('Group', 10) });
    expect(anonymous.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('SUPPORT_SHORTFALL reads the same "due by today": a running link behind and an ended one short raise it, a link with no end date does not', async () => {
    const created = await app.data(
      `mutation ($input: TriggerRuleCreateInput!) { triggerRuleCreate(input: $input) { triggerRule { id } userErrors { message } } }`,
      { input: { kind: 'SUPPORT_SHORTFALL', name: 'Days short by a quarter', severity: 'WATCH', parameters: { shortfallPercent: 25 } } },
    );
    expect(created.triggerRuleCreate.userErrors).toEqual([]);
    const alerts = await app.sql<{ school_id: number; links: { supportLinkId: number; expectedToDate: number; delivered: number }[] }>(
      `select a.school_id, a.evidence->'links' as links from alert a join trigger_rule r on r.id = a.rule_id
       where r.kind = 'support_shortfall' and r.name = 'Days short by a quarter' order by a.school_id`,
    );
    expect(alerts.map((a) => [a.school_id, a.links.map((l) => [l.supportLinkId, Number(l.expectedToDate), Number(l.delivered)])])).toEqual([
      [2, [[71, 5, 2]]],
      [4, [[75, 10, 3]]],
    ]);
  });

  it('a page of schools costs the same statements whatever its size (no query per school)', async () => {
    const query = `query ($n: Int!) { schools(first: $n) { edges { node { staffDays { given { links } received { links } } } } } }`;
    // The caller's scope is read once, then cached until access may have changed (an earlier test's change
    // is announced asynchronously): take the fewest of a few runs of each, which leaves the scope out.
    const least = async (n: number) => {
      const counts: number[] = [];
      for (let run = 0; run < 3; run++) counts.push(await app.countStatements(() => app.data(query, { n })));
      return Math.min(...counts);
    };
    const few = await least(1);
    const many = await least(4);
    expect(many).toBe(few);
  });
});

describe('recording staff days: bad input refused by name, nothing written', () => {
  it('refuses delivery on an ended link, on one not yet started, negative or zero days, and more than committed', async () => {
    const before = await databaseChecksum(app);
    const deliver = async (id: number, staffDays: number) => (await app.data(DELIVER, { input: { supportLinkId: globalId('SupportLink', id), staffDays } })).supportLinkRecordDelivery.userErrors;
    const ended = await deliver(72, 1);
    expect(ended[0]).toMatchObject({ field: ['input', 'supportLinkId'], code: 'CONFLICT', message: expect.stringMatching(/^the support ended on \d{4}-\d\d-\d\d; days are recorded while it runs/) });
    expect((await deliver(75, 1))[0].field).toEqual(['input', 'supportLinkId']);
    const early = await deliver(74, 1);
    expect(early[0]).toMatchObject({ field: ['input', 'supportLinkId'], code: 'CONFLICT', message: expect.stringMatching(/^the support starts on .*; nothing can have been delivered yet/) });
    expect((await deliver(71, -2))[0]).toMatchObject({ field: ['input', 'staffDays'], message: 'must be more than 0, in steps of 0.5; got -2.' });
    expect((await deliver(71, 0))[0].field).toEqual(['input', 'staffDays']);
    expect((await deliver(71, 0.3))[0].field).toEqual(['input', 'staffDays']);
    expect((await deliver(71, 9))[0]).toMatchObject({ field: ['input', 'staffDays'], code: 'CONFLICT' });
    const create = async (input: Record<string, unknown>) =>
      (await app.data(CREATE, { input: { giverId: globalId('School', 1), receiverId: globalId('School', 4), area: 'LITERACY', startedOn: '2025-09-01', staffDaysCommitted: 5, ...input } }))
        .supportLinkCreate.userErrors;
    expect((await create({ staffDaysCommitted: -1 }))[0]).toMatchObject({ field: ['input', 'staffDaysCommitted'], message: 'must be between 0 and 1000; got -1.' });
    expect((await create({ staffDaysCommitted: 1001 }))[0].field).toEqual(['input', 'staffDaysCommitted']);
    expect((await create({ staffDaysCommitted: 2.3 }))[0]).toMatchObject({ field: ['input', 'staffDaysCommitted'], message: 'must be in steps of 0.5 (half days); got 2.3.' });
    expect((await create({ endsOn: '2025-08-31' }))[0].field).toEqual(['input', 'endsOn']);
    expect(await databaseChecksum(app)).toBe(before);
  });

  it('records days on a running link, which closes its shortfall', async () => {
    const done = await app.data(DELIVER, { input: { supportLinkId: globalId('SupportLink', 71), staffDays: 3 } });
    expect(done.supportLinkRecordDelivery).toEqual({ supportLink: { staffDaysDelivered: 5, staffDaysShortfall: 0 }, userErrors: [] });
  });
});
