import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, dropTestDatabase, startTestApp, TestApp } from './helpers';
import { withDatabase } from '../src/database/embedded';
import { openOrm } from '../src/database/orm';
import { buildDemo, loadDemoIfEmpty } from '../src/demo/demo';
import { SeedRefused, seedEngland } from '../src/demo/england';

const TODAY = new Date('2026-11-23T00:00:00Z');

/** Everything that should be identical between two loads, read in a stable order. */
async function snapshot(sql: TestApp['sql']) {
  return {
    schools: await sql(
      'select urn, name, phase, establishment_type, la_code, latitude, longitude, pupils_on_roll, percent_fsm::float from school order by urn',
    ),
    groups: await sql('select name, kind, opened_on::text from school_group order by name'),
    people: await sql('select full_name, email from person order by id'),
    governorships: await sql(
      'select p.full_name, b.name, g.role, g.term_started_on::text, g.term_ends_on::text from governorship g join person p on p.id = g.person_id join governing_body b on b.id = g.governing_body_id order by g.id',
    ),
  };
}

describe('the demo data set', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('loads into an empty database in one go, and reports what it wrote', async () => {
    const result = await loadDemoIfEmpty(app.orm, { today: TODAY });
    expect(result.loaded).toBe(true);
    expect(result.counts.school).toBeGreaterThanOrEqual(55);
    expect(result.counts.governorship).toBeGreaterThan(400);
    const [{ count }] = await app.sql<{ count: string }>('select count(*) from school');
    expect(Number(count)).toBe(result.counts.school);
  });

  it('is served through GraphQL: schools in Hampshire (850) and Powys (666), found by URN', async () => {
    const data = await app.data<{ schools: { edges: { node: { urn: number; name: string; nation: string } }[] } }>(
      `{ schools(first: 100) { edges { node { urn name nation } } } }`,
    );
    const nodes = data.schools.edges.map((edge) => edge.node);
    expect(nodes.length).toBeGreaterThanOrEqual(55);
    expect(new Set(nodes.map((node) => node.nation))).toEqual(new Set(['ENGLAND', 'WALES']));
    const { urn, name } = nodes[0];
    const one = await app.data<{ school: { name: string } }>(`query ($urn: Int!) { school(urn: $urn) { name } }`, { urn });
    expect(one.school.name).toBe(name);
  });

  it('has federations, trusts, clusters and a hub, listed through `groups(kind:)`', async () => {
    const data = await app.data<{ groups: { edges: { node: { name: string; kind: string } }[] } }>(
      `{ groups(kind: [FEDERATION, MULTI_ACADEMY_TRUST, CLUSTER, TEACHING_SCHOOL_HUB], first: 50) { edges { node { name kind } } } }`,
    );
    const kinds = data.groups.edges.map((edge) => edge.node.kind);
    expect(kinds.filter((kind) => kind === 'FEDERATION').length).toBeGreaterThanOrEqual(3);
    expect(kinds.filter((kind) => kind === 'MULTI_ACADEMY_TRUST').length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((kind) => kind === 'CLUSTER').length).toBeGreaterThanOrEqual(2);
    expect(kinds).toContain('TEACHING_SCHOOL_HUB');
    const [hubLinks] = await app.sql<{ count: string }>(`select count(*) from group_link where kind = 'hub_serves' and ended_on is null`);
    expect(Number(hubLinks.count)).toBeGreaterThanOrEqual(2);
  });

  it('gives each federation one governing body and an executive head with a post in every school', async () => {
    const rows = await app.sql<{ name: string; schools: number; bodies: number; executive_schools: number }>(`
      select g.name,
        (select count(*) from membership m where m.group_id = g.id and m.left_on is null)::int as schools,
        (select count(*) from governing_body b where b.group_id = g.id and b.kind = 'federation')::int as bodies,
        (select max(n) from (select count(distinct p.school_id) as n from post p
           join membership m on m.school_id = p.school_id and m.group_id = g.id and m.left_on is null
           where p.role = 'executive_head' and p.ended_on is null group by p.person_id) x)::int as executive_schools
      from school_group g where g.kind = 'federation'`);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      expect(row.bodies).toBe(1);
      expect(row.executive_schools).toBe(row.schools);
    }
  });

  it('gives each multi-academy trust a board, a local committee per academy and a CEO post on the group', async () => {
    const rows = await app.sql<{ academies: number; boards: number; committees: number; ceos: number }>(`
      select
        (select count(*) from membership m where m.group_id = g.id and m.left_on is null)::int as academies,
        (select count(*) from governing_body b where b.group_id = g.id and b.kind = 'trust_board')::int as boards,
        (select count(*) from governing_body b where b.group_id = g.id and b.kind = 'local_committee')::int as committees,
        (select count(*) from post p where p.group_id = g.id and p.role = 'ceo')::int as ceos
      from school_group g where g.kind = 'multi_academy_trust' and g.status = 'open'`);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) expect(row).toEqual({ academies: row.academies, boards: 1, committees: row.academies, ceos: 1 });
  });

  it('has governors with GIAS roles, terms ending within 60 days, and past terms kept as history', async () => {
    const [row] = await app.sql<{ current: number; ending_soon: number; former: number; roles: number; bodies: number }>(`
      select count(*) filter (where ended_on is null)::int as current,
        count(*) filter (where ended_on is null and term_ends_on between date '2026-11-23' and date '2026-11-23' + 60)::int as ending_soon,
        count(*) filter (where ended_on < date '2026-11-23')::int as former,
        count(distinct role)::int as roles,
        count(distinct appointing_body)::int as bodies
      from governorship`);
    expect(row.current).toBeGreaterThan(400);
    expect(row.ending_soon).toBeGreaterThan(5);
    expect(row.former).toBeGreaterThan(5);
    expect(row.roles).toBeGreaterThanOrEqual(8);
    expect(row.bodies).toBeGreaterThanOrEqual(7);
    const [{ withoutBody }] = await app.sql<{ withoutBody: number }>(`
      select count(*)::int as "withoutBody" from school s where s.status = 'open'
        and not exists (select 1 from governing_body b where b.school_id = s.id)
        and not exists (select 1 from governing_body b join membership m on m.group_id = b.group_id and m.left_on is null
                        where m.school_id = s.id and b.kind in ('federation', 'trust_board'))`);
    expect(withoutBody).toBe(0);
  });

  it('has shared staff (current posts in two or more schools) and support links with days committed and delivered', async () => {
    const shared = await app.sql<{ person_id: number }>(`
      select person_id from post where ended_on is null and school_id is not null
      group by person_id having count(distinct school_id) >= 2`);
    expect(shared.length).toBeGreaterThanOrEqual(5);
    const [links] = await app.sql<{ count: number; short: number }>(
      `select count(*)::int as count, count(*) filter (where staff_days_delivered < staff_days_committed)::int as short from support_link`,
    );
    expect(links.count).toBeGreaterThanOrEqual(10);
    expect(links.short).toBeGreaterThan(0);
    const [history] = await app.sql<{ count: number }>(`select count(*)::int as count from membership where left_on is not null`);
    expect(history.count).toBeGreaterThanOrEqual(2);
  });

  it('does nothing when the database already has schools', async () => {
    const before = await app.sql<{ count: string }>('select count(*) from person');
    const again = await loadDemoIfEmpty(app.orm, { today: TODAY });
    expect(again.loaded).toBe(false);
    expect(await app.sql('select count(*) from person')).toEqual(before);
  });

  it('is deterministic: a second database gets the same names, URNs and dates', async () => {
    const name = await createTestDatabase();
    const url = withDatabase(inject('serverUrl'), name);
    const orm = await openOrm({ clientUrl: url, poolMax: 2 });
    try {
      await loadDemoIfEmpty(orm, { today: TODAY });
      const { Client } = await import('pg');
      const client = new Client({ connectionString: url });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const other = await snapshot(async (text) => (await client.query(text)).rows);
        expect(other).toEqual(await snapshot(app.sql));
      } finally {
        await client.end();
      }
    } finally {
      await orm.close(true);
      await dropTestDatabase(name);
    }
  });

  it('keeps names and structure when only the day moves; dates move with it', () => {
    const a = buildDemo({ today: TODAY });
    const b = buildDemo({ today: new Date('2027-03-01T00:00:00Z') });
    expect(b.schools.map((s) => [s.urn, s.name])).toEqual(a.schools.map((s) => [s.urn, s.name]));
    expect(b.governorships.length).toBe(a.governorships.length);
    expect(b.governorships[0].termStartedOn).not.toBe(a.governorships[0].termStartedOn);
  });
});

describe('the England-size seed', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('seeds a small scale within every database constraint, with England-like proportions', async () => {
    const result = await seedEngland(app.orm, { scale: 0.05, today: TODAY });
    // 1,130 open schools by phase (rounded per phase) plus 70 closed predecessors of converter academies.
    expect(Math.abs(result.counts.school - 1200)).toBeLessThanOrEqual(4);
    const phases = Object.fromEntries(
      (
        await app.sql<{ phase: string; n: number }>(`select phase, count(*)::int as n from school where status = 'open' group by phase`)
      ).map((r) => [r.phase, r.n]),
    );
    expect(phases.primary).toBe(840);
    expect(phases.secondary).toBe(173);
    expect(phases.special).toBe(53);
    const kinds = Object.fromEntries(
      (await app.sql<{ kind: string; n: number }>(`select kind, count(*)::int as n from school_group group by kind`)).map((r) => [
        r.kind,
        r.n,
      ]),
    );
    expect(kinds.multi_academy_trust + kinds.single_academy_trust).toBe(125);
    expect(kinds.federation).toBeGreaterThanOrEqual(12);
    expect(kinds.cluster).toBeGreaterThanOrEqual(60);
    // Every trust's academies are close together, and every school has a governing body.
    const [spread] = await app.sql<{ lat: number }>(`
      select percentile_cont(0.5) within group (order by d) as lat from (
        select max(s.latitude) - min(s.latitude) as d from membership m join school s on s.id = m.school_id
        where m.group_kind = 'multi_academy_trust' and m.left_on is null group by m.group_id) x`);
    expect(spread.lat).toBeLessThan(0.5);
    const [{ governed }] = await app.sql<{ governed: boolean }>(`
      select bool_and(exists (select 1 from governing_body b where b.school_id = s.id)
        or exists (select 1 from governing_body b join membership m on m.group_id = b.group_id and m.left_on is null
                   where m.school_id = s.id and b.kind in ('federation', 'trust_board'))) as governed
      from school s where s.status = 'open'`);
    expect(governed).toBe(true);
    const [people] = await app.sql<{ seats: number; shared: number }>(`
      select (select count(*)::int from governorship) as seats,
        (select count(*)::int from (select person_id from post where ended_on is null and school_id is not null
           group by person_id having count(distinct school_id) > 1) x) as shared`);
    expect(people.seats).toBeGreaterThan(10_000);
    expect(people.shared).toBeGreaterThan(50);
    // Sequences moved on: the next row written the ordinary way does not collide.
    await app.sql(`insert into person (full_name) values ('After Seed')`);
  });

  it('refuses a database that already has schools, and replaces it only when asked', async () => {
    await expect(seedEngland(app.orm, { scale: 0.01, today: TODAY })).rejects.toBeInstanceOf(SeedRefused);
    const systemRules = `select id, system_key, parameters from trigger_rule where group_id is null order by id`;
    const rulesBefore = await app.sql(systemRules);
    expect(rulesBefore.length).toBeGreaterThan(5);
    const result = await seedEngland(app.orm, { scale: 0.01, replace: true, today: TODAY });
    // The cascade from groups reaches trigger_rule; the system defaults survive it, with their ids.
    expect(await app.sql(systemRules)).toEqual(rulesBefore);
    const [{ count }] = await app.sql<{ count: string }>('select count(*) from school');
    expect(Number(count)).toBe(result.counts.school);
    expect(Math.abs(result.counts.school - 240)).toBeLessThanOrEqual(4);
  });

  it('is served through GraphQL after seeding', async () => {
    // Asked anonymously: seeding with replace removed every person, the test administrator too, and a
    // token for a person who no longer exists is refused (401).
    const result = await app.gqlAs<{ schools: { edges: { node: { urn: number } }[]; pageInfo: { hasNextPage: boolean } } }>(
      undefined,
      `{ schools(first: 100, filter: { phase: [SECONDARY] }) { edges { node { urn } } pageInfo { hasNextPage } } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.schools.edges.length).toBeGreaterThan(0);
  });
});
