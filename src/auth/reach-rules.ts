import type { EntityManager } from '@mikro-orm/postgresql';
import { currentMembership, PENDING } from '../core/current';
import { EXECUTIVE_ROLES, groupReach, HEAD_ROLES, LED_GROUP_KINDS, schoolReach } from '../core/reach';
import { fail, UserErrorCode } from '../core/user-errors';
import type { Scope, Viewer } from './viewer';

/*
 * Writes that change reach: who may create or end a post, a governorship, a governing body, a
 * membership, a group link or a trigger rule. The rules follow how schools are governed (the README's
 * access section has them as a table):
 *   - a body appoints at its own level and below: a school's governing body (or its federation's body,
 *     or its trust's board) appoints its governors and head; a trust board appoints its local
 *     committees and its executive leaders; a federation's governing body appoints its executive head;
 *   - executive leaders and heads appoint staff below themselves; a local committee governor and a
 *     local authority officer appoint nobody (oversight, not appointment);
 *   - joining a federation or trust is decided outside Trellis (both sides, and the DfE for academies):
 *     administrators record it; the group's board may let a school go;
 *   - system-wide trigger rules are administrators'; roles are granted by the `role` command only;
 *   - an API key governs nothing, so it may make no change that grants reach;
 *   - and, whatever the rule, nobody enlarges their own reach (`checkOwnReach`, run by every mutation).
 * Each decision is a plain function of the caller's scope and the facts of the row, so any read or
 * write path can ask it; `refuse` turns a reason into the mutation's NOT_ALLOWED user error.
 */

/** Why a change is refused, in words the caller can act on; undefined when it is allowed. */
export type Verdict = string | undefined;

const isLed = (kind: string | undefined | null): boolean => kind != null && LED_GROUP_KINDS.includes(kind);

/** A staff post as the rules see it. */
export interface PostFacts {
  role: string;
  personId: number;
  schoolId?: number | null;
  groupId?: number | null;
  groupKind?: string | null;
  /** Federations and trusts the post's school belongs to now or is due to join. */
  schoolLedGroupIds: number[];
}

/** Who may give (or end) a post: the rule for each kind of post, in reach terms. */
export function mayChangePost(scope: Scope, post: PostFacts, action: 'assign' | 'end', viewerPersonId?: number): Verdict {
  if (action === 'end' && post.personId === viewerPersonId) return undefined; // leaving one's own post
  const executive = EXECUTIVE_ROLES.includes(post.role);
  if (post.groupId != null) {
    if (executive && isLed(post.groupKind))
      return scope.boardGroupIds.has(post.groupId)
        ? undefined
        : "an executive head or CEO of a federation or trust is appointed by its governing body or trust board, and you do not sit on it.";
    return scope.boardGroupIds.has(post.groupId) || scope.leaderGroupIds.has(post.groupId)
      ? undefined
      : "posts on a group are given by its board or its executive leaders (administrators, for clusters, hubs and other groups without either).";
  }
  const school = post.schoolId!;
  if (executive) {
    if (post.schoolLedGroupIds.length > 0)
      return post.schoolLedGroupIds.every((id) => scope.boardGroupIds.has(id))
        ? undefined
        : "an executive head or CEO at a school in a federation or trust leads the whole group, so is appointed by the group's governing body or trust board, and you do not sit on it.";
    return scope.boardSchoolIds.has(school) ? undefined : "a school's executive head is appointed by its governing body, and you do not sit on it.";
  }
  if (HEAD_ROLES.includes(post.role))
    return scope.boardSchoolIds.has(school) || scope.leaderSchoolIds.has(school)
      ? undefined
      : "a head is appointed by the school's governing body (or its federation's or trust's board) or by its executive leader.";
  return scope.boardSchoolIds.has(school) || scope.leaderSchoolIds.has(school) || scope.headSchoolIds.has(school)
    ? undefined
    : "staff posts are given by the school's governing body, its executive leader or its head; a local committee governor or an officer appoints nobody.";
}

/** A governing body as the rules see it. */
export interface BodyFacts {
  id?: number;
  kind: string;
  schoolId?: number | null;
  groupId?: number | null;
  /** Local authorities of the school (school body) or of the group's current members (federation body). */
  laCodes: number[];
}

/**
 * Who may appoint to a body, or end someone else's seat on it. Standing down from one's own seat is
 * always allowed. `appointingBody` is the seat's (AppointingBody value): a local authority officer
 * appoints (and ends) the LA-nominated governors of school bodies in their authority, and only those.
 */
export function mayChangeSeat(
  scope: Scope,
  body: BodyFacts,
  seat: { personId: number; appointingBody: string },
  action: 'appoint' | 'end',
  viewerPersonId?: number,
): Verdict {
  if (action === 'end' && seat.personId === viewerPersonId) return undefined; // standing down
  switch (body.kind) {
    case 'school': {
      if (scope.boardSchoolIds.has(body.schoolId!)) return undefined;
      const officer = body.laCodes.length > 0 && body.laCodes.every((code) => scope.laCodes.includes(code));
      if (officer && seat.appointingBody === 'local_authority_nominated') return undefined;
      return officer
        ? 'a local authority appoints only LA-nominated governors (appointingBody LOCAL_AUTHORITY_NOMINATED); the others are appointed or elected through the governing body.'
        : "a school's governors are appointed by its governing body (or its federation's or trust's board), and you do not sit on it.";
    }
    case 'local_committee':
      return scope.boardGroupIds.has(body.groupId!)
        ? undefined
        : "a local committee is appointed by its trust's board; its own members appoint nobody.";
    default:
      return scope.boardGroupIds.has(body.groupId!)
        ? undefined
        : `a ${body.kind === 'federation' ? "federation's governing body" : 'trust board'} appoints its own members, and you do not sit on it.`;
  }
}

/** Who may create a governing body (it has no seats yet; what matters is who will appoint to it). */
export function mayCreateBody(scope: Scope, body: BodyFacts): Verdict {
  if (body.kind === 'local_committee')
    return scope.boardGroupIds.has(body.groupId!) ? undefined : "a local committee is set up by its trust's board, and you do not sit on it.";
  if (body.kind === 'trust_board') return 'a trust board exists when the trust is incorporated: administrators record it.';
  // A maintained school's or federation's instrument of government is made by its local authority.
  const officer = body.laCodes.length > 0 && body.laCodes.every((code) => scope.laCodes.includes(code));
  return officer
    ? undefined
    : `a ${body.kind === 'federation' ? "federation's" : "school's"} governing body is constituted by its local authority: its officers or administrators record it.`;
}

/** A membership as the rules see it. */
export interface MembershipFacts {
  schoolId: number;
  schoolLaCode: number | null;
  groupId: number;
  groupKind: string;
}

/** Who may add a school to a group, or end its membership. */
export function mayChangeMembership(scope: Scope, membership: MembershipFacts, action: 'add' | 'end'): Verdict {
  if (isLed(membership.groupKind)) {
    if (action === 'add')
      return 'joining a federation or trust is decided by both sides (and, for academies, the DfE): administrators record it.';
    return scope.boardGroupIds.has(membership.groupId)
      ? undefined
      : "a school leaves a federation or trust by decision of the group's governing body or trust board, and you do not sit on it.";
  }
  const school = membership.schoolId;
  const schoolSide =
    scope.boardSchoolIds.has(school) ||
    scope.leaderSchoolIds.has(school) ||
    scope.headSchoolIds.has(school) ||
    (membership.schoolLaCode != null && scope.laCodes.includes(membership.schoolLaCode));
  return schoolSide
    ? undefined
    : "a school joins or leaves a cluster, hub or collaboration by decision of its governing body, executive leader or head (or its local authority, which brokers them).";
}

/** Who may link two groups: someone who governs or oversees both (a link grants no reach). */
export function mayLinkGroups(scope: Scope, fromGroupId: number, toGroupId: number): Verdict {
  return scope.groupIds.has(fromGroupId) && scope.groupIds.has(toGroupId)
    ? undefined
    : 'a link between two groups needs both sides: you must lead, govern or oversee each of them.';
}

/** Who may close a group: for a federation or trust, its board (it ends every membership); otherwise who oversees it. */
export function mayCloseGroup(scope: Scope, groupId: number, groupKind: string): Verdict {
  if (isLed(groupKind))
    return scope.boardGroupIds.has(groupId) ? undefined : 'a federation or trust is closed by its governing body or trust board.';
  return scope.groupIds.has(groupId) ? undefined : 'you do not lead, govern or oversee this group.';
}

/** Who may define or change a trigger rule: a group's board or executive leaders for its own; administrators for system rules. */
export function mayChangeTriggerRule(scope: Scope, groupId: number | null | undefined): Verdict {
  if (groupId == null) return 'system-wide trigger rules apply to every school: only administrators define or change them.';
  return scope.boardGroupIds.has(groupId) || scope.leaderGroupIds.has(groupId)
    ? undefined
    : "a group's trigger rules are agreed by its board or its executive leaders, and you are neither.";
}

/**
 * Applies a verdict for the caller of the current mutation: administrators pass, an API key passes only
 * `appsMay` (changes that grant no reach), anyone else passes when the verdict allows it.
 */
export async function refuseUnless(
  viewer: Viewer,
  field: string[],
  decide: (scope: Scope) => Verdict,
  options: { appsMay?: boolean } = {},
): Promise<void> {
  if (viewer.kind === 'app') {
    if (options.appsMay) return;
    fail(field, 'an API key governs no school, so it cannot make a change that grants or removes reach; a person with authority must.', UserErrorCode.NOT_ALLOWED);
  }
  if (viewer.kind !== 'person') fail(field, 'sign in to make this change.', UserErrorCode.NOT_ALLOWED);
  const scope = await viewer.scope();
  if (scope.admin) return;
  const reason = decide(scope);
  if (reason) fail(field, `you may not make this change: ${reason}`, UserErrorCode.NOT_ALLOWED);
}

/** The federations and trusts a school belongs to now or is due to join. */
export async function ledGroupsOf(em: EntityManager, schoolId: number): Promise<number[]> {
  const rows: { group_id: number }[] = await em.execute(
    `select distinct m.group_id from membership m where m.school_id = ? and m.group_kind in (${LED_GROUP_KINDS.map((k) => `'${k}'`).join(', ')})
       and ${currentMembership('m', PENDING)}`,
    [schoolId],
  );
  return rows.map((row) => row.group_id);
}

/** Local authorities of a body's schools: its school, or its group's current and due members. */
export async function laCodesOf(em: EntityManager, schoolId: number | null | undefined, groupId: number | null | undefined): Promise<number[]> {
  const rows: { la_code: number | null }[] = schoolId
    ? await em.execute(`select la_code from school where id = ?`, [schoolId])
    : await em.execute(
        `select distinct s.la_code from membership m join school s on s.id = m.school_id where m.group_id = ? and ${currentMembership('m', PENDING)}`,
        [groupId],
      );
  return rows.map((row) => row.la_code).filter((code): code is number => code != null);
}

/**
 * Everything a person reaches now or is due to (posts and seats dated to start later count), as
 * comparable keys: each school with each authority, each group, each seat and each role.
 */
async function reachKeys(em: EntityManager, personId: number): Promise<Set<string>> {
  const rows: { key: string }[] = await em.execute(
    `select 'school:' || r.school_id || ':' || r.authority as key from ${schoolReach(PENDING)} r where r.person_id = ?
     union select 'group:' || r.group_id || ':' || r.authority from ${groupReach(PENDING)} r where r.person_id = ?
     union select 'role:' || g.role || ':' || coalesce(g.la_code, 0) from role_grant g where g.person_id = ? and g.revoked_at is null`,
    [personId, personId, personId],
  );
  return new Set(rows.map((row) => row.key));
}

/** How much each authority allows: a seat on a local committee adds nothing to a trustee of the same school. */
const RANK: Record<string, number> = { board: 5, leader: 4, head: 3, committee: 2, officer: 2, alerts: 1 };

/** The strongest authority held over each school and group (and each role), from reach keys. */
function strongest(keys: Set<string>): Map<string, number> {
  const result = new Map<string, number>();
  for (const key of keys) {
    const cut = key.lastIndexOf(':');
    const [place, authority] = key.startsWith('role:') ? [key, 'role'] : [key.slice(0, cut), key.slice(cut + 1)];
    result.set(place, Math.max(result.get(place) ?? 0, RANK[authority] ?? 1));
  }
  return result;
}

/** The caller's reach before a change, to compare with after it (`checkOwnReach`). Undefined for those it does not apply to. */
export async function ownReachBefore(em: EntityManager, viewer: Viewer): Promise<Set<string> | undefined> {
  if (viewer.kind !== 'person' || (await viewer.scope()).admin) return undefined;
  return reachKeys(em, viewer.personId!);
}

/** Nobody enlarges their own reach: refuses (and so rolls back) a change after which the caller reaches more than before. */
export async function checkOwnReach(em: EntityManager, viewer: Viewer, before: Set<string> | undefined): Promise<void> {
  if (!before) return;
  const after = await reachKeys(em, viewer.personId!);
  const held = strongest(before);
  const gained = [...strongest(after)].filter(([place, rank]) => (held.get(place) ?? 0) < rank);
  if (gained.length)
    fail(
      ['input'],
      `you may not make this change: it would enlarge your own reach (${gained.length} more school, group or role grant(s)); whoever governs above you must make it.`,
      UserErrorCode.NOT_ALLOWED,
    );
}

/**
 * Who may record a governing body's decision (agreeing a group's trigger rule, asking to leave a trust
 * or federation, consenting to or refusing a school's leaving): a member sitting on that body today.
 * A body decides as a body; Trellis records the decision of one of its members (usually the chair or
 * the clerk), and administrators may record it for them.
 */
export function mayDecideForBody(scope: Scope, body: { id: number; name: string }): Verdict {
  return scope.seats.has(body.id) ? undefined : `only a member sitting on ${body.name} records its decisions, and you do not sit on it.`;
}
