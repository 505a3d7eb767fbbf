import { TriggerRuleKind } from '../alerts/alert.enums';
import { RULE_COLUMNS, registerRuleKind } from '../alerts/evaluation';

/**
 * Milestones of the school's open intervention case that are past due and not met. Evaluated when a
 * case or milestone changes and, as time passes, by the sweep (alerts/sweep.ts), like every kind.
 */
registerRuleKind(
  TriggerRuleKind.INTERVENTION_MILESTONE_MISSED,
  `matches as (
      select ${RULE_COLUMNS}, jsonb_build_object('interventionCaseId', c.id, 'milestones', jsonb_agg(jsonb_build_object(
        'interventionMilestoneId', ms.id, 'description', ms.description, 'dueOn', ms.due_on) order by ms.due_on, ms.id)) as evidence
      from rules r join intervention_case c on c.school_id = r.school_id and c.status = 'open'
      join intervention_milestone ms on ms.case_id = c.id and ms.met_on is null and ms.due_on < current_date
      group by r.rule_id, r.school_id, r.severity, r.p, r.name, r.kind, c.id)`,
  { timeBased: true },
);
