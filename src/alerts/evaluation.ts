import { currentMembership, sittingGovernor } from '../core/current';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainEvent, onDomainEvent } from '../core/domain-events';
import { TriggerRuleKind } from './alert.enums';
import { expectedToDateSql } from '../support/staff-days';
import { resolveAlertsOfSchoolsNotEvaluated } from './closed-schools';
import { currentVersionInEffect, lastAgreedVersion, ruleInEffect } from './rule-agreement.sql';

/**
 * Rule evaluation: one set-based statement per rule kind, whatever the number of schools, that finds
 * the schools where the kind's enabled rules hold and inserts their alerts and `raised` events.
 * It runs inside the transaction of the change that can make a rule hold (a domain event, a rule
 * change) or of the periodic sweep, so an alert commits or rolls back with its cause.
 *
 * "One open alert per rule and school" is the partial unique index alert_one_open_per_rule_and_school:
 * `on conflict do nothing` makes a condition that still holds (or a concurrent evaluation, or a sweep on
 * another instance) insert nothing, without a read-then-write race.
 */

/**
 * Alerts are only true of schools that are running: open, or open but proposed to close. A closed
 * school (or one not yet open) is never evaluated, by any path (a change's event, a rule change, the
 * sweep), and closing a school resolves its alerts (resolveAlertsOfSchoolsNotEvaluated).
 */
export const EVALUATED_STATUSES = `('open', 'proposed_to_close')`;

/**
 * How old evidence may be and still count, in years, when a rule does not say (its parameters carry
 * `maxEvidenceAgeYears`; rules are given the default when created). An inspection counts from its date;
 * an academic year's measures from the day the year ended (31 August).
 */
export const EVIDENCE_AGE_DEFAULTS: Partial<Record<TriggerRuleKind, number>> = {
  [TriggerRuleKind.METRIC_BELOW]: 3,
  [TriggerRuleKind.METRIC_FALL]: 3,
  [TriggerRuleKind.INSPECTION_GRADE_AT_OR_BELOW]: 6,
  [TriggerRuleKind.INSPECTION_DECLINE]: 6,
  [TriggerRuleKind.SELF_EVALUATION_OPTIMISTIC]: 6,
};

/** The rule's window as an SQL interval (`r` is the rule row). */
const maxAge = (kind: TriggerRuleKind) =>
  `make_interval(years => coalesce((r.p->>'maxEvidenceAgeYears')::int, ${EVIDENCE_AGE_DEFAULTS[kind]}))`;
/** The day an academic year '2017/18' ended: 31 August 2018. */
const yearEnded = (column: string) => `make_date(left(${column}, 4)::int + 1, 8, 31)`;

/** Which schools and rules an evaluation covers. */
export interface EvaluationScope {
  /** The schools the change touched (those not open are left out); all open schools when absent. */
  schoolIds?: number[];
  /** Only metric rules on these metrics (a data drop of some metrics). */
  metrics?: string[];
  /** Only this rule (after it was created, changed or enabled). */
  ruleId?: number;
}

/** Rules that depend on the calendar as well as on data: the periodic sweep evaluates them. */
export const TIME_BASED_KINDS: TriggerRuleKind[] = [
  TriggerRuleKind.WORKING_IN_ISOLATION,
  TriggerRuleKind.PEER_REVIEW_OVERDUE,
  TriggerRuleKind.SUPPORT_SHORTFALL,
  TriggerRuleKind.GOVERNANCE_VACANCIES,
  TriggerRuleKind.GOVERNOR_TERMS_ENDING,
];

const months = `make_interval(months => (r.p->>'months')::int)`;
export const RULE_COLUMNS = 'r.rule_id, r.school_id, r.severity, r.p, r.name, r.kind';

/** Bodies that govern a school directly: its own, its local committee, its federation's. */
const SCHOOL_BODIES = `school_bodies as (
    select t.school_id, b.id as body_id, b.name, b.kind
    from target t join governing_body b on b.school_id = t.school_id and b.kind in ('school', 'local_committee')
    union
    select t.school_id, b.id, b.name, b.kind
    from target t join membership m on m.school_id = t.school_id and ${currentMembership('m')}
    join governing_body b on b.group_id = m.group_id and b.kind = 'federation')`;

/** The latest inspection of each target school, with its grade (Estyn has none overall: its worst judgement). */
const RANKED_INSPECTIONS = `ranked_inspections as (
    select i.id, i.school_id, i.inspectorate, i.inspected_on, i.category_of_concern, i.overall_effectiveness,
      coalesce(i.overall_effectiveness, (select max(j.grade) from inspection_judgement j where j.inspection_id = i.id)) as grade,
      row_number() over (partition by i.school_id order by i.inspected_on desc, i.id desc) as rn
    from inspection i join target t on t.school_id = i.school_id)`;

/** Per kind: CTEs ending in `matches` (the rule columns plus `evidence`), reading `rules` and `target`. */
const MATCHES: Partial<Record<TriggerRuleKind, string>> = {
  [TriggerRuleKind.METRIC_BELOW]: `latest as (
      select distinct on (om.school_id, om.metric) om.school_id, om.metric, om.academic_year, om.value
      from outcome_measure om join target t on t.school_id = om.school_id
      where om.metric in (select r.p->>'metric' from rules r)
      order by om.school_id, om.metric, om.academic_year desc),
    matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('metric', l.metric, 'academicYear', l.academic_year, 'value', l.value,
        'threshold', (r.p->>'threshold')::numeric) as evidence
      from rules r join latest l on l.school_id = r.school_id and l.metric = r.p->>'metric'
      where l.value < (r.p->>'threshold')::numeric
        and ${yearEnded('l.academic_year')} > current_date - ${maxAge(TriggerRuleKind.METRIC_BELOW)})`,

  [TriggerRuleKind.METRIC_FALL]: `ranked as (
      select * from (
        select om.school_id, om.metric, om.academic_year, om.value,
          row_number() over (partition by om.school_id, om.metric order by om.academic_year desc) as rn
        from outcome_measure om join target t on t.school_id = om.school_id
        where om.metric in (select r.p->>'metric' from rules r)) years
      where rn <= 2),
    matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('metric', a.metric, 'academicYear', a.academic_year, 'value', a.value,
        'previousAcademicYear', b.academic_year, 'previousValue', b.value, 'fall', b.value - a.value, 'fallBy', (r.p->>'fallBy')::numeric) as evidence
      from rules r
      join ranked a on a.school_id = r.school_id and a.metric = r.p->>'metric' and a.rn = 1
      join ranked b on b.school_id = a.school_id and b.metric = a.metric and b.rn = 2
      where b.value - a.value > (r.p->>'fallBy')::numeric
        and ${yearEnded('a.academic_year')} > current_date - ${maxAge(TriggerRuleKind.METRIC_FALL)})`,

  [TriggerRuleKind.INSPECTION_GRADE_AT_OR_BELOW]: `${RANKED_INSPECTIONS},
    matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('inspectionId', l.id, 'inspectorate', l.inspectorate, 'inspectedOn', l.inspected_on,
        'grade', l.grade, 'categoryOfConcern', l.category_of_concern, 'gradeAtOrBelow', (r.p->>'grade')::int) as evidence
      from rules r join ranked_inspections l on l.school_id = r.school_id and l.rn = 1
      where (l.grade >= (r.p->>'grade')::int
         or (coalesce((r.p->>'includeCategoriesOfConcern')::boolean, false) and l.category_of_concern is not null))
        and l.inspected_on > current_date - ${maxAge(TriggerRuleKind.INSPECTION_GRADE_AT_OR_BELOW)})`,

  [TriggerRuleKind.INSPECTION_DECLINE]: `${RANKED_INSPECTIONS},
    matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('inspectionId', a.id, 'inspectedOn', a.inspected_on, 'grade', a.grade,
        'previousInspectionId', b.id, 'previousInspectedOn', b.inspected_on, 'previousGrade', b.grade) as evidence
      from rules r
      join ranked_inspections a on a.school_id = r.school_id and a.rn = 1
      join ranked_inspections b on b.school_id = a.school_id and b.rn = 2
      where a.grade > b.grade and a.inspected_on > current_date - ${maxAge(TriggerRuleKind.INSPECTION_DECLINE)})`,

  [TriggerRuleKind.SELF_EVALUATION_OPTIMISTIC]: `${RANKED_INSPECTIONS},
    external as (
      select l.school_id, 'overall_effectiveness'::text as area, l.overall_effectiveness as grade, l.inspected_on
      from ranked_inspections l where l.rn = 1 and l.overall_effectiveness is not null
      union all
      select l.school_id, j.area, j.grade, l.inspected_on
      from ranked_inspections l join inspection_judgement j on j.inspection_id = l.id where l.rn = 1),
    own as (
      select distinct on (se.school_id, se.area) se.school_id, se.area, se.grade, se.evaluated_on
      from self_evaluation se join target t on t.school_id = se.school_id
      order by se.school_id, se.area, se.evaluated_on desc),
    matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('margin', (r.p->>'margin')::int, 'areas', jsonb_agg(jsonb_build_object(
        'area', e.area, 'selfEvaluation', o.grade, 'evaluatedOn', o.evaluated_on, 'external', e.grade, 'inspectedOn', e.inspected_on) order by e.area)) as evidence
      from rules r join external e on e.school_id = r.school_id join own o on o.school_id = e.school_id and o.area = e.area
      where e.grade - o.grade >= (r.p->>'margin')::int
        and e.inspected_on > current_date - ${maxAge(TriggerRuleKind.SELF_EVALUATION_OPTIMISTIC)}
      group by r.rule_id, r.school_id, r.severity, r.p, r.name, r.kind)`,

  [TriggerRuleKind.WORKING_IN_ISOLATION]: `matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('months', (r.p->>'months')::int,
        'lastMembershipEndedOn', (select max(m.left_on) from membership m where m.school_id = r.school_id),
        'lastSupportEndedOn', (select max(sl.ends_on) from support_link sl where sl.receiver_id = r.school_id)) as evidence
      from rules r join school s on s.id = r.school_id
      where (s.opened_on is null or s.opened_on <= current_date - ${months})
        and not exists (select 1 from membership m where m.school_id = r.school_id and m.joined_on <= current_date
          and (m.left_on is null or m.left_on > current_date - ${months}))
        and not exists (select 1 from support_link sl where sl.receiver_id = r.school_id and sl.started_on <= current_date
          and (sl.ends_on is null or sl.ends_on > current_date - ${months})))`,

  // Only a review that was carried out counts: a PLANNED, IN_PROGRESS or CANCELLED one is an intention, not a
  // review, and must not silence the rule; a COMPLETED (or FOLLOWED_UP) one counts from the day it completed.
  [TriggerRuleKind.PEER_REVIEW_OVERDUE]: `matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('months', (r.p->>'months')::int,
        'lastReviewCompletedOn', (select max(pr.completed_on) from peer_review pr where pr.school_id = r.school_id
          and pr.status in ('completed', 'followed_up'))) as evidence
      from rules r
      where not exists (select 1 from peer_review pr where pr.school_id = r.school_id and pr.status in ('completed', 'followed_up')
        and pr.completed_on > current_date - ${months}))`,

  [TriggerRuleKind.SUPPORT_SHORTFALL]: `links as (
      select sl.id, sl.giver_id, sl.receiver_id, sl.area, sl.staff_days_committed, sl.staff_days_delivered,
        ${expectedToDateSql('sl')} as expected
      from support_link sl join target t on t.school_id = sl.receiver_id
      where sl.ends_on is not null and sl.started_on <= current_date),
    matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('shortfallPercent', (r.p->>'shortfallPercent')::numeric, 'links', jsonb_agg(jsonb_build_object(
        'supportLinkId', l.id, 'giverId', l.giver_id, 'area', l.area, 'committed', l.staff_days_committed,
        'expectedToDate', l.expected, 'delivered', l.staff_days_delivered) order by l.id)) as evidence
      from rules r join links l on l.receiver_id = r.school_id
      where l.staff_days_delivered < l.expected * (1 - (r.p->>'shortfallPercent')::numeric / 100)
      group by r.rule_id, r.school_id, r.severity, r.p, r.name, r.kind)`,

  [TriggerRuleKind.GOVERNANCE_VACANCIES]: `${SCHOOL_BODIES},
    counts as (
      select bo.*, (select count(*) from governorship g where g.governing_body_id = bo.body_id
        and ${sittingGovernor('g')})::int as serving
      from school_bodies bo),
    matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('minGovernors', (r.p->>'minGovernors')::int, 'bodies', jsonb_agg(jsonb_build_object(
        'governingBodyId', c.body_id, 'name', c.name, 'kind', c.kind, 'serving', c.serving) order by c.body_id)) as evidence
      from rules r join counts c on c.school_id = r.school_id
      where c.serving < (r.p->>'minGovernors')::int
      group by r.rule_id, r.school_id, r.severity, r.p, r.name, r.kind)`,

  [TriggerRuleKind.GOVERNOR_TERMS_ENDING]: `${SCHOOL_BODIES},
    matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('withinDays', (r.p->>'withinDays')::int, 'governorships', jsonb_agg(jsonb_build_object(
        'governorshipId', g.id, 'personId', g.person_id, 'governingBodyId', g.governing_body_id, 'termEndsOn', g.term_ends_on)
        order by g.term_ends_on, g.id)) as evidence
      from rules r join school_bodies bo on bo.school_id = r.school_id join governorship g on g.governing_body_id = bo.body_id
      where (g.ended_on is null or g.ended_on > current_date) and g.term_ends_on is not null
        and g.term_ends_on <= current_date + (r.p->>'withinDays')::int
      group by r.rule_id, r.school_id, r.severity, r.p, r.name, r.kind)`,
};

/**
 * Kinds owned by another domain folder (reviews, interventions) register their `matches` CTEs here when
 * that folder loads; time-based ones join the sweep.
 */
export function registerRuleKind(kind: TriggerRuleKind, matches: string, options: { timeBased?: boolean } = {}): void {
  MATCHES[kind] = matches;
  if (options.timeBased && !TIME_BASED_KINDS.includes(kind)) TIME_BASED_KINDS.push(kind);
}

/**
 * The rules of one kind in force for each target school: system defaults not overridden by a group the
 * school is in, plus the rules of its current groups. (A disabled override still hides the default.)
 * A group rule of severity PEER_REVIEW or INTERVENTION applies to a school in the version its governing
 * body last agreed (rule-agreement.sql.ts): until it agreed one, the rule does not apply to it and
 * does not hide the system default it overrides.
 */
function rulesFor(scope: EvaluationScope): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const target = scope.schoolIds
    ? (params.push(JSON.stringify(scope.schoolIds)),
      `select s.id as school_id from school s
       where s.id in (select (jsonb_array_elements_text(?::jsonb))::int) and s.status in ${EVALUATED_STATUSES}`)
    : `select id as school_id from school where status in ${EVALUATED_STATUSES}`;
  const filters: string[] = [];
  const filterParams: unknown[] = [];
  if (scope.ruleId !== undefined) {
    filters.push('r.id = ?');
    filterParams.push(scope.ruleId);
  }
  if (scope.metrics) {
    filters.push(`r.parameters->>'metric' in (select jsonb_array_elements_text(?::jsonb))`);
    filterParams.push(JSON.stringify(scope.metrics));
  }
  const extra = filters.map((f) => ` and ${f}`).join('');
  const sql = `target as (${target}),
    rules as (
      select r.id as rule_id, t.school_id, r.severity, r.parameters as p, r.name, r.kind
      from trigger_rule r cross join target t
      where r.kind = ? and r.enabled and r.group_id is null${extra}
        and not exists (select 1 from trigger_rule o join membership m on m.group_id = o.group_id
          where o.overrides_rule_id = r.id and m.school_id = t.school_id and ${currentMembership('m')}
            and ${ruleInEffect('o', 't.school_id')})
      union all
      select r.id, m.school_id, r.severity, r.parameters, r.name, r.kind
      from trigger_rule r join membership m on m.group_id = r.group_id and ${currentMembership('m')}
      join target t on t.school_id = m.school_id
      where r.kind = ? and r.enabled and r.group_id is not null and ${currentVersionInEffect('r', 'm.school_id')}${extra}
      union all
      select r.id, m.school_id, a.severity, a.parameters, r.name, r.kind
      from trigger_rule r join membership m on m.group_id = r.group_id and ${currentMembership('m')}
      join target t on t.school_id = m.school_id
      cross join lateral ${lastAgreedVersion('r', 'm.school_id')} a
      where r.kind = ? and r.enabled and r.group_id is not null and not ${currentVersionInEffect('r', 'm.school_id')}${extra})`;
  return { sql, params: [...params, 'KIND', ...filterParams, 'KIND', ...filterParams, 'KIND', ...filterParams] };
}

/** Evaluates one kind's rules over the scope and inserts the alerts that fire. Returns how many. */
export async function evaluateKind(em: EntityManager, kind: TriggerRuleKind, scope: EvaluationScope): Promise<number> {
  if (scope.schoolIds && scope.schoolIds.length === 0) return 0;
  const rules = rulesFor(scope);
  const sql = `with ${rules.sql},
    ${MATCHES[kind]},
    fired as (
      insert into alert (rule_id, school_id, severity, evidence, group_ids)
      select m.rule_id, m.school_id, m.severity,
        m.evidence || jsonb_build_object('rule', jsonb_build_object('id', m.rule_id, 'kind', m.kind, 'name', m.name, 'severity', m.severity, 'parameters', m.p)),
        coalesce((select array_agg(g.group_id order by g.group_id) from membership g where g.school_id = m.school_id and ${currentMembership('g')}), '{}')
      from matches m
      on conflict (rule_id, school_id) where status <> 'resolved' do nothing
      returning id, school_id, severity, group_ids),
    logged as (
      insert into alert_event (alert_id, kind, school_id, group_ids, severity_rank)
      select id, 'raised', school_id, group_ids, case severity when 'watch' then 1 when 'peer_review' then 2 else 3 end from fired
      returning 1)
    select count(*)::int as raised from logged`;
  const params = rules.params.map((p) => (p === 'KIND' ? kind : p));
  const rows: { raised: number }[] = await em.execute(sql, params);
  return rows[0]?.raised ?? 0;
}

/** Above this many schools, an evaluation is planned as the bulk job it is (see below). */
const BULK_SCOPE = 200;

export async function evaluate(em: EntityManager, kinds: TriggerRuleKind[], scope: EvaluationScope): Promise<number> {
  // The planner cannot see how many schools a data drop holds (they arrive as one JSON parameter; the sweep
  // reads them from the school table, whose statistics it has) nor
  // how many rules hold per school, and on small guesses it joins the CTEs with nested loops, which is
  // quadratic in the drop. For a bulk scope, hash joins only, for these statements only (restored after).
  const bulk = scope.schoolIds !== undefined && scope.schoolIds.length > BULK_SCOPE;
  // Switching nested loops off makes the planner's costs huge (it adds a penalty, not a ban), which
  // would trigger JIT compilation: seconds of compiling for a statement that runs in milliseconds.
  // So JIT goes off with it.
  let previous: { nestloop: string; jit: string } | undefined;
  if (bulk) {
    const rows: { nestloop: string; jit: string }[] = await em.execute(
      `select current_setting('enable_nestloop') as nestloop, current_setting('jit') as jit,
         set_config('enable_nestloop', 'off', true), set_config('jit', 'off', true)`,
    );
    previous = rows[0];
  }
  try {
    let raised = 0;
    for (const kind of kinds) raised += await evaluateKind(em, kind, scope);
    return raised;
  } finally {
    if (previous)
      await em.execute(`select set_config('enable_nestloop', ?, true), set_config('jit', ?, true)`, [previous.nestloop, previous.jit]);
  }
}

/** The schools a governing body governs today: its school, or its group's current members. */
async function schoolsGovernedBy(em: EntityManager, governingBodyId: number): Promise<number[]> {
  const rows: { school_id: number }[] = await em.execute(
    `select b.school_id from governing_body b where b.id = ? and b.school_id is not null
     union
     select m.school_id from governing_body b join membership m on m.group_id = b.group_id and ${currentMembership('m')}
     where b.id = ? and b.kind in ('federation', 'trust_board')`,
    [governingBodyId, governingBodyId],
  );
  return rows.map((row) => row.school_id);
}

/** Which rule kinds each domain event can make hold, and for which schools. */
export async function onEvent(em: EntityManager, event: DomainEvent): Promise<number> {
  switch (event.type) {
    case 'measures.recorded':
      return evaluate(em, [TriggerRuleKind.METRIC_BELOW, TriggerRuleKind.METRIC_FALL], {
        schoolIds: event.schoolIds,
        metrics: event.metrics,
      });
    case 'inspections.recorded':
      return evaluate(
        em,
        [TriggerRuleKind.INSPECTION_GRADE_AT_OR_BELOW, TriggerRuleKind.INSPECTION_DECLINE, TriggerRuleKind.SELF_EVALUATION_OPTIMISTIC],
        { schoolIds: event.schoolIds },
      );
    case 'self_evaluations.recorded':
      return evaluate(em, [TriggerRuleKind.SELF_EVALUATION_OPTIMISTIC], { schoolIds: event.schoolIds });
    case 'membership.ended':
      return evaluate(em, [TriggerRuleKind.WORKING_IN_ISOLATION, TriggerRuleKind.GOVERNANCE_VACANCIES], { schoolIds: [event.schoolId] });
    case 'governorship.ended': {
      const schoolIds = await schoolsGovernedBy(em, event.governingBodyId);
      return evaluate(em, [TriggerRuleKind.GOVERNANCE_VACANCIES], { schoolIds });
    }
    case 'support.delivered':
      return evaluate(em, [TriggerRuleKind.SUPPORT_SHORTFALL], { schoolIds: [event.receiverId] });
    case 'school.closed':
      await resolveAlertsOfSchoolsNotEvaluated(em, [event.schoolId], `The school closed on ${event.closedOn} (${event.source}).`);
      return 0;
    default:
      return 0;
  }
}

onDomainEvent(async (em, event) => {
  await onEvent(em, event);
});
