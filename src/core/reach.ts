import { activeGrant, currentMembership, During, servingPost, sittingGovernor, TODAY } from './current';

/**
 * Reach: which schools and groups a person is concerned with, and with what authority, derived from
 * the graph. This is the one definition behind the viewer's scope (auth/viewer.ts), an alert's
 * recipients (alerts/alert.service.ts), who receives each alert event (the Alert row rule reads the
 * scope) and the write rules (auth/reach-rules.ts). Whoever is listed as an alert's recipient is
 * therefore exactly whoever (besides administrators and apps) receives its events.
 *
 * Written as plain SQL so a plain-SQL read path can use it too: `schoolReach()` and `groupReach()`
 * are relations; filter them with `where r.person_id = ?` or `where r.school_id = any(?)`
 * (PostgreSQL pushes such a filter into every branch of the union).
 */

/**
 * Groups whose executive head or CEO leads every member school, and whose governing body (federation
 * body, trust board) governs them. A cluster, hub, family or collaboration has neither: its leaders
 * coordinate but do not govern, so a post on one grants no reach over the other members.
 */
export const LED_GROUP_KINDS = ['federation', 'multi_academy_trust', 'single_academy_trust'];
export const LED_KINDS_SQL = LED_GROUP_KINDS.map((kind) => `'${kind}'`).join(', ');

/** Posts that lead: the executive head of a federation, the CEO of a trust (or of a single school). */
export const EXECUTIVE_ROLES = ['executive_head', 'ceo'];
/** Posts that head one school. */
export const HEAD_ROLES = ['headteacher', 'head_of_school'];
/** The post that receives partner schools' alerts, to organise peer review. */
export const PEER_REVIEW_ROLE = 'peer_review_lead';
/** Posts that grant reach when held: everything else (teacher, SENCO, ...) grants none. */
export const REACH_ROLES = [...EXECUTIVE_ROLES, ...HEAD_ROLES, PEER_REVIEW_ROLE];

const list = (values: string[]) => values.map((value) => `'${value}'`).join(', ');

/**
 * Authority over a school, strongest first:
 *  - board: sits on the body that governs it with power to appoint (its own governing body, its
 *    federation's governing body, its trust's board);
 *  - leader: its executive head or CEO (a post on its federation or trust, or on the school);
 *  - head: its headteacher or head of school;
 *  - committee: sits on its local committee (a trust delegates oversight, not appointments);
 *  - officer: the local authority officer for its area (oversight, no appointments);
 *  - alerts: a peer review lead at a partner school: receives its alerts, nothing else.
 */
export type Authority = 'board' | 'leader' | 'head' | 'committee' | 'officer' | 'alerts';

/** Why a person must know of an alert at a school (AlertRecipientReason values). */
export type ReachReason = 'governor' | 'executive_leader' | 'headteacher' | 'local_authority_officer' | 'partner_review_lead';

/**
 * `(person_id, school_id, reason, authority, via)`: one row per way a person reaches a school.
 * `via` names the body, group or school through which they do, for people reading alert recipients.
 */
export function schoolReach(during: During = TODAY): string {
  const seat = sittingGovernor('g', during);
  const post = servingPost('p', during);
  const member = (m: string) => currentMembership(m, during);
  return `(
    select g.person_id, b.school_id, 'governor' as reason,
      case b.kind when 'school' then 'board' else 'committee' end as authority, b.name as via
    from governorship g join governing_body b on b.id = g.governing_body_id
    where b.kind in ('school', 'local_committee') and b.school_id is not null and ${seat}
    union all
    select g.person_id, m.school_id, 'governor', 'board', b.name
    from governorship g join governing_body b on b.id = g.governing_body_id and b.kind in ('federation', 'trust_board')
    join membership m on m.group_id = b.group_id and ${member('m')}
    where ${seat}
    union all
    select p.person_id, m.school_id, 'executive_leader', 'leader', sg.name
    from post p join school_group sg on sg.id = p.group_id and sg.kind in (${LED_KINDS_SQL})
    join membership m on m.group_id = p.group_id and ${member('m')}
    where p.role in (${list(EXECUTIVE_ROLES)}) and ${post}
    union all
    select p.person_id, p.school_id, 'executive_leader', 'leader', sc.name
    from post p join school sc on sc.id = p.school_id
    where p.role in (${list(EXECUTIVE_ROLES)}) and ${post}
    union all
    select p.person_id, m2.school_id, 'executive_leader', 'leader', sg.name
    from post p join membership m on m.school_id = p.school_id and m.group_kind in (${LED_KINDS_SQL}) and ${member('m')}
    join school_group sg on sg.id = m.group_id
    join membership m2 on m2.group_id = m.group_id and ${member('m2')}
    where p.role in (${list(EXECUTIVE_ROLES)}) and ${post}
    union all
    select p.person_id, p.school_id, 'headteacher', 'head', sc.name
    from post p join school sc on sc.id = p.school_id
    where p.role in (${list(HEAD_ROLES)}) and ${post}
    union all
    select r.person_id, s.id, 'local_authority_officer', 'officer', coalesce(s.la_name, 'local authority ' || s.la_code)
    from role_grant r join school s on s.la_code = r.la_code
    where r.role = 'la_officer' and ${activeGrant('r')}
    union all
    select p.person_id, m2.school_id, 'partner_review_lead', 'alerts', sc.name
    from post p join membership m on m.school_id = p.school_id and ${member('m')}
    join membership m2 on m2.group_id = m.group_id and m2.school_id <> p.school_id and ${member('m2')}
    join school sc on sc.id = p.school_id
    where p.role = '${PEER_REVIEW_ROLE}' and ${post}
    union all
    select p.person_id, m.school_id, 'partner_review_lead', 'alerts', sg.name
    from post p join school_group sg on sg.id = p.group_id
    join membership m on m.group_id = p.group_id and ${member('m')}
    where p.role = '${PEER_REVIEW_ROLE}' and ${post}
  )`;
}

/**
 * `(person_id, group_id, authority)`: groups a person governs (a seat on the federation body or
 * trust board: 'board') or leads (an executive post on the group or on one of its schools: 'leader').
 * Only federations and trusts are governed or led this way (LED_GROUP_KINDS).
 */
export function groupReach(during: During = TODAY): string {
  return `(
    select g.person_id, b.group_id, 'board' as authority
    from governorship g join governing_body b on b.id = g.governing_body_id and b.kind in ('federation', 'trust_board')
    where ${sittingGovernor('g', during)}
    union all
    select p.person_id, p.group_id, 'leader'
    from post p join school_group sg on sg.id = p.group_id and sg.kind in (${LED_KINDS_SQL})
    where p.role in (${list(EXECUTIVE_ROLES)}) and ${servingPost('p', during)}
    union all
    select p.person_id, m.group_id, 'leader'
    from post p join membership m on m.school_id = p.school_id and m.group_kind in (${LED_KINDS_SQL}) and ${currentMembership('m', during)}
    where p.role in (${list(EXECUTIVE_ROLES)}) and ${servingPost('p', during)}
  )`;
}

/** Authorities that see and change a school's private rows (everything but 'alerts'). */
export const FULL_AUTHORITIES: Authority[] = ['board', 'leader', 'head', 'committee', 'officer'];
