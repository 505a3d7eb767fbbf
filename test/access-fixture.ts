import { createApiKey } from '../src/auth/api-keys';
import { type TestApp, tokenFor } from './helpers';

/**
 * A small graph with one person in every position the access model distinguishes, for the access
 * matrix and the reach-rule tests. Dates are relative to today so "current" is tested on both sides.
 *
 *   Ashdown (A, LA 850): a maintained school with its own governing body (govA chair, govA2 whose term
 *     ends soon, futureGov who starts next year), head headA, teacher teacherA. In cluster K.
 *   Trust T (multi-academy trust): Tamar (T1, LA 850, local committee with lcGov) and Teign (T2, LA 851);
 *     trust board with trustee and leavingTrustee (stands down next month); CEO ceoT (a post on T).
 *     Newborn (N, LA 850) joins T next term. T1 is in cluster K.
 *   Federation F: Fal (F1) and Fowey (F2), LA 851; federation body with govF; executive head execF
 *     (a post on F). F1 is in cluster K.
 *   Exe (X, LA 852): in cluster K, with its own body (govX) and a peer review lead prlX.
 *   Cluster K (a cluster, not led): A, T1, F1, X; its coordinator clusterExec holds an executive_head
 *     post on K, which grants no reach (only federations and trusts are led).
 *   laOfficer: officer for LA 850. outsider: a person with no posts or seats.
 *   Partnership governance: Trust T's PEER_REVIEW rule (version 2; Tamar's committee agreed version 1),
 *   and Tamar's refused request to leave T (its committee consented, the board refused).
 *   A peer review of Exe by Cluster K (81, in progress): headA leads, govF reviews (partner schools A and
 *     F1); an action (91) owned by prlX. An intervention case at Exe (85) supported by K and Ashdown, led
 *     by prlX, with a milestone (86) and last summer's termly review (87).
 */
export const S = { A: 1, T1: 2, T2: 3, F1: 4, F2: 5, X: 6, N: 7 };
export const G = { F: 10, T: 11, K: 12 };
export const BODY = { A: 21, TB: 22, FB: 23, LC1: 24, X: 26 };
export const REVIEW = { X: 81, actionX: 91 };
export const CASE = { X: 85, milestoneX: 86 };
export const P = {
  govA: 101,
  govA2: 102,
  lcGov: 103,
  trustee: 104,
  govF: 105,
  execF: 106,
  ceoT: 107,
  headA: 108,
  prlX: 109,
  laOfficer: 110,
  teacherA: 111,
  govX: 112,
  futureGov: 113,
  leavingTrustee: 114,
  clusterExec: 115,
  outsider: 116,
};
export const SCOPES = [
  'read:schools',
  'read:governance',
  'read:people',
  'read:evidence',
  'read:alerts',
  'subscribe:alerts',
  'write:groups',
  'write:governance',
  'write:people',
  'write:support',
  'write:evidence',
  'write:alerts',
];

export const FIXTURE_SQL = `
  insert into school (id, urn, name, phase, establishment_type, la_code, la_name) values
    (1, 910001, 'Ashdown Primary', 'primary', 'community_school', 850, 'Hampshire'),
    (2, 910002, 'Tamar Academy', 'secondary', 'academy_converter', 850, 'Hampshire'),
    (3, 910003, 'Teign Academy', 'primary', 'academy_converter', 851, 'Southampton'),
    (4, 910004, 'Fal Primary', 'primary', 'community_school', 851, 'Southampton'),
    (5, 910005, 'Fowey Primary', 'primary', 'community_school', 851, 'Southampton'),
    (6, 910006, 'Exe School', 'secondary', 'community_school', 852, 'Portsmouth'),
    (7, 910007, 'Newborn Academy', 'primary', 'academy_sponsor_led', 850, 'Hampshire');
  insert into school_group (id, name, kind, status, opened_on) values
    (10, 'Federation F', 'federation', 'open', '2019-09-01'),
    (11, 'Trust T', 'multi_academy_trust', 'open', '2019-09-01'),
    (12, 'Cluster K', 'cluster', 'open', '2019-09-01');
  insert into membership (id, school_id, group_id, group_kind, role, joined_on, left_on) values
    (51, 4, 10, 'federation', 'lead', '2019-09-01', null), (52, 5, 10, 'federation', 'member', '2019-09-01', null),
    (53, 2, 11, 'multi_academy_trust', 'member', '2019-09-01', null), (54, 3, 11, 'multi_academy_trust', 'member', '2019-09-01', null),
    (55, 7, 11, 'multi_academy_trust', 'member', current_date + 60, null),
    (56, 1, 12, 'cluster', 'member', '2019-09-01', null), (57, 2, 12, 'cluster', 'member', '2019-09-01', null),
    (58, 4, 12, 'cluster', 'member', '2019-09-01', null), (59, 6, 12, 'cluster', 'lead', '2019-09-01', null);
  insert into governing_body (id, name, kind, school_id, group_id, created_at) values
    (21, 'Ashdown GB', 'school', 1, null, now()), (22, 'Trust T board', 'trust_board', null, 11, now()),
    (23, 'Federation F GB', 'federation', null, 10, now()), (24, 'Tamar LGC', 'local_committee', 2, 11, now()),
    (26, 'Exe GB', 'school', 6, null, now());
  insert into person (id, full_name, email, phone, created_at) values
    (101, 'Gov A', 'gov.a@example.org', '01000 000101', now()), (102, 'Gov A2', 'gov.a2@example.org', null, now()),
    (103, 'LC Gov', 'lc.gov@example.org', null, now()), (104, 'Trustee', 'trustee@example.org', null, now()),
    (105, 'Gov F', 'gov.f@example.org', null, now()), (106, 'Exec F', 'exec.f@example.org', null, now()),
    (107, 'CEO T', 'ceo.t@example.org', null, now()), (108, 'Head A', 'head.a@example.org', null, now()),
    (109, 'PRL X', 'prl.x@example.org', null, now()), (110, 'LA Officer', 'la@example.org', null, now()),
    (111, 'Teacher A', 'teacher.a@example.org', null, now()), (112, 'Gov X', 'gov.x@example.org', null, now()),
    (113, 'Future Gov', 'future@example.org', null, now()), (114, 'Leaving Trustee', 'leaving@example.org', null, now()),
    (115, 'Cluster Exec', 'cluster@example.org', null, now()), (116, 'Outsider', 'outsider@example.org', null, now());
  insert into governorship (id, person_id, governing_body_id, role, appointing_body, term_started_on, term_ends_on, ended_on) values
    (31, 101, 21, 'chair_of_governors', 'parent_elected', '2023-09-01', null, null),
    (32, 102, 21, 'governor', 'co_opted', '2023-09-01', current_date + 100, null),
    (33, 103, 24, 'local_governor', 'board_appointed', '2023-09-01', current_date + 100, null),
    (34, 104, 22, 'trustee', 'trust_members', '2023-09-01', null, null),
    (35, 105, 23, 'governor', 'co_opted', '2023-09-01', current_date + 100, null),
    (36, 112, 26, 'governor', 'co_opted', '2023-09-01', current_date + 100, null),
    (37, 113, 21, 'governor', 'co_opted', current_date + 365, null, null),
    (38, 114, 22, 'trustee', 'trust_members', '2023-09-01', null, current_date + 30);
  insert into post (id, person_id, role, school_id, group_id, fte, started_on) values
    (41, 106, 'executive_head', null, 10, 1, '2020-09-01'), (42, 107, 'ceo', null, 11, 1, '2020-09-01'),
    (43, 108, 'headteacher', 1, null, 1, '2020-09-01'), (44, 109, 'peer_review_lead', 6, null, 0.5, '2020-09-01'),
    (45, 111, 'teacher', 1, null, 1, '2020-09-01'), (46, 115, 'executive_head', null, 12, 0.5, '2020-09-01');
  insert into role_grant (person_id, role, la_code) values (110, 'la_officer', 850);
  insert into support_link (id, giver_id, receiver_id, group_id, area, staff_days_committed, started_on) values
    (61, 6, 1, 12, 'leadership', 10, '2024-09-01'), (62, 4, 5, 10, 'literacy', 5, '2024-09-01');
  insert into self_evaluation (id, school_id, area, grade, evaluated_on) values
    (71, 1, 'overall_effectiveness', 2, '2024-09-01'), (72, 6, 'overall_effectiveness', 1, '2024-09-01');
  insert into trigger_rule (id, kind, name, severity, parameters, group_id, version, created_by, updated_by) values
    (91, 'inspection_decline', 'Trust T: decline calls for review', 'peer_review', '{"maxEvidenceAgeYears": 6}', 11, 2, 'person:107', 'person:107');
  insert into trigger_rule_agreement (id, rule_id, school_id, governing_body_id, version, severity, parameters, agreed_by) values
    (92, 91, 2, 24, 1, 'peer_review', '{"maxEvidenceAgeYears": 6}', 'person:103');
  insert into membership_leave_request (id, membership_id, school_id, group_id, school_body_id, group_body_id, reason, effective_on,
    requested_on, requested_by, status, closed_at, closed_by) values
    (81, 53, 2, 11, 24, 22, 'Tamar asked to leave', current_date + 200, current_date, 'person:103', 'refused', now(), 'person:104');
  insert into membership_leave_decision (request_id, governing_body_id, decision, reason, decided_by) values
    (81, 24, 'consent', null, 'person:103'), (81, 22, 'refuse', 'Not while the trust is rebrokered', 'person:104');
  insert into peer_review (id, school_id, group_id, reason, status, started_on, created_by) values (81, 6, 12, 'scheduled', 'in_progress', '2025-10-01', 'fixture');
  insert into peer_review_reviewer (peer_review_id, person_id, role, school_id) values (81, 108, 'lead_reviewer', 1), (81, 105, 'reviewer', 4);
  insert into peer_review_action (id, peer_review_id, description, owner_id, due_on, created_by) values (91, 81, 'Share the behaviour policy', 109, '2027-01-31', 'fixture');
  insert into intervention_case (id, school_id, reason, lead_id, supporting_school_id, supporting_group_id, concern, opened_on, created_by)
    values (85, 6, 'leaders', 109, null, 12, 'Attendance', '2025-09-01', 'fixture');
  insert into intervention_milestone (id, case_id, description, due_on) values (86, 85, 'Attendance above 92%', '2027-03-31');
  insert into intervention_review (id, case_id, academic_year, term, rating, notes, reviewed_on, recorded_by)
    values (87, 85, '2024/25', 'summer', 'amber', 'Improving', '2025-09-02', 'fixture');
  select setval(pg_get_serial_sequence('peer_review', 'id'), 100); select setval(pg_get_serial_sequence('peer_review_action', 'id'), 100);
  select setval(pg_get_serial_sequence('intervention_case', 'id'), 100); select setval(pg_get_serial_sequence('intervention_milestone', 'id'), 100);
  select setval(pg_get_serial_sequence('intervention_review', 'id'), 100);
  select setval(pg_get_serial_sequence('school', 'id'), 100); select setval(pg_get_serial_sequence('school_group', 'id'), 100);
  select setval(pg_get_serial_sequence('membership', 'id'), 100); select setval(pg_get_serial_sequence('governing_body', 'id'), 100);
  select setval(pg_get_serial_sequence('person', 'id'), 1000); select setval(pg_get_serial_sequence('governorship', 'id'), 100);
  select setval(pg_get_serial_sequence('post', 'id'), 100); select setval(pg_get_serial_sequence('support_link', 'id'), 100);
  select setval(pg_get_serial_sequence('self_evaluation', 'id'), 100);
  select setval(pg_get_serial_sequence('trigger_rule', 'id'), 100); select setval(pg_get_serial_sequence('trigger_rule_agreement', 'id'), 100);
  select setval(pg_get_serial_sequence('membership_leave_request', 'id'), 100);
`;

/** The Authorization value of each caller, by name: people, 'admin', 'anonymous' and 'key:<scope>' for each single-scope key. */
export async function loadFixture(app: TestApp): Promise<Record<string, string | undefined>> {
  await app.sql(FIXTURE_SQL);
  const as: Record<string, string | undefined> = { admin: app.authorization, anonymous: undefined };
  for (const [name, id] of Object.entries(P)) as[name] = `Bearer ${await tokenFor(id)}`;
  for (const scope of SCOPES) as[`key:${scope}`] = `Bearer ${(await createApiKey(app.orm.em.fork(), `only ${scope}`, [scope])).key}`;
  return as;
}

/**
 * Reach computed independently of the application (its own SQL, from the README's table of who
 * reaches what), for the matrix to check every answer against.
 */
export const ORACLE_SQL = `
with
  seat as (select g.*, b.kind as body_kind, b.school_id as body_school, b.group_id as body_group from governorship g
    join governing_body b on b.id = g.governing_body_id
    where g.term_started_on <= current_date and coalesce(g.ended_on, 'infinity') > current_date and coalesce(g.term_ends_on, 'infinity') >= current_date),
  post_now as (select * from post where started_on <= current_date and coalesce(ended_on, 'infinity') > current_date),
  member_now as (select m.*, sg.kind from membership m join school_group sg on sg.id = m.group_id
    where m.joined_on <= current_date and coalesce(m.left_on, 'infinity') > current_date),
  led as (select * from member_now where kind in ('federation', 'multi_academy_trust', 'single_academy_trust')),
  school_reach as (
    select person_id, body_school as school_id from seat where body_kind in ('school', 'local_committee')
    union select s.person_id, l.school_id from seat s join led l on l.group_id = s.body_group where s.body_kind in ('federation', 'trust_board')
    union select p.person_id, l.school_id from post_now p join led l on l.group_id = p.group_id where p.role in ('executive_head', 'ceo')
    union select p.person_id, p.school_id from post_now p where p.role in ('executive_head', 'ceo', 'headteacher', 'head_of_school') and p.school_id is not null
    union select p.person_id, l2.school_id from post_now p join led l on l.school_id = p.school_id join led l2 on l2.group_id = l.group_id
      where p.role in ('executive_head', 'ceo')
    union select r.person_id, s.id from role_grant r join school s on s.la_code = r.la_code where r.role = 'la_officer' and r.revoked_at is null),
  alert_reach as (
    select person_id, school_id from school_reach
    union select p.person_id, m2.school_id from post_now p join member_now m on m.school_id = p.school_id
      join member_now m2 on m2.group_id = m.group_id and m2.school_id <> p.school_id where p.role = 'peer_review_lead'
    union select p.person_id, m.school_id from post_now p join member_now m on m.group_id = p.group_id where p.role = 'peer_review_lead'),
  group_reach as (
    select person_id, body_group as group_id from seat where body_kind in ('federation', 'trust_board')
    union select p.person_id, p.group_id from post_now p join school_group sg on sg.id = p.group_id
      where p.role in ('executive_head', 'ceo') and sg.kind in ('federation', 'multi_academy_trust', 'single_academy_trust')
    union select p.person_id, l.group_id from post_now p join led l on l.school_id = p.school_id where p.role in ('executive_head', 'ceo')
    union select r.person_id, m.group_id from role_grant r join school s on s.la_code = r.la_code join member_now m on m.school_id = s.id
      where r.role = 'la_officer' and r.revoked_at is null
    union select r.person_id, sg.id from role_grant r cross join school_group sg
      where r.role = 'la_officer' and r.revoked_at is null and not exists (select 1 from member_now m where m.group_id = sg.id)),
  body_reach as (
    select sr.person_id, b.id as body_id from school_reach sr join governing_body b on b.school_id = sr.school_id
    union select gr.person_id, b.id from group_reach gr join governing_body b on b.group_id = gr.group_id
    union select person_id, governing_body_id from seat
    union select sr.person_id, b.id from school_reach sr join led l on l.school_id = sr.school_id
      join governing_body b on b.group_id = l.group_id and b.kind in ('federation', 'trust_board')),
  review_sees as (
    select sr.person_id, pr.id as review_id from school_reach sr join peer_review pr on pr.school_id = sr.school_id
    union select gr.person_id, pr.id from group_reach gr join peer_review pr on pr.group_id = gr.group_id
    union select person_id, peer_review_id from peer_review_reviewer),
  case_sees as (
    select sr.person_id, c.id as case_id from school_reach sr join intervention_case c on sr.school_id in (c.school_id, c.supporting_school_id)
    union select gr.person_id, c.id from group_reach gr join intervention_case c on c.supporting_group_id = gr.group_id
    union select lead_id, id from intervention_case),
  people_reach as (
    select id as person_id, id as other from person
    union select sr.person_id, p.person_id from school_reach sr join post p on p.school_id = sr.school_id
    union select gr.person_id, p.person_id from group_reach gr join post p on p.group_id = gr.group_id
    union select br.person_id, g.person_id from body_reach br join governorship g on g.governing_body_id = br.body_id
    -- the people a review or case names, for whoever sees it (names only)
    union select rs.person_id, rr.person_id from review_sees rs join peer_review_reviewer rr on rr.peer_review_id = rs.review_id
    union select rs.person_id, a.owner_id from review_sees rs join peer_review_action a on a.peer_review_id = rs.review_id
    union select cs.person_id, c.lead_id from case_sees cs join intervention_case c on c.id = cs.case_id),
  colleagues as (
    select id as person_id, id as other from person
    union select a.person_id, b.person_id from seat a join seat b on b.governing_body_id = a.governing_body_id)
select p.id as person_id,
  array(select school_id from school_reach r where r.person_id = p.id) as schools,
  array(select school_id from alert_reach r where r.person_id = p.id) as alert_schools,
  array(select group_id from group_reach r where r.person_id = p.id) as groups,
  array(select body_id from body_reach r where r.person_id = p.id) as bodies,
  array(select other from people_reach r where r.person_id = p.id) as people,
  array(select other from colleagues r where r.person_id = p.id) as contacts
from person p`;

export interface Oracle {
  schools: Set<number>;
  alertSchools: Set<number>;
  groups: Set<number>;
  bodies: Set<number>;
  people: Set<number>;
  contacts: Set<number>;
}

export async function loadOracle(app: TestApp): Promise<Map<number, Oracle>> {
  const rows = await app.sql<Record<string, any>>(ORACLE_SQL);
  const set = (values: number[]) => new Set(values.map(Number));
  return new Map(
    rows.map((row) => [
      Number(row.person_id),
      {
        schools: set(row.schools),
        alertSchools: set(row.alert_schools),
        groups: set(row.groups),
        bodies: set(row.bodies),
        people: set(row.people),
        contacts: set(row.contacts),
      },
    ]),
  );
}

/** A checksum of every table but the migrations': equal before and after means nothing was written. */
export async function databaseChecksum(app: TestApp): Promise<string> {
  const tables = await app.sql<{ name: string }>(
    `select quote_ident(table_name) as name from information_schema.tables
     where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like 'mikro_orm%' order by table_name`,
  );
  const sql = tables
    // An API key's last use is bookkeeping of the request, not a change it made.
    .map((t) => `select '${t.name}' as t, count(*) as n, md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, '|' order by (to_jsonb(x) - 'last_used_at')::text), '')) as h from ${t.name} x`)
    .join(' union all ');
  const rows = await app.sql<{ t: string; n: string; h: string }>(`${sql} order by 1`);
  return rows.map((row) => `${row.t}:${row.n}:${row.h}`).join('\n');
}
