import type { EntityManager } from '@mikro-orm/postgresql';
import { Alert } from '../alerts/alert.entity';
import { AlertSeverity, AlertStatus, TriggerRuleKind } from '../alerts/alert.enums';
import { changeStatus } from '../alerts/alert.service';
import { evaluate } from '../alerts/evaluation';
import { PartnershipEventKind, recordPartnershipEvent } from '../alerts/partnership-event';
import { mayChange } from '../auth/policy';
import { currentMutation } from '../auth/request-scope';
import { loadByGlobalId } from '../core/mutation';
import { fromGlobalId } from '../core/node';
import { fail, UserError, userError, UserErrorCode, UserInputFailure } from '../core/user-errors';
import { Group } from '../groups/group.entity';
import { Person } from '../people/person.entity';
import { School } from '../schools/school.entity';
import { PeerReview, PeerReviewAction, PeerReviewFinding, PeerReviewReviewer } from './review.entity';
import {
  ACTION_TRANSITIONS,
  PEER_REVIEW_TRANSITIONS,
  PeerReviewActionStatus,
  PeerReviewerRole,
  PeerReviewReason,
  PeerReviewStatus,
} from './review.enums';
import type {
  PeerReviewReviewerAddInput,
  PeerReviewReviewerRemoveInput,
  PeerReviewActionAddInput,
  PeerReviewActionUpdateInput,
  PeerReviewFindingRecordInput,
  PeerReviewScheduleInput,
  PeerReviewStatusUpdateInput,
} from './review.inputs';
import { currentGroupsOf, holdsPostOrSeat, reviewerStanding } from './review.policy';

export const today = (): string => new Date().toISOString().slice(0, 10);
const label = (status: string) => status.toUpperCase();

/** Resolves an alert (if still open or acknowledged) in the caller's transaction, with its log event. */
async function resolveAlert(em: EntityManager, alertId: number, actor: string, note: string): Promise<void> {
  await changeStatus(em, alertId, 'resolve', actor, note);
}

/** Open or acknowledged alerts of a rule kind for a school. */
async function liveAlerts(em: EntityManager, schoolId: number, kind: TriggerRuleKind): Promise<number[]> {
  const rows: { id: number }[] = await em.execute(
    `select a.id from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = ? and r.kind = ? and a.status <> 'resolved'`,
    [schoolId, kind],
  );
  return rows.map((r) => r.id);
}

/** A school named by ID. Public: who may review it is decided by the group (the school must be its member). */
async function loadSchool(em: EntityManager, globalId: string, field: string[]): Promise<School> {
  const parsed = fromGlobalId(globalId);
  if (!parsed || parsed.typeName !== 'School') fail(field, 'is not the ID of a School.');
  const school = await em.findOne(School, { id: parsed.id });
  if (!school) fail(field, 'no School has this ID.', UserErrorCode.NOT_FOUND);
  currentMutation()?.touched.add(globalId);
  return school;
}

function notFuture(on: string, field: string[]): void {
  if (on > today()) fail(field, `must not be in the future; got ${on}.`);
}

/**
 * Whether a person may take this part in a review of the school (review.policy.ts): the partner school
 * that qualifies them, or why not, in words naming them. The one rule for scheduling and for changing the team.
 */
async function reviewerEligibility(
  em: EntityManager,
  school: School,
  person: Person,
  role: PeerReviewerRole,
): Promise<{ schoolId: number | null } | string> {
  const standing = await reviewerStanding(em, school.id, person.id);
  if (standing.ownSchool)
    return `${person.fullName} holds a post or seat at ${school.name}, the school under review; reviewers come from other schools.`;
  if (role === PeerReviewerRole.EXTERNAL_ADVISER) return { schoolId: null };
  if (standing.viaSchoolId == null)
    return `${person.fullName} has no current post or seat in another member school of a group ${school.name} belongs to.`;
  return { schoolId: standing.viaSchoolId };
}

export async function scheduleReview(em: EntityManager, input: PeerReviewScheduleInput, actor: string): Promise<PeerReview> {
  const group = await loadByGlobalId(em, Group, input.groupId, ['input', 'groupId']);
  let school: School;
  let alert: Alert | undefined;
  if (input.alertId) {
    alert = await loadByGlobalId(em, Alert, input.alertId, ['input', 'alertId']);
    if (alert.severity !== AlertSeverity.PEER_REVIEW)
      fail(['input', 'alertId'], `is an alert of severity ${label(alert.severity)}; a review is raised from one of severity PEER_REVIEW.`);
    if (alert.status === AlertStatus.RESOLVED) fail(['input', 'alertId'], 'the alert is resolved.', UserErrorCode.CONFLICT);
    const existing = await em.findOne(PeerReview, { alertId: alert.id, status: { $ne: PeerReviewStatus.CANCELLED } });
    if (existing)
      fail(['input', 'alertId'], `a peer review was already scheduled from this alert (${existing.nodeId}).`, UserErrorCode.CONFLICT);
    school = await em.findOneOrFail(School, { id: alert.schoolId });
    if (input.schoolId && input.schoolId !== school.nodeId)
      fail(['input', 'schoolId'], `does not match the alert, which is about ${school.name}; leave it out or give the same school.`);
  } else {
    if (!input.schoolId) fail(['input', 'schoolId'], 'must be given when the review is not raised from an alert.');
    school = await loadSchool(em, input.schoolId, ['input', 'schoolId']);
  }
  const groups = await currentGroupsOf(em, school.id);
  if (!groups.includes(group.id))
    fail(['input', 'schoolId'], `${school.name} is not a current member of ${group.name}; a group reviews its own member schools.`);

  const errors: UserError[] = [];
  const reviewers: { personId: number; role: PeerReviewerRole; schoolId: number | null; field: string[] }[] = [];
  const seen = new Set<number>();
  const people: [string, PeerReviewerRole, string[]][] = [
    [input.leadReviewerId, PeerReviewerRole.LEAD_REVIEWER, ['input', 'leadReviewerId']],
    ...input.reviewerIds.map((id, i): [string, PeerReviewerRole, string[]] => [
      id,
      PeerReviewerRole.REVIEWER,
      ['input', 'reviewerIds', String(i)],
    ]),
  ];
  if (input.externalAdviserId) people.push([input.externalAdviserId, PeerReviewerRole.EXTERNAL_ADVISER, ['input', 'externalAdviserId']]);
  for (const [id, role, field] of people) {
    const person = await loadByGlobalId(em, Person, id, field);
    if (seen.has(person.id)) {
      errors.push(userError(field, `${person.fullName} is named twice; each person takes one part in a review.`));
      continue;
    }
    seen.add(person.id);
    const standing = await reviewerEligibility(em, school, person, role);
    if (typeof standing === 'string') {
      errors.push(userError(field, standing));
      continue;
    }
    reviewers.push({ personId: person.id, role, schoolId: standing.schoolId, field });
  }
  if (!input.externalAdviserId && input.externalAdviserOrganisation)
    errors.push(userError(['input', 'externalAdviserOrganisation'], 'is given without an external adviser.'));
  if (errors.length) throw new UserInputFailure(errors);

  const review = em.create(PeerReview, {
    schoolId: school.id,
    groupId: group.id,
    alertId: alert?.id ?? null,
    reason: alert ? PeerReviewReason.ALERT : PeerReviewReason.SCHEDULED,
    status: PeerReviewStatus.PLANNED,
    startedOn: input.startsOn,
    focus: input.focus ?? null,
    // Filled by the database as reviewers are added (trigger on peer_review_reviewer).
    reviewerIds: [],
    createdBy: actor,
  });
  await em.flush();
  for (const reviewer of reviewers) {
    em.create(PeerReviewReviewer, {
      peerReviewId: review.id,
      personId: reviewer.personId,
      role: reviewer.role,
      schoolId: reviewer.schoolId,
      organisation: reviewer.role === PeerReviewerRole.EXTERNAL_ADVISER ? (input.externalAdviserOrganisation ?? null) : null,
    });
  }
  await em.flush();
  await em.refresh(review);
  // Someone is acting on the alert: it is in hand until the review completes and resolves it.
  if (alert && alert.status === AlertStatus.OPEN) await changeStatus(em, alert.id, 'acknowledge', actor, 'Peer review scheduled.');
  await recordPartnershipEvent(em, {
    kind: PartnershipEventKind.PEER_REVIEW_SCHEDULED,
    schoolId: school.id,
    subjectId: review.nodeId,
    personIds: review.reviewerIds ?? [],
    summary: `Peer review of ${school.name} scheduled by ${group.name} to start on ${input.startsOn}.`,
    actor,
  });
  return review;
}

export async function updateReviewStatus(em: EntityManager, input: PeerReviewStatusUpdateInput, actor: string): Promise<PeerReview> {
  const review = await loadByGlobalId(em, PeerReview, input.peerReviewId, ['input', 'peerReviewId']);
  const from = review.status;
  const to = input.status;
  const allowed = PEER_REVIEW_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    const next = allowed.length
      ? `a ${label(from)} review can only become ${allowed.map(label).join(' or ')}`
      : `a ${label(from)} review is final`;
    fail(['input', 'status'], `cannot go from ${label(from)} to ${label(to)}: ${next}.`, UserErrorCode.CONFLICT);
  }
  const on = input.on ?? today();
  notFuture(on, ['input', 'on']);
  const note = input.note?.trim() || null;
  const school = await em.findOneOrFail(School, { id: review.schoolId });
  switch (to) {
    case PeerReviewStatus.IN_PROGRESS:
      review.startedOn = on;
      break;
    case PeerReviewStatus.COMPLETED: {
      const [{ n }]: { n: number }[] = await em.execute(`select count(*)::int as n from peer_review_finding where peer_review_id = ?`, [
        review.id,
      ]);
      if (n === 0)
        fail(
          ['input', 'peerReviewId'],
          'a review cannot be completed without findings: record at least one (peerReviewFindingRecord).',
          UserErrorCode.CONFLICT,
        );
      if (on < review.startedOn) fail(['input', 'on'], `must not be before the review started (${review.startedOn}).`);
      review.completedOn = on;
      if (note) review.summary = note;
      break;
    }
    case PeerReviewStatus.FOLLOWED_UP: {
      const [{ n }]: { n: number }[] = await em.execute(
        `select count(*)::int as n from peer_review_action where peer_review_id = ? and status in ('open', 'in_progress')`,
        [review.id],
      );
      if (n > 0)
        fail(
          ['input', 'peerReviewId'],
          `${n} agreed action${n === 1 ? ' is' : 's are'} still open; a review is followed up once every action is DONE or CANCELLED.`,
          UserErrorCode.CONFLICT,
        );
      if (review.completedOn && on < review.completedOn)
        fail(['input', 'on'], `must not be before the review was completed (${review.completedOn}).`);
      review.followedUpOn = on;
      break;
    }
    case PeerReviewStatus.CANCELLED:
      if (!note) fail(['input', 'note'], 'must give the reason for cancelling.');
      review.cancelledOn = on;
      review.cancelReason = note;
      break;
  }
  review.status = to;
  await em.flush();
  if (to === PeerReviewStatus.COMPLETED) {
    // The alert that raised it is dealt with, and the school is no longer overdue a review.
    if (review.alertId) await resolveAlert(em, review.alertId, actor, 'Peer review completed.');
    for (const id of await liveAlerts(em, review.schoolId, TriggerRuleKind.PEER_REVIEW_OVERDUE))
      await resolveAlert(em, id, actor, 'Peer review completed.');
  }
  await recordPartnershipEvent(em, {
    kind: PartnershipEventKind.PEER_REVIEW_STATUS_CHANGED,
    schoolId: review.schoolId,
    subjectId: review.nodeId,
    personIds: review.reviewerIds ?? [],
    summary: `Peer review of ${school.name}: ${label(from)} -> ${label(to)} on ${on}.`,
    actor,
  });
  return review;
}

export async function recordFinding(
  em: EntityManager,
  input: PeerReviewFindingRecordInput,
  actor: string,
): Promise<{ finding: PeerReviewFinding; peerReview: PeerReview }> {
  const review = await loadByGlobalId(em, PeerReview, input.peerReviewId, ['input', 'peerReviewId']);
  if (review.status !== PeerReviewStatus.IN_PROGRESS) {
    const why = review.status === PeerReviewStatus.PLANNED ? 'start it first' : 'its findings are final';
    fail(
      ['input', 'peerReviewId'],
      `findings are recorded while a review is IN_PROGRESS; this one is ${label(review.status)} (${why}).`,
      UserErrorCode.CONFLICT,
    );
  }
  const errors: UserError[] = [];
  if (!Number.isInteger(input.grade) || input.grade < 1 || input.grade > 4)
    errors.push(userError(['input', 'grade'], `must be a whole number from 1 (outstanding) to 4 (inadequate); got ${input.grade}.`));
  if (!input.evidence.trim()) errors.push(userError(['input', 'evidence'], 'must say what the grade rests on.'));
  if (errors.length) throw new UserInputFailure(errors);
  // The school's own grade for the area as it stands now: the flag compares against what the school said before the review.
  const [row]: { id: number }[] = await em.execute(
    `with own as (select grade, evaluated_on from self_evaluation where school_id = ? and area = ? and evaluated_on <= current_date
       order by evaluated_on desc limit 1)
     insert into peer_review_finding (peer_review_id, area, grade, evidence, self_evaluation_grade, self_evaluated_on, recorded_by)
     values (?, ?, ?, ?, (select grade from own), (select evaluated_on from own), ?)
     on conflict on constraint peer_review_finding_area_once do update set grade = excluded.grade, evidence = excluded.evidence,
       self_evaluation_grade = excluded.self_evaluation_grade, self_evaluated_on = excluded.self_evaluated_on,
       recorded_by = excluded.recorded_by, recorded_at = now()
     returning id`,
    [review.schoolId, input.area, review.id, input.area, input.grade, input.evidence.trim(), actor],
  );
  await evaluate(em, [TriggerRuleKind.PEER_REVIEW_FINDING_WORSE], { schoolIds: [review.schoolId] });
  const finding = await em.findOneOrFail(PeerReviewFinding, { id: row.id }, { refresh: true });
  return { finding, peerReview: review };
}

export async function addAction(em: EntityManager, input: PeerReviewActionAddInput, actor: string): Promise<PeerReviewAction> {
  const review = await loadByGlobalId(em, PeerReview, input.peerReviewId, ['input', 'peerReviewId']);
  if (review.status !== PeerReviewStatus.IN_PROGRESS && review.status !== PeerReviewStatus.COMPLETED)
    fail(
      ['input', 'peerReviewId'],
      `actions are agreed while a review is IN_PROGRESS or COMPLETED; this one is ${label(review.status)}.`,
      UserErrorCode.CONFLICT,
    );
  const errors: UserError[] = [];
  if (!input.description.trim()) errors.push(userError(['input', 'description'], 'must say what is to be done.'));
  if (input.dueOn < review.startedOn)
    errors.push(userError(['input', 'dueOn'], `must not be before the review started (${review.startedOn}).`));
  if (errors.length) throw new UserInputFailure(errors);
  // A reviewer may name the school's staff, whom they do not otherwise see: the owner is looked up among
  // those eligible only, and anyone else (or no one) gets the same answer, so nothing about other people leaks.
  const school = await em.findOneOrFail(School, { id: review.schoolId });
  const parsed = fromGlobalId(input.ownerId);
  if (!parsed || parsed.typeName !== 'Person') fail(['input', 'ownerId'], 'is not the ID of a Person.');
  const owner = await em.findOne(Person, { id: parsed.id });
  const eligible =
    owner !== null &&
    ((review.reviewerIds ?? []).includes(owner.id) ||
      (await holdsPostOrSeat(em, owner.id, [school.id], await currentGroupsOf(em, school.id))));
  if (!owner || !eligible)
    fail(
      ['input', 'ownerId'],
      `is not a reviewer of this review nor a person with a current post or seat in ${school.name} or its groups; an action needs an owner who can carry it out.`,
    );
  currentMutation()?.touched.add(input.ownerId);
  const action = em.create(PeerReviewAction, {
    peerReviewId: review.id,
    description: input.description.trim(),
    ownerId: owner.id,
    dueOn: input.dueOn,
    createdBy: actor,
  });
  await em.flush();
  // The row rule reads review_access, which a database trigger fills in on insert: read it back.
  await em.refresh(action);
  // An action agreed with a date already past is overdue at once, not at the next sweep.
  await evaluate(em, [TriggerRuleKind.PEER_REVIEW_ACTION_OVERDUE], { schoolIds: [review.schoolId] });
  await recordPartnershipEvent(em, {
    kind: PartnershipEventKind.PEER_REVIEW_ACTION_ASSIGNED,
    schoolId: review.schoolId,
    subjectId: action.nodeId,
    personIds: [owner.id],
    summary: `Action for ${owner.fullName} from the peer review of ${school.name}, due ${input.dueOn}: ${action.description}`,
    actor,
  });
  return action;
}

export async function updateAction(em: EntityManager, input: PeerReviewActionUpdateInput, actor: string): Promise<PeerReviewAction> {
  const action = await loadByGlobalId(em, PeerReviewAction, input.peerReviewActionId, ['input', 'peerReviewActionId']);
  const review = await em.findOneOrFail(PeerReview, { id: action.peerReviewId });
  if (review.status === PeerReviewStatus.CANCELLED)
    fail(['input', 'peerReviewActionId'], 'the review was cancelled; its actions no longer change.', UserErrorCode.CONFLICT);
  const allowed = ACTION_TRANSITIONS[action.status];
  if (!allowed.includes(input.status)) {
    const next = allowed.length
      ? `an ${label(action.status)} action can only become ${allowed.map(label).join(' or ')}`
      : `a ${label(action.status)} action is final`;
    fail(['input', 'status'], `cannot go from ${label(action.status)} to ${label(input.status)}: ${next}.`, UserErrorCode.CONFLICT);
  }
  if (input.on && input.status !== PeerReviewActionStatus.DONE)
    fail(['input', 'on'], 'is the day an action was done; give it only with DONE.');
  if (input.status === PeerReviewActionStatus.DONE) {
    const on = input.on ?? today();
    notFuture(on, ['input', 'on']);
    if (on < review.startedOn) fail(['input', 'on'], `must not be before the review started (${review.startedOn}).`);
    action.doneOn = on;
  }
  action.status = input.status;
  if (input.note !== undefined) action.note = input.note?.trim() || null;
  action.updatedAt = new Date();
  await em.flush();
  return action;
}

/** Reviews whose team may still change: not once the review is completed, followed up or cancelled. */
const TEAM_OPEN = [PeerReviewStatus.PLANNED, PeerReviewStatus.IN_PROGRESS];
const MAX_REVIEWERS = 10;

/**
 * The review whose team is to change, locked for the rest of the transaction (two changes at once
 * cannot both take the tenth place), and checked: the team is chosen by whoever may change the group
 * that scheduled the review, as at scheduling (not by the reviewers themselves), until it is completed.
 */
async function reviewForTeamChange(em: EntityManager, globalId: string): Promise<{ review: PeerReview; school: School }> {
  const field = ['input', 'peerReviewId'];
  const review = await loadByGlobalId(em, PeerReview, globalId, field, 'see');
  await em.execute(`select id from peer_review where id = ? for update`, [review.id]);
  await em.refresh(review);
  const group = review.groupId ? await em.findOne(Group, { id: review.groupId }) : null;
  const viewer = currentMutation()!.viewer;
  if (!group || (await mayChange(viewer, 'Group', group)) !== 'allowed')
    fail(
      field,
      `a review's team is chosen by the group that scheduled it${group ? ` (${group.name})` : ''}: its executive leaders and its board or federation governors; you are not among them.`,
      UserErrorCode.NOT_ALLOWED,
    );
  if (!TEAM_OPEN.includes(review.status))
    fail(
      field,
      `the team of a ${label(review.status)} review no longer changes; reviewers are added or removed while it is PLANNED or IN_PROGRESS.`,
      UserErrorCode.CONFLICT,
    );
  return { review, school: await em.findOneOrFail(School, { id: review.schoolId }) };
}

const roleWords: Record<PeerReviewerRole, string> = {
  [PeerReviewerRole.LEAD_REVIEWER]: 'lead reviewer',
  [PeerReviewerRole.REVIEWER]: 'reviewer',
  [PeerReviewerRole.EXTERNAL_ADVISER]: 'external adviser',
};

export async function addReviewer(em: EntityManager, input: PeerReviewReviewerAddInput, actor: string): Promise<PeerReview> {
  const { review, school } = await reviewForTeamChange(em, input.peerReviewId);
  const person = await loadByGlobalId(em, Person, input.personId, ['input', 'personId']);
  const team = await em.find(PeerReviewReviewer, { peerReviewId: review.id });
  const already = team.find((r) => r.personId === person.id);
  if (already)
    fail(['input', 'personId'], `${person.fullName} is already on the team, as ${roleWords[already.role]}; each person takes one part.`, UserErrorCode.CONFLICT);
  const standing = await reviewerEligibility(em, school, person, input.role);
  if (typeof standing === 'string') fail(['input', 'personId'], standing);
  if (input.organisation?.trim() && input.role !== PeerReviewerRole.EXTERNAL_ADVISER)
    fail(['input', 'organisation'], 'is given only for an EXTERNAL_ADVISER.');
  const reviewers = team.filter((r) => r.role === PeerReviewerRole.REVIEWER).length;
  const lead = team.find((r) => r.role === PeerReviewerRole.LEAD_REVIEWER);
  if (input.role === PeerReviewerRole.EXTERNAL_ADVISER) {
    if (team.some((r) => r.role === PeerReviewerRole.EXTERNAL_ADVISER))
      fail(['input', 'role'], 'the review already has an external adviser; remove them first.', UserErrorCode.CONFLICT);
  } else if (input.role === PeerReviewerRole.REVIEWER ? reviewers >= MAX_REVIEWERS : lead && reviewers >= MAX_REVIEWERS) {
    fail(
      ['input', 'role'],
      input.role === PeerReviewerRole.REVIEWER
        ? `the review already has ${MAX_REVIEWERS} reviewers besides its lead, the most it may have.`
        : `a new lead makes the current lead a reviewer, and the review already has ${MAX_REVIEWERS} reviewers besides its lead; remove one first.`,
      UserErrorCode.CONFLICT,
    );
  }
  // One lead at a time (a unique index): the current lead stays on the team as a reviewer.
  if (input.role === PeerReviewerRole.LEAD_REVIEWER && lead)
    await em.execute(`update peer_review_reviewer set role = 'reviewer' where id = ?`, [lead.id]);
  await em.execute(
    `insert into peer_review_reviewer (peer_review_id, person_id, role, school_id, organisation) values (?, ?, ?, ?, ?)`,
    [review.id, person.id, input.role, standing.schoolId, input.role === PeerReviewerRole.EXTERNAL_ADVISER ? input.organisation?.trim() || null : null],
  );
  currentMutation()?.touched.add(person.nodeId);
  await em.refresh(review);
  await recordPartnershipEvent(em, {
    kind: PartnershipEventKind.PEER_REVIEW_REVIEWERS_CHANGED,
    schoolId: review.schoolId,
    subjectId: review.nodeId,
    personIds: review.reviewerIds ?? [],
    summary: `${person.fullName} joined the peer review of ${school.name} as ${roleWords[input.role]}${
      input.role === PeerReviewerRole.LEAD_REVIEWER && lead ? ' (the former lead stays as a reviewer)' : ''
    }.`,
    actor,
  });
  return review;
}

export async function removeReviewer(em: EntityManager, input: PeerReviewReviewerRemoveInput, actor: string): Promise<PeerReview> {
  const { review, school } = await reviewForTeamChange(em, input.peerReviewId);
  const parsed = fromGlobalId(input.personId);
  if (!parsed || parsed.typeName !== 'Person') fail(['input', 'personId'], 'is not the ID of a Person.');
  // Only the team is looked in: whoever is not on it gets the same answer, whether or not they exist.
  const member = await em.findOne(PeerReviewReviewer, { peerReviewId: review.id, personId: parsed.id });
  if (!member) fail(['input', 'personId'], 'is not on the team of this review.', UserErrorCode.NOT_FOUND);
  const person = await em.findOneOrFail(Person, { id: member.personId });
  if (member.role === PeerReviewerRole.LEAD_REVIEWER)
    fail(
      ['input', 'personId'],
      `${person.fullName} leads the review, which always has a lead: make someone else lead (peerReviewReviewerAdd with LEAD_REVIEWER) first.`,
      UserErrorCode.CONFLICT,
    );
  const [{ n }]: { n: number }[] = await em.execute(
    `select count(*)::int as n from peer_review_action where peer_review_id = ? and owner_id = ? and status in ('open', 'in_progress')`,
    [review.id, member.personId],
  );
  if (n > 0)
    fail(
      ['input', 'personId'],
      `${person.fullName} owns ${n} open action${n === 1 ? '' : 's'} of this review; they stay on the team until ${n === 1 ? 'it is' : 'those are'} done or cancelled.`,
      UserErrorCode.CONFLICT,
    );
  // The person leaving is told too: the event names them as well as the team that remains.
  const before = review.reviewerIds ?? [];
  await em.execute(`delete from peer_review_reviewer where id = ?`, [member.id]);
  currentMutation()?.touched.add(input.personId);
  await em.refresh(review);
  await recordPartnershipEvent(em, {
    kind: PartnershipEventKind.PEER_REVIEW_REVIEWERS_CHANGED,
    schoolId: review.schoolId,
    subjectId: review.nodeId,
    personIds: before,
    summary: `${person.fullName} left the peer review of ${school.name} (was ${roleWords[member.role]}).`,
    actor,
  });
  return review;
}
