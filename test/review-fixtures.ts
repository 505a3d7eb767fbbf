import { globalId } from './alert-fixtures';
import { tokenFor, type TestApp } from './helpers';

/**
 * A trust of three schools (A is the one reviewed, B and C its partners), a cluster joining A with a
 * school E outside the trust, and an unrelated school D; with the people each workflow needs:
 *  - ceo: CEO with a post on the trust (leads it: may schedule, run cases)
 *  - headB (headteacher of B), leadC (peer review lead of C): eligible reviewers from partner schools
 *  - headE: headteacher of E, a partner through the cluster only
 *  - governorA: governor of A's own body (sees A, does not run reviews); teacherA: a teacher at A
 *  - headD: headteacher of D, in no group with A; nobody: a person with no post or seat
 */
export interface Partnership {
  trustId: number;
  clusterId: number;
  schools: { a: number; b: number; c: number; d: number; e: number };
  people: { ceo: number; headB: number; leadC: number; headE: number; governorA: number; teacherA: number; headD: number; nobody: number };
  ids: {
    trust: string;
    cluster: string;
    a: string;
    b: string;
    c: string;
    d: string;
    e: string;
  };
  /** School A's local committee (governorA sits on it). */
  bodyA: number;
  person(name: keyof Partnership['people']): string;
  /** School A's local committee agrees a trust rule (through the API, as governorA): agreed triggers. */
  agreeForA(ruleId: string): Promise<void>;
  as(name: keyof Partnership['people']): Promise<string>;
}

export async function buildPartnership(app: TestApp, urnFrom: number, name = 'Review Trust'): Promise<Partnership> {
  const schoolRows = await app.sql<{ id: number }>(
    `insert into school (urn, name, phase, establishment_type, created_at, updated_at)
     select $1::int + n, $2 || ' School ' || chr(65 + n), 'primary', 'academy_converter', now(), now() from generate_series(0, 4) n
     returning id`,
    [urnFrom, name],
  );
  const [a, b, c, d, e] = schoolRows.map((r) => r.id).sort((x, y) => x - y);
  const [trust] = await app.sql<{ id: number }>(
    `insert into school_group (name, kind, created_at, updated_at) values ($1, 'multi_academy_trust', now(), now()) returning id`,
    [name],
  );
  const [cluster] = await app.sql<{ id: number }>(
    `insert into school_group (name, kind, created_at, updated_at) values ($1, 'cluster', now(), now()) returning id`,
    [`${name} Cluster`],
  );
  for (const school of [a, b, c])
    await app.sql(
      `insert into membership (school_id, group_id, group_kind, joined_on) values ($1, $2, 'multi_academy_trust', '2020-09-01')`,
      [school, trust.id],
    );
  for (const school of [a, e])
    await app.sql(`insert into membership (school_id, group_id, group_kind, joined_on) values ($1, $2, 'cluster', '2020-09-01')`, [
      school,
      cluster.id,
    ]);
  const person = async (fullName: string) =>
    (
      await app.sql<{ id: number }>(`insert into person (full_name, created_at) values ($1, now()) returning id`, [`${fullName} (${name})`])
    )[0].id;
  const post = (personId: number, role: string, school: number | null, group: number | null) =>
    app.sql(`insert into post (person_id, role, school_id, group_id, fte, started_on) values ($1, $2, $3, $4, 1, '2020-09-01')`, [
      personId,
      role,
      school,
      group,
    ]);
  const people = {
    ceo: await person('Chief Executive'),
    headB: await person('Head of B'),
    leadC: await person('Review Lead of C'),
    headE: await person('Head of E'),
    governorA: await person('Governor of A'),
    teacherA: await person('Teacher at A'),
    headD: await person('Head of D'),
    nobody: await person('No Post'),
  };
  await post(people.ceo, 'ceo', null, trust.id);
  await post(people.headB, 'headteacher', b, null);
  await post(people.leadC, 'peer_review_lead', c, null);
  await post(people.headE, 'headteacher', e, null);
  await post(people.teacherA, 'teacher', a, null);
  await post(people.headD, 'headteacher', d, null);
  const [body] = await app.sql<{ id: number }>(
    `insert into governing_body (name, kind, school_id, group_id, created_at) values ($1, 'local_committee', $2, $3, now()) returning id`,
    [`${name} School A Local Committee`, a, trust.id],
  );
  await app.sql(
    `insert into governorship (person_id, governing_body_id, role, appointing_body, term_started_on, term_ends_on)
     values ($1, $2, 'local_governor', 'board_appointed', '2022-09-01', current_date + 700)`,
    [people.governorA, body.id],
  );
  const as = async (who: keyof typeof people) => `Bearer ${await tokenFor(people[who])}`;
  return {
    bodyA: body.id,
    agreeForA: async (ruleId) => {
      const result = await app.gqlAs(
        await as('governorA'),
        `mutation ($input: TriggerRuleAgreeInput!) { triggerRuleAgree(input: $input) { userErrors { field message } } }`,
        { input: { ruleId, schoolId: globalId('School', a), governingBodyId: globalId('GoverningBody', body.id) } },
      );
      const errors = result.errors ?? (result.data as any).triggerRuleAgree.userErrors;
      if (errors.length) throw new Error(JSON.stringify(errors));
    },
    trustId: trust.id,
    clusterId: cluster.id,
    schools: { a, b, c, d, e },
    people,
    ids: {
      trust: globalId('Group', trust.id),
      cluster: globalId('Group', cluster.id),
      a: globalId('School', a),
      b: globalId('School', b),
      c: globalId('School', c),
      d: globalId('School', d),
      e: globalId('School', e),
    },
    person: (who) => globalId('Person', people[who]),
    as,
  };
}
