import type { EntityManager } from '@mikro-orm/postgresql';
import { Alert } from '../alerts/alert.entity';
import { AlertSeverity, AlertStatus, TriggerRuleKind } from '../alerts/alert.enums';
import { changeStatus } from '../alerts/alert.service';
import { evaluate } from '../alerts/evaluation';
import { PartnershipEventKind, recordPartnershipEvent } from '../alerts/partnership-event';
import { currentMutation } from '../auth/request-scope';
import { loadByGlobalId } from '../core/mutation';
import { fromGlobalId } from '../core/node';
import { fail, UserError, userError, UserErrorCode, UserInputFailure } from '../core/user-errors';
import { Group } from '../groups/group.entity';
import { Person } from '../people/person.entity';
import { currentGroupsOf, holdsPostOrSeat } from '../reviews/review.policy';
import { today } from '../reviews/review.service';
import { School } from '../schools/school.entity';
import { InterventionCase, InterventionMilestone, InterventionReview } from './intervention.entity';
import { InterventionCaseReason, InterventionCaseStatus } from './intervention.enums';
import type {
  InterventionCaseCloseInput,
  InterventionCaseOpenInput,
  InterventionMilestoneAddInput,
  InterventionMilestoneMeetInput,
  InterventionReviewRecordInput,
} from './intervention.inputs';

function notFuture(on: string, field: string[]): void {
  if (on > today()) fail(field, `must not be in the future; got ${on}.`);
}

function requireOpen(c: InterventionCase, field: string[]): void {
  if (c.status !== InterventionCaseStatus.OPEN)
    fail(
      field,
      `the case was closed on ${c.closedOn} (${c.outcome?.toUpperCase()}); a closed case does not change.`,
      UserErrorCode.CONFLICT,
    );
}

/** Alerts still live for a school under a rule kind. */
async function liveAlerts(em: EntityManager, schoolId: number, kind: TriggerRuleKind): Promise<number[]> {
  const rows: { id: number }[] = await em.execute(
    `select a.id from alert a join trigger_rule r on r.id = a.rule_id where a.school_id = ? and r.kind = ? and a.status <> 'resolved'`,
    [schoolId, kind],
  );
  return rows.map((r) => r.id);
}

export async function openCase(em: EntityManager, input: InterventionCaseOpenInput, actor: string): Promise<InterventionCase> {
  let school: School;
  let alert: Alert | undefined;
  if (input.alertId) {
    alert = await loadByGlobalId(em, Alert, input.alertId, ['input', 'alertId']);
    if (alert.severity !== AlertSeverity.INTERVENTION)
      fail(
        ['input', 'alertId'],
        `is an alert of severity ${alert.severity.toUpperCase()}; a case is opened from one of severity INTERVENTION.`,
      );
    if (alert.status === AlertStatus.RESOLVED) fail(['input', 'alertId'], 'the alert is resolved.', UserErrorCode.CONFLICT);
    school = await em.findOneOrFail(School, { id: alert.schoolId });
    if (input.schoolId && input.schoolId !== school.nodeId)
      fail(['input', 'schoolId'], `does not match the alert, which is about ${school.name}; leave it out or give the same school.`);
  } else {
    if (!input.schoolId) fail(['input', 'schoolId'], 'must be given when the case is not opened from an alert.');
    if (!input.supportingGroupId)
      fail(
        ['input', 'supportingGroupId'],
        "must be given when the case is not opened from an alert: a case is opened by the supporting group's leaders.",
      );
    const parsed = fromGlobalId(input.schoolId);
    if (!parsed || parsed.typeName !== 'School') fail(['input', 'schoolId'], 'is not the ID of a School.');
    const found = await em.findOne(School, { id: parsed.id });
    if (!found) fail(['input', 'schoolId'], 'no School has this ID.', UserErrorCode.NOT_FOUND);
    currentMutation()?.touched.add(input.schoolId);
    school = found;
  }
  const groups = await currentGroupsOf(em, school.id);
  let group: Group | undefined;
  if (input.supportingGroupId) {
    group = await loadByGlobalId(em, Group, input.supportingGroupId, ['input', 'supportingGroupId']);
    if (!groups.includes(group.id))
      fail(
        ['input', 'supportingGroupId'],
        `${school.name} is not a current member of ${group.name}; a group supports its own member schools.`,
      );
  }
  let supportingSchool: School | undefined;
  if (input.supportingSchoolId) {
    supportingSchool = await loadByGlobalId(em, School, input.supportingSchoolId, ['input', 'supportingSchoolId']);
    if (supportingSchool.id === school.id) fail(['input', 'supportingSchoolId'], 'a school cannot support itself.');
  }
  if (!group && !supportingSchool) fail(['input', 'supportingSchoolId'], 'a case needs a supporting school or a supporting group.');
  const existing = await em.findOne(InterventionCase, { schoolId: school.id, status: InterventionCaseStatus.OPEN });
  if (existing)
    fail(
      ['input', input.alertId ? 'alertId' : 'schoolId'],
      `${school.name} already has an open intervention case (${existing.nodeId}); close it first.`,
      UserErrorCode.CONFLICT,
    );

  const errors: UserError[] = [];
  const openedOn = input.openedOn ?? today();
  if (openedOn > today()) errors.push(userError(['input', 'openedOn'], `must not be in the future; got ${openedOn}.`));
  if (!input.concern.trim()) errors.push(userError(['input', 'concern'], 'must say what the case is about.'));
  (input.milestones ?? []).forEach((m, i) => {
    if (!m.description.trim())
      errors.push(userError(['input', 'milestones', String(i), 'description'], 'must say what is to be achieved.'));
    if (m.dueOn < openedOn)
      errors.push(userError(['input', 'milestones', String(i), 'dueOn'], `must not be before the case opens (${openedOn}).`));
  });
  // The lead is looked up among those eligible only; anyone else, or no one, gets the same answer.
  const parsedLead = fromGlobalId(input.leadId);
  const lead = parsedLead?.typeName === 'Person' ? await em.findOne(Person, { id: parsedLead.id }) : null;
  const schoolIds = [school.id, ...(supportingSchool ? [supportingSchool.id] : [])];
  const groupIds = [...groups, ...(group ? [group.id] : [])];
  if (!lead || !(await holdsPostOrSeat(em, lead.id, schoolIds, groupIds)))
    errors.push(
      userError(
        ['input', 'leadId'],
        `is not a person with a current post or seat in ${school.name}, its supporter or one of its groups; a case needs a lead who is accountable there.`,
      ),
    );
  if (errors.length) throw new UserInputFailure(errors);
  currentMutation()?.touched.add(input.leadId);

  const c = em.create(InterventionCase, {
    schoolId: school.id,
    reason: alert ? InterventionCaseReason.ALERT : InterventionCaseReason.LEADERS,
    alertId: alert?.id ?? null,
    leadId: lead!.id,
    supportingSchoolId: supportingSchool?.id ?? null,
    supportingGroupId: group?.id ?? null,
    concern: input.concern.trim(),
    openedOn,
    createdBy: actor,
  });
  await em.flush();
  for (const m of input.milestones ?? [])
    em.create(InterventionMilestone, { caseId: c.id, description: m.description.trim(), dueOn: m.dueOn });
  await em.flush();
  if (alert && alert.status === AlertStatus.OPEN) await changeStatus(em, alert.id, 'acknowledge', actor, 'Intervention case opened.');
  await evaluate(em, [TriggerRuleKind.INTERVENTION_MILESTONE_MISSED], { schoolIds: [school.id] });
  await recordPartnershipEvent(em, {
    kind: PartnershipEventKind.INTERVENTION_CASE_OPENED,
    schoolId: school.id,
    subjectId: c.nodeId,
    personIds: [c.leadId],
    summary: `Intervention case opened for ${school.name} on ${openedOn}, led by ${lead!.fullName}.`,
    actor,
  });
  return c;
}

export async function addMilestone(em: EntityManager, input: InterventionMilestoneAddInput): Promise<InterventionMilestone> {
  const c = await loadByGlobalId(em, InterventionCase, input.interventionCaseId, ['input', 'interventionCaseId']);
  requireOpen(c, ['input', 'interventionCaseId']);
  const errors: UserError[] = [];
  if (!input.description.trim()) errors.push(userError(['input', 'description'], 'must say what is to be achieved.'));
  if (input.dueOn < c.openedOn) errors.push(userError(['input', 'dueOn'], `must not be before the case opened (${c.openedOn}).`));
  if (errors.length) throw new UserInputFailure(errors);
  const milestone = em.create(InterventionMilestone, { caseId: c.id, description: input.description.trim(), dueOn: input.dueOn });
  await em.flush();
  // The row rule reads case_access, which a database trigger fills in on insert: read it back.
  await em.refresh(milestone);
  await evaluate(em, [TriggerRuleKind.INTERVENTION_MILESTONE_MISSED], { schoolIds: [c.schoolId] });
  return milestone;
}

export async function meetMilestone(em: EntityManager, input: InterventionMilestoneMeetInput): Promise<InterventionMilestone> {
  const milestone = await loadByGlobalId(em, InterventionMilestone, input.interventionMilestoneId, ['input', 'interventionMilestoneId']);
  const c = await em.findOneOrFail(InterventionCase, { id: milestone.caseId });
  requireOpen(c, ['input', 'interventionMilestoneId']);
  if (milestone.metOn)
    fail(['input', 'interventionMilestoneId'], `the milestone was already met on ${milestone.metOn}.`, UserErrorCode.CONFLICT);
  const metOn = input.metOn ?? today();
  notFuture(metOn, ['input', 'metOn']);
  if (metOn < c.openedOn) fail(['input', 'metOn'], `must not be before the case opened (${c.openedOn}).`);
  milestone.metOn = metOn;
  milestone.note = input.note?.trim() || null;
  await em.flush();
  return milestone;
}

const ACADEMIC_YEAR = /^(\d{4})\/(\d{2})$/;

export async function recordTermlyReview(
  em: EntityManager,
  input: InterventionReviewRecordInput,
  actor: string,
): Promise<InterventionReview> {
  const c = await loadByGlobalId(em, InterventionCase, input.interventionCaseId, ['input', 'interventionCaseId']);
  requireOpen(c, ['input', 'interventionCaseId']);
  const errors: UserError[] = [];
  const year = ACADEMIC_YEAR.exec(input.academicYear);
  if (!year || (Number(year[1]) + 1) % 100 !== Number(year[2]))
    errors.push(userError(['input', 'academicYear'], `must be an academic year like '2025/26'; got '${input.academicYear}'.`));
  if (!input.notes.trim()) errors.push(userError(['input', 'notes'], 'must say what the review found.'));
  const reviewedOn = input.reviewedOn ?? today();
  if (reviewedOn > today()) errors.push(userError(['input', 'reviewedOn'], `must not be in the future; got ${reviewedOn}.`));
  if (reviewedOn < c.openedOn) errors.push(userError(['input', 'reviewedOn'], `must not be before the case opened (${c.openedOn}).`));
  if (errors.length) throw new UserInputFailure(errors);
  const existing = await em.findOne(InterventionReview, { caseId: c.id, academicYear: input.academicYear, term: input.term });
  if (existing)
    fail(
      ['input', 'term'],
      `the ${input.term} term of ${input.academicYear} was already reviewed on ${existing.reviewedOn}.`,
      UserErrorCode.CONFLICT,
    );
  const review = em.create(InterventionReview, {
    caseId: c.id,
    academicYear: input.academicYear,
    term: input.term,
    rating: input.rating,
    notes: input.notes.trim(),
    reviewedOn,
    recordedBy: actor,
  });
  await em.flush();
  return review;
}

export async function closeCase(em: EntityManager, input: InterventionCaseCloseInput, actor: string): Promise<InterventionCase> {
  const c = await loadByGlobalId(em, InterventionCase, input.interventionCaseId, ['input', 'interventionCaseId']);
  requireOpen(c, ['input', 'interventionCaseId']);
  const closedOn = input.closedOn ?? today();
  notFuture(closedOn, ['input', 'closedOn']);
  if (closedOn < c.openedOn) fail(['input', 'closedOn'], `must not be before the case opened (${c.openedOn}).`);
  if (!input.outcomeNotes.trim()) fail(['input', 'outcomeNotes'], 'must say what the outcome rests on.');
  const [{ n }]: { n: number }[] = await em.execute(`select count(*)::int as n from intervention_review where case_id = ?`, [c.id]);
  if (n === 0)
    fail(
      ['input', 'interventionCaseId'],
      'a case is closed on the evidence of at least one termly review: record one first (interventionReviewRecord).',
      UserErrorCode.CONFLICT,
    );
  c.status = InterventionCaseStatus.CLOSED;
  c.closedOn = closedOn;
  c.outcome = input.outcome;
  c.outcomeNotes = input.outcomeNotes.trim();
  await em.flush();
  // The alerts the case answered are dealt with: the one that opened it, and its missed milestones.
  const toResolve = [
    ...(c.alertId ? [c.alertId] : []),
    ...(await liveAlerts(em, c.schoolId, TriggerRuleKind.INTERVENTION_MILESTONE_MISSED)),
  ];
  for (const id of toResolve) await changeStatus(em, id, 'resolve', actor, 'Intervention case closed.');
  const school = await em.findOneOrFail(School, { id: c.schoolId });
  await recordPartnershipEvent(em, {
    kind: PartnershipEventKind.INTERVENTION_CASE_CLOSED,
    schoolId: c.schoolId,
    subjectId: c.nodeId,
    personIds: [c.leadId],
    summary: `Intervention case for ${school.name} closed on ${closedOn}: ${input.outcome.toUpperCase()}.`,
    actor,
  });
  return c;
}
