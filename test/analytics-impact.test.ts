import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../src/core/node';
import { startTestApp, TestApp, tokenFor } from './helpers';

/*
 * Families of similar schools and impact (difference in differences) on a synthetic authority where
 * the answer is known by construction: every school outside the group moves by exactly +1 on KS2
 * RWM (the small pair too), members of the cluster by +4..+8 (mean +6), so the difference is +5
 * whichever similar schools are compared.
 */
let app: TestApp;
const today = new Date();
const yearNow = today.getUTCMonth() >= 8 ? today.getUTCFullYear() : today.getUTCFullYear() - 1;
const academicYear = (start: number) => `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
const BEFORE = academicYear(yearNow - 3);
const AFTER = academicYear(yearNow - 1);
const JOINED = `${yearNow - 2}-09-01`;
const ids = new Map<number, number>();
let trust: number;
let smallGroup: number;
let objective: number;
const OFFICER = 801;
const STRANGER = 802;

async function school(urn: number, pupils: number, fsm: number, la = 850, urbanRural = 'urban_city_and_town') {
  const [row] = await app.sql<{ id: number }>(
    `insert into school (urn, name, phase, establishment_type, la_code, la_name, latitude, longitude, pupils_on_roll, percent_fsm, urban_rural)
     values ($1, $2, 'primary', 'community_school', $3, 'Somewhere', 51, -1, $4, $5, $6) returning id`,
    [urn, `School ${urn}`, la, pupils, fsm, urbanRural],
  );
  ids.set(urn, row.id);
  return row.id;
}

async function rwm(id: number, before: number, after: number) {
  await app.sql(
    `insert into outcome_measure (school_id, metric, academic_year, value, source) values ($1, 'ks2_rwm_expected_pct', $2, $3, 'test'), ($1, 'ks2_rwm_expected_pct', $4, $5, 'test')`,
    [id, BEFORE, before, AFTER, after],
  );
}

async function group(name: string, members: number[]) {
  const [row] = await app.sql<{ id: number }>(
    `insert into school_group (name, kind, status, opened_on, created_at, updated_at) values ($1, 'cluster', 'open', $2, now(), now()) returning id`,
    [name, JOINED],
  );
  for (const id of members)
    await app.sql(`insert into membership (school_id, group_id, group_kind, role, joined_on) values ($1, $2, 'cluster', 'member', $3)`, [
      id,
      row.id,
      JOINED,
    ]);
  return row.id;
}

beforeAll(async () => {
  app = await startTestApp();
  // 30 schools that never join: +1 each.
  for (let i = 0; i < 30; i++) await rwm(await school(910_000 + i, 180 + i * 5, 10 + (i % 10)), 60 + (i % 7), 61 + (i % 7));
  // 6 members: +4 .. +8 (mean +6); two in a small group: too little data.
  const changes = [4, 5, 6, 6, 7, 8];
  const members: number[] = [];
  for (let i = 0; i < changes.length; i++) {
    const id = await school(920_000 + i, 200 + i * 10, 12 + i);
    await rwm(id, 58 + i, 58 + i + changes[i]);
    members.push(id);
  }
  trust = await group('Impact Test Cluster', members);
  const pair: number[] = [];
  for (let i = 0; i < 2; i++) {
    const id = await school(930_000 + i, 210, 14, 851);
    await rwm(id, 50, 51);
    pair.push(id);
  }
  smallGroup = await group('Small Pair', pair);
  for (const g of [trust, smallGroup]) {
    const [row] = await app.sql<{ id: number }>(
      `insert into strategic_objective (group_id, objective, metric, success_criteria) values ($1, 'Raise KS2 RWM', 'ks2_rwm_expected_pct', 'Members at 65% or more') returning id`,
      [g],
    );
    if (g === trust) objective = row.id;
  }
  await app.sql(`insert into person (id, full_name) values (${OFFICER}, 'Area Officer'), (${STRANGER}, 'A Stranger')`);
  await app.sql(`insert into role_grant (person_id, role, la_code) values (${OFFICER}, 'la_officer', 850)`);
});

afterAll(async () => {
  await app?.close();
});

const IMPACT = `query ($id: ID!) { group(id: $id) { name impact { objectives { metric memberSchoolCount comparisonSchoolCount memberMeanChange
  comparisonMeanChange difference intervalLow intervalHigh verdict summary criterionStatus progress { status } latestMean latestYear
  memberChanges { before after change school { urn } } criterion { target targetOn } objective { objective } } } } }`;

describe('impact of a group', () => {
  it('finds the members improved against similar schools that did not join, with a bootstrap interval and the counts', async () => {
    const { group } = await app.data(IMPACT, { id: toGlobalId('Group', trust) });
    const [impact] = group.impact.objectives;
    expect(impact.metric).toBe('KS2_RWM_EXPECTED_PCT');
    expect(impact.memberSchoolCount).toBe(6);
    expect(impact.comparisonSchoolCount).toBe(30); // five per member
    expect(impact.memberMeanChange).toBe(6);
    expect(impact.comparisonMeanChange).toBe(1);
    expect(impact.difference).toBe(5);
    expect(impact.intervalLow).toBeGreaterThan(3.5);
    expect(impact.intervalHigh).toBeLessThan(6.5);
    expect(impact.intervalLow).toBeLessThan(5);
    expect(impact.intervalHigh).toBeGreaterThan(5);
    expect(impact.verdict).toBe('IMPROVED');
    expect(impact.summary).toContain(
      'Members (6) changed by 6 on ks2_rwm_expected_pct since joining; similar schools that did not join (30) by 1',
    );
    expect(impact.memberChanges.map((c: any) => c.change).sort()).toEqual([4, 5, 6, 6, 7, 8]);
    expect(impact.criterionStatus).toBe('NO_CRITERION');
    // The same data gives the same interval (a seeded bootstrap).
    const again = (await app.data(IMPACT, { id: toGlobalId('Group', trust) })).group.impact.objectives[0];
    expect([again.intervalLow, again.intervalHigh]).toEqual([impact.intervalLow, impact.intervalHigh]);
  });

  it('says plainly when there is too little data', async () => {
    const { group } = await app.data(IMPACT, { id: toGlobalId('Group', smallGroup) });
    const [impact] = group.impact.objectives;
    expect(impact.verdict).toBe('TOO_LITTLE_DATA');
    expect(impact.difference).toBeNull();
    expect(impact.intervalLow).toBeNull();
    expect(impact.summary).toBe(
      'Too little data to conclude: 2 member school(s) have ks2_rwm_expected_pct both before and after joining (at least 3 needed) and 10 comparison school(s) the same years (at least 5 needed).',
    );
  });

  it('judges the success criterion set as data: met, in progress, not met', async () => {
    const SET = `mutation ($input: SuccessCriterionSetInput!) { successCriterionSet(input: $input) { strategicObjective { successCriterion { metric baseline target targetOn } } userErrors { field message } } }`;
    const id = toGlobalId('StrategicObjective', objective);
    const status = async () => (await app.data(IMPACT, { id: toGlobalId('Group', trust) })).group.impact.objectives[0];
    // Members' latest mean: (62 + 64 + 66 + 67 + 69 + 71) / 6 = 66.5
    const future = `${today.getUTCFullYear() + 2}-07-31`;
    let result = await app.data(SET, {
      input: { objectiveId: id, metric: 'KS2_RWM_EXPECTED_PCT', baseline: 60.5, target: 70, targetOn: future },
    });
    expect(result.successCriterionSet.strategicObjective.successCriterion).toEqual({
      metric: 'KS2_RWM_EXPECTED_PCT',
      baseline: 60.5,
      target: 70,
      targetOn: future,
    });
    // The impact report's verdict is the one StrategicObjective.progress gives: never two answers.
    expect(await status()).toMatchObject({ criterionStatus: 'IN_PROGRESS', progress: { status: expect.stringMatching(/^(ON|OFF)_TRACK$/) }, latestMean: 66.5, latestYear: AFTER });
    await app.data(SET, { input: { objectiveId: id, metric: 'KS2_RWM_EXPECTED_PCT', target: 65, targetOn: future } });
    expect(await status()).toMatchObject({ criterionStatus: 'MET', progress: { status: 'MET' } });
    await app.data(SET, { input: { objectiveId: id, metric: 'KS2_RWM_EXPECTED_PCT', target: 70, targetOn: '2020-07-31' } });
    expect(await status()).toMatchObject({ criterionStatus: 'NOT_MET', progress: { status: 'OFF_TRACK' } });
    result = await app.data(SET, { input: { objectiveId: id, metric: 'KS2_RWM_EXPECTED_PCT', target: 140, targetOn: future } });
    expect(result.successCriterionSet.userErrors).toEqual([
      { field: ['input', 'target'], message: "must be within ks2_rwm_expected_pct's range, 0 to 100; got 140." },
    ]);
    expect((await status()).criterion).toEqual({ target: 70, targetOn: '2020-07-31' });
    const stranger = await app.gqlAs(`Bearer ${await tokenFor(STRANGER)}`, SET, {
      input: { objectiveId: id, metric: 'KS2_RWM_EXPECTED_PCT', target: 1, targetOn: future },
    });
    expect(stranger.errors?.[0]?.extensions?.code ?? stranger.data?.successCriterionSet.userErrors[0].code).toMatch(
      /FORBIDDEN|NOT_ALLOWED/,
    );
  });

  it('is shown to the group’s authority officer and admins, not to anyone else', async () => {
    const query = `query ($id: ID!) { group(id: $id) { name impact { objectives { verdict } } } }`;
    const anonymous = await app.gqlAs(undefined, query, { id: toGlobalId('Group', trust) });
    expect(anonymous.data?.group.name).toBe('Impact Test Cluster');
    expect(anonymous.data?.group.impact).toBeNull();
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const stranger = await app.gqlAs(`Bearer ${await tokenFor(STRANGER)}`, query, { id: toGlobalId('Group', trust) });
    expect(stranger.data?.group.impact).toBeNull();
    expect(stranger.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const officer = await app.gqlAs(`Bearer ${await tokenFor(OFFICER)}`, query, { id: toGlobalId('Group', trust) });
    expect(officer.errors).toBeUndefined();
    expect(officer.data?.group.impact.objectives[0].verdict).toBe('IMPROVED');
    // The small pair is in authority 851: not this officer's.
    const other = await app.gqlAs(`Bearer ${await tokenFor(OFFICER)}`, query, { id: toGlobalId('Group', smallGroup) });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('reports per local authority to its officers', async () => {
    const REPORT = `query ($la: Int!) { impactReport(localAuthorityCode: $la, first: 10) { totalCount edges { node { group { name } objectives { verdict } } } } }`;
    const officer = `Bearer ${await tokenFor(OFFICER)}`;
    const mine = await app.gqlAs(officer, REPORT, { la: 850 });
    expect(mine.errors).toBeUndefined();
    expect(mine.data?.impactReport.totalCount).toBe(1);
    expect(mine.data?.impactReport.edges[0].node).toEqual({
      group: { name: 'Impact Test Cluster' },
      objectives: [{ verdict: 'IMPROVED' }],
    });
    expect((await app.gqlAs(officer, REPORT, { la: 851 })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.gqlAs(undefined, REPORT, { la: 850 })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const admin = await app.data(REPORT, { la: 851 });
    expect(admin.impactReport.edges[0].node).toEqual({ group: { name: 'Small Pair' }, objectives: [{ verdict: 'TOO_LITTLE_DATA' }] });
  });
});

describe('families of similar schools', () => {
  const REFRESH = `mutation ($input: FamilyOfSchoolsRefreshInput!) { familyOfSchoolsRefresh(input: $input) {
    group { id name kind members(first: 100) { totalCount edges { role node { urn } } } } joined left userErrors { field message code } } }`;

  it('keeps the most similar schools of the phase nationally as a group of kind family of schools, refreshable with history', async () => {
    const origin = await school(940_000, 300, 40, 852, 'rural_village');
    const alike: number[] = [];
    for (let i = 1; i <= 5; i++) alike.push(await school(940_000 + i, 300 + i, 40, 853 + i, 'rural_village'));
    const first = (await app.data(REFRESH, { input: { schoolId: toGlobalId('School', origin), size: 5 } })).familyOfSchoolsRefresh;
    expect(first.userErrors).toEqual([]);
    expect(first.group.kind).toBe('FAMILY_OF_SCHOOLS');
    expect(first.group.name).toBe('Family of School 940000');
    expect(first.joined).toBe(6);
    const members = first.group.members.edges.map((e: any) => [e.node.urn, e.role]);
    expect(members.sort()).toEqual([
      [940000, 'LEAD'],
      [940001, 'MEMBER'],
      [940002, 'MEMBER'],
      [940003, 'MEMBER'],
      [940004, 'MEMBER'],
      [940005, 'MEMBER'],
    ]);
    // One stops being alike (a far larger roll) and a new lookalike opens: refreshing swaps them, keeping history.
    await app.sql(`update school set pupils_on_roll = 2000, urban_rural = 'urban_major_conurbation' where id = $1`, [alike[4]]);
    await school(940_009, 299, 40, 860, 'rural_village');
    const second = (await app.data(REFRESH, { input: { schoolId: toGlobalId('School', origin), size: 5 } })).familyOfSchoolsRefresh;
    expect(second.group.id).toBe(first.group.id);
    expect({ joined: second.joined, left: second.left }).toEqual({ joined: 1, left: 1 });
    expect(second.group.members.edges.map((e: any) => e.node.urn).sort()).toEqual([940000, 940001, 940002, 940003, 940004, 940009]);
    const history = await app.sql<{ left_on: string | null }>(`select left_on::text from membership where school_id = $1`, [alike[4]]);
    expect(history).toEqual([{ left_on: new Date().toISOString().slice(0, 10) }]);
    const third = (await app.data(REFRESH, { input: { schoolId: toGlobalId('School', origin), size: 5 } })).familyOfSchoolsRefresh;
    expect({ joined: third.joined, left: third.left }).toEqual({ joined: 0, left: 0 });
  });

  it('refuses a bad size or school, and callers who may not change the school', async () => {
    const id = toGlobalId('School', ids.get(940_000)!);
    for (const [input, field] of [
      [{ schoolId: id, size: 0 }, 'size'],
      [{ schoolId: id, size: 51 }, 'size'],
      [{ schoolId: toGlobalId('Group', trust), size: 5 }, 'schoolId'],
    ] as const) {
      const { familyOfSchoolsRefresh } = await app.data(REFRESH, { input });
      expect(familyOfSchoolsRefresh.group).toBeNull();
      expect(familyOfSchoolsRefresh.userErrors[0].field).toEqual(['input', field]);
    }
    expect((await app.gqlAs(undefined, REFRESH, { input: { schoolId: id, size: 5 } })).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const officer = await app.gqlAs(`Bearer ${await tokenFor(OFFICER)}`, REFRESH, { input: { schoolId: id, size: 5 } });
    expect(officer.data?.familyOfSchoolsRefresh.userErrors[0]).toMatchObject({ field: ['input', 'schoolId'], code: 'NOT_ALLOWED' });
  });
});
