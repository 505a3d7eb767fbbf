import { RULE_COLUMNS, registerRuleKind } from '../alerts/evaluation';
import { TriggerRuleKind } from '../alerts/alert.enums';

/*
 * The trigger rule kinds that read peer reviews, evaluated by alerts/evaluation.ts like every other kind
 * (one set-based statement, `rules` and `target` in scope, one open alert per rule and school).
 * The service evaluates them in the transaction of the change (a finding recorded, an action agreed or
 * changed); the overdue kind is also time-based, so the sweep finds actions that simply ran past their date.
 */

/** Findings of the school's latest review under way or done, graded worse than its own self-evaluation by `margin` or more. */
registerRuleKind(
  TriggerRuleKind.PEER_REVIEW_FINDING_WORSE,
  `latest_review as (
      select distinct on (pr.school_id) pr.id, pr.school_id, pr.started_on
      from peer_review pr join target t on t.school_id = pr.school_id
      where pr.status in ('in_progress', 'completed', 'followed_up')
      order by pr.school_id, pr.started_on desc, pr.id desc),
    matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('margin', (r.p->>'margin')::int, 'peerReviewId', lr.id, 'areas', jsonb_agg(jsonb_build_object(
        'area', f.area, 'grade', f.grade, 'selfEvaluation', f.self_evaluation_grade, 'selfEvaluatedOn', f.self_evaluated_on) order by f.area)) as evidence
      from rules r join latest_review lr on lr.school_id = r.school_id
      join peer_review_finding f on f.peer_review_id = lr.id
      where f.self_evaluation_grade is not null and f.grade - f.self_evaluation_grade >= (r.p->>'margin')::int
      group by r.rule_id, r.school_id, r.severity, r.p, r.name, r.kind, lr.id)`,
);

/** Actions agreed at any live review of the school that are past due and neither done nor cancelled. */
registerRuleKind(
  TriggerRuleKind.PEER_REVIEW_ACTION_OVERDUE,
  `matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('actions', jsonb_agg(jsonb_build_object(
        'peerReviewActionId', a.id, 'peerReviewId', pr.id, 'description', a.description, 'ownerId', a.owner_id,
        'dueOn', a.due_on, 'status', a.status) order by a.due_on, a.id)) as evidence
      from rules r join peer_review pr on pr.school_id = r.school_id and pr.status <> 'cancelled'
      join peer_review_action a on a.peer_review_id = pr.id and a.status in ('open', 'in_progress') and a.due_on < current_date
      group by r.rule_id, r.school_id, r.severity, r.p, r.name, r.kind)`,
  { timeBased: true },
);
