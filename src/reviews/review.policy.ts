import type { EntityManager } from '@mikro-orm/postgresql';
import { registerRowRule } from '../auth/policy';
import { AppScope, intArray, registerVisiblePeople } from '../auth/viewer';
import { currentMembership, servingPost, sittingGovernor } from '../core/current';

/*
 * Who may do what with peer reviews. Everything else (who reaches a school or a group) comes from the
 * viewer's scope (auth/viewer.ts) through auth/policy.ts; these are the few decisions of this workflow:
 *
 *  - Schedule: whoever may change the group that schedules it (its executive leaders and its board or
 *    federation governors; loadByGlobalId on the Group), for a school that is a current member of it.
 *    From an alert, they must also be able to change the alert (it is acknowledged, and linked).
 *  - See a review and its actions: those who reach the reviewed school or the scheduling group, and the
 *    review's own reviewers (who usually reach neither: they come from partner schools). An action is
 *    also seen by its owner.
 *  - Run a review (start, record findings, agree actions, complete, follow up, cancel): the scheduling
 *    group's leaders and the review's reviewers. The reviewed school's own governors see it but do not
 *    grade themselves.
 *  - Update an action: its owner, and whoever runs the review.
 *  - Be a reviewer: a current post or seat in ANOTHER member school of a group the reviewed school is in,
 *    and none in the reviewed school itself (reviewerStanding). The external adviser may come from
 *    anywhere but the reviewed school.
 *  - Own an action: a reviewer of the review, or someone with a current post or seat in the school or
 *    in one of its groups (actionOwnerStanding).
 */

type ReviewAccess = { schoolId: number; groupId?: number | null; reviewerIds?: number[] };

const reviewSees = (scope: { schoolIds: Set<number>; groupIds: Set<number> }, review: ReviewAccess | undefined, personId?: number) =>
  review !== undefined &&
  (scope.schoolIds.has(review.schoolId) ||
    (review.groupId != null && scope.groupIds.has(review.groupId)) ||
    (personId !== undefined && (review.reviewerIds ?? []).includes(personId)));

const reviewRuns = (scope: { groupIds: Set<number> }, review: ReviewAccess | undefined, personId?: number) =>
  review !== undefined &&
  ((review.groupId != null && scope.groupIds.has(review.groupId)) ||
    (personId !== undefined && (review.reviewerIds ?? []).includes(personId)));

const REVIEW_SEES_SQL = (alias: string) => `(${alias}.school_id = any(?::int[]) or ${alias}.group_id = any(?::int[])
  or exists (select 1 from peer_review_reviewer rr where rr.peer_review_id = ${alias}.id and rr.person_id = ?))`;

registerRowRule('PeerReview', 'peer_review', {
  readScope: AppScope.READ_ALERTS,
  writeScope: AppScope.WRITE_ALERTS,
  sees: (scope, row, viewer) => reviewSees(scope, row, viewer.personId),
  sql: (scope, viewer) => ({
    sql: REVIEW_SEES_SQL('t'),
    params: [intArray(scope.schoolIds), intArray(scope.groupIds), viewer.personId ?? 0],
  }),
  changes: (scope, row, viewer) => reviewRuns(scope, row, viewer.personId),
});

registerRowRule('PeerReviewAction', 'peer_review_action', {
  readScope: AppScope.READ_ALERTS,
  writeScope: AppScope.WRITE_ALERTS,
  sees: (scope, row, viewer) => row.ownerId === viewer.personId || reviewSees(scope, row.review, viewer.personId),
  sql: (scope, viewer) => ({
    sql: `t.owner_id = ? or exists (select 1 from peer_review pr where pr.id = t.peer_review_id and ${REVIEW_SEES_SQL('pr')})`,
    params: [viewer.personId ?? 0, intArray(scope.schoolIds), intArray(scope.groupIds), viewer.personId ?? 0],
  }),
  changes: (scope, row, viewer) => row.ownerId === viewer.personId || reviewRuns(scope, row.review, viewer.personId),
});

// Whoever sees a review may read the names of the people it names: its reviewers and its actions' owners
// (a reviewer from a partner school does not otherwise see the reviewed school's staff), nothing more.
registerVisiblePeople((scope, personId) => ({
  sql: `select rr.person_id from peer_review pr join peer_review_reviewer rr on rr.peer_review_id = pr.id where ${REVIEW_SEES_SQL('pr')}
    union select a.owner_id from peer_review pr join peer_review_action a on a.peer_review_id = pr.id where ${REVIEW_SEES_SQL('pr')}`,
  params: [intArray(scope.schoolIds), intArray(scope.groupIds), personId, intArray(scope.schoolIds), intArray(scope.groupIds), personId],
}));

export interface ReviewerStanding {
  /** The partner school whose post or seat qualifies the person (the lowest id when several do). */
  viaSchoolId: number | null;
  /** Whether they hold a post or seat in the reviewed school itself (or on a body that governs it). */
  ownSchool: boolean;
}

/** Whether a person may review a school: see the rule at the top of this file. */
export async function reviewerStanding(em: EntityManager, schoolId: number, personId: number): Promise<ReviewerStanding> {
  const [row]: { via_school_id: number | null; own: boolean }[] = await em.execute(
    `with partners as (
       select distinct m2.school_id from membership m
       join membership m2 on m2.group_id = m.group_id and m2.school_id <> m.school_id and ${currentMembership('m2')}
       where m.school_id = ? and ${currentMembership('m')}),
     via as (
       select p.school_id from post p join partners pa on pa.school_id = p.school_id where p.person_id = ? and ${servingPost('p')}
       union
       select b.school_id from governorship g join governing_body b on b.id = g.governing_body_id and b.kind in ('school', 'local_committee')
       join partners pa on pa.school_id = b.school_id where g.person_id = ? and ${sittingGovernor('g')}
       union
       select m.school_id from governorship g join governing_body b on b.id = g.governing_body_id and b.kind in ('federation', 'trust_board')
       join membership m on m.group_id = b.group_id and ${currentMembership('m')} join partners pa on pa.school_id = m.school_id
       where g.person_id = ? and ${sittingGovernor('g')}),
     own as (
       select 1 from post p where p.person_id = ? and p.school_id = ? and ${servingPost('p')}
       union all
       select 1 from governorship g join governing_body b on b.id = g.governing_body_id
       where g.person_id = ? and b.school_id = ? and ${sittingGovernor('g')}
       union all
       select 1 from governorship g join governing_body b on b.id = g.governing_body_id and b.kind in ('federation', 'trust_board')
       join membership m on m.group_id = b.group_id and m.school_id = ? and ${currentMembership('m')}
       where g.person_id = ? and ${sittingGovernor('g')})
     select (select min(school_id) from via) as via_school_id, exists (select 1 from own) as own`,
    [schoolId, personId, personId, personId, personId, schoolId, personId, schoolId, schoolId, personId],
  );
  return { viaSchoolId: row.via_school_id, ownSchool: row.own };
}

/**
 * Whether a person holds a current post or seat in any of these schools or groups (a post on the group,
 * a seat on a body of the school or the group). Used for action owners and intervention leads.
 */
export async function holdsPostOrSeat(em: EntityManager, personId: number, schoolIds: number[], groupIds: number[]): Promise<boolean> {
  const [row]: { ok: boolean }[] = await em.execute(
    `select exists (select 1 from post p where p.person_id = ? and ${servingPost('p')}
         and (p.school_id = any(?::int[]) or p.group_id = any(?::int[])))
       or exists (select 1 from governorship g join governing_body b on b.id = g.governing_body_id
         where g.person_id = ? and ${sittingGovernor('g')} and (b.school_id = any(?::int[]) or b.group_id = any(?::int[]))) as ok`,
    [personId, intArray(schoolIds), intArray(groupIds), personId, intArray(schoolIds), intArray(groupIds)],
  );
  return row.ok;
}

/** The groups a school is a current member of. */
export async function currentGroupsOf(em: EntityManager, schoolId: number): Promise<number[]> {
  const rows: { group_id: number }[] = await em.execute(
    `select m.group_id from membership m where m.school_id = ? and ${currentMembership('m')}`,
    [schoolId],
  );
  return rows.map((r) => r.group_id);
}
