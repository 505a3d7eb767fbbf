import type { EntityManager } from '@mikro-orm/postgresql';
import { mayChangeTriggerRule, refuseUnless } from '../auth/reach-rules';
import type { Viewer } from '../auth/viewer';
import { loadByGlobalId } from '../core/mutation';
import { fail, UserErrorCode, userError, UserInputFailure, UserError } from '../core/user-errors';
import { Group } from '../groups/group.entity';
import { TriggerRuleChangeAction, TriggerRuleKind } from './alert.enums';
import { evaluate, EVIDENCE_AGE_DEFAULTS } from './evaluation';
import { RuleParameters, TriggerRule, TriggerRuleChange } from './trigger-rule.entity';
import type { TriggerRuleCreateInput, TriggerRuleParameters, TriggerRuleUpdateInput } from './trigger-rule.inputs';

type Check = (value: unknown) => string | undefined;
const number =
  (min: number, max: number, integer = false): Check =>
  (value) =>
    typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max
      ? `must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}.`
      : undefined;
const text: Check = (value) => (typeof value !== 'string' || value.length === 0 ? 'must be given.' : undefined);
const flag: Check = (value) => (typeof value !== 'boolean' ? 'must be true or false.' : undefined);

/** The values each kind needs, and their bounds. Values a kind does not use are refused, so nothing is silently ignored. */
const age = number(1, 50, true);
const NEEDS: Record<TriggerRuleKind, Partial<Record<keyof RuleParameters, Check>>> = {
  [TriggerRuleKind.METRIC_BELOW]: { metric: text, threshold: number(-1000, 1000), maxEvidenceAgeYears: age },
  [TriggerRuleKind.METRIC_FALL]: { metric: text, fallBy: number(0, 1000), maxEvidenceAgeYears: age },
  [TriggerRuleKind.INSPECTION_GRADE_AT_OR_BELOW]: { grade: number(1, 4, true), includeCategoriesOfConcern: flag, maxEvidenceAgeYears: age },
  [TriggerRuleKind.INSPECTION_DECLINE]: { maxEvidenceAgeYears: age },
  [TriggerRuleKind.SELF_EVALUATION_OPTIMISTIC]: { margin: number(1, 3, true), maxEvidenceAgeYears: age },
  [TriggerRuleKind.WORKING_IN_ISOLATION]: { months: number(1, 120, true) },
  [TriggerRuleKind.PEER_REVIEW_OVERDUE]: { months: number(1, 120, true) },
  [TriggerRuleKind.SUPPORT_SHORTFALL]: { shortfallPercent: number(0, 100) },
  [TriggerRuleKind.GOVERNANCE_VACANCIES]: { minGovernors: number(1, 50, true) },
  [TriggerRuleKind.GOVERNOR_TERMS_ENDING]: { withinDays: number(0, 365, true) },
  [TriggerRuleKind.PEER_REVIEW_FINDING_WORSE]: { margin: number(1, 3, true) },
  [TriggerRuleKind.PEER_REVIEW_ACTION_OVERDUE]: {},
  [TriggerRuleKind.INTERVENTION_MILESTONE_MISSED]: {},
};
const OPTIONAL = new Set<keyof RuleParameters>(['includeCategoriesOfConcern', 'maxEvidenceAgeYears']);

/** Checks a kind's values; every problem names its field. Metrics must be known to the evidence tables. */
export async function checkParameters(
  em: EntityManager,
  kind: TriggerRuleKind,
  given: TriggerRuleParameters,
  path: string[],
): Promise<RuleParameters> {
  const needs = NEEDS[kind];
  const errors: UserError[] = [];
  const clean: RuleParameters = {};
  for (const [key, value] of Object.entries(given ?? {}) as [keyof RuleParameters, unknown][]) {
    if (value === undefined || value === null) continue;
    if (!needs[key]) errors.push(userError([...path, key], `is not used by ${kind.toUpperCase()} rules.`));
  }
  for (const [key, check] of Object.entries(needs) as [keyof RuleParameters, Check][]) {
    const value = (given as Record<string, unknown> | undefined)?.[key];
    if (value === undefined || value === null) {
      if (key === 'maxEvidenceAgeYears') clean.maxEvidenceAgeYears = EVIDENCE_AGE_DEFAULTS[kind];
      else if (!OPTIONAL.has(key)) errors.push(userError([...path, key], `must be given for ${kind.toUpperCase()} rules.`));
      continue;
    }
    const problem = check(value);
    if (problem) errors.push(userError([...path, key], problem));
    else (clean as Record<string, unknown>)[key] = value;
  }
  if (clean.metric) {
    const known: unknown[] = await em.execute(`select 1 from outcome_metric where metric = ?`, [clean.metric]);
    if (!known.length)
      errors.push(userError([...path, 'metric'], `is not a known outcome metric: ${clean.metric}.`, UserErrorCode.NOT_FOUND));
  }
  if (errors.length) throw new UserInputFailure(errors);
  return clean;
}

/** Values compared whatever order their keys came in (jsonb reorders them). */
const canonical = (values: object): string =>
  JSON.stringify(Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b)));

function snapshot(rule: TriggerRule): object {
  return {
    name: rule.name,
    description: rule.description ?? null,
    severity: rule.severity,
    parameters: rule.parameters,
    enabled: rule.enabled,
    groupId: rule.groupId ?? null,
    overridesRuleId: rule.overridesRuleId ?? null,
  };
}

async function record(em: EntityManager, rule: TriggerRule, action: TriggerRuleChangeAction, actor: string, before: object | null) {
  em.create(TriggerRuleChange, { ruleId: rule.id, action, actor, changedAt: new Date(), before, after: snapshot(rule), version: rule.version });
  await em.flush();
}

/** Evaluates a rule that was just defined, changed or switched on, over every school it applies to, in the same transaction. */
async function evaluateRule(em: EntityManager, rule: TriggerRule): Promise<void> {
  if (rule.enabled) await evaluate(em, [rule.kind], { ruleId: rule.id });
}

/** System rules are administrators'; a group's rules its board's and executive leaders' (auth/reach-rules.ts). */
async function authorizeRule(viewer: Viewer, groupId: number | null | undefined, field: string[]): Promise<void> {
  await refuseUnless(viewer, field, (scope) => mayChangeTriggerRule(scope, groupId), { appsMay: groupId != null });
}

export async function createRule(em: EntityManager, input: TriggerRuleCreateInput, viewer: Viewer): Promise<TriggerRule> {
  const actor = viewer.label;
  const groupId = input.groupId ? (await loadByGlobalId(em, Group, input.groupId, ['input', 'groupId'], 'see')).id : null;
  await authorizeRule(viewer, groupId, ['input', 'groupId']);
  let overridesRuleId: number | null = null;
  if (input.overridesRuleId) {
    const base = await loadByGlobalId(em, TriggerRule, input.overridesRuleId, ['input', 'overridesRuleId']);
    if (base.groupId != null) fail(['input', 'overridesRuleId'], 'only a system default can be overridden by a group.');
    if (base.kind !== input.kind)
      fail(['input', 'overridesRuleId'], `is a ${base.kind.toUpperCase()} rule; an override must be of the same kind.`);
    if (groupId == null) fail(['input', 'groupId'], 'must be given to override a system default.');
    overridesRuleId = base.id;
    const existing = await em.findOne(TriggerRule, { overridesRuleId, groupId });
    if (existing)
      fail(
        ['input', 'overridesRuleId'],
        'the group already has its own values for this rule; change that rule instead.',
        UserErrorCode.CONFLICT,
      );
  }
  const parameters = await checkParameters(em, input.kind, input.parameters, ['input', 'parameters']);
  const rule = em.create(TriggerRule, {
    kind: input.kind,
    name: input.name,
    description: input.description ?? null,
    severity: input.severity,
    parameters,
    enabled: input.enabled ?? true,
    groupId,
    overridesRuleId,
    createdBy: actor,
    updatedBy: actor,
  });
  await em.flush();
  await record(em, rule, TriggerRuleChangeAction.CREATED, actor, null);
  await evaluateRule(em, rule);
  return rule;
}

export async function updateRule(em: EntityManager, input: TriggerRuleUpdateInput, viewer: Viewer): Promise<TriggerRule> {
  const actor = viewer.label;
  const rule = await loadByGlobalId(em, TriggerRule, input.ruleId, ['input', 'ruleId'], 'see');
  await authorizeRule(viewer, rule.groupId, ['input', 'ruleId']);
  const before = snapshot(rule);
  if (input.parameters) rule.parameters = await checkParameters(em, rule.kind, input.parameters, ['input', 'parameters']);
  if (input.name != null) rule.name = input.name;
  if (input.description !== undefined) rule.description = input.description;
  if (input.severity != null) rule.severity = input.severity;
  // A new severity or new values are a new version: member schools agree it afresh (rule-agreement.sql.ts).
  const after = snapshot(rule) as { severity: string; parameters: object };
  const was = before as { severity: string; parameters: object };
  if (after.severity !== was.severity || canonical(after.parameters) !== canonical(was.parameters)) rule.version += 1;
  rule.updatedAt = new Date();
  rule.updatedBy = actor;
  await em.flush();
  await record(em, rule, TriggerRuleChangeAction.UPDATED, actor, before);
  await evaluateRule(em, rule);
  return rule;
}

export async function setRuleEnabled(em: EntityManager, ruleId: string, enabled: boolean, viewer: Viewer): Promise<TriggerRule> {
  const actor = viewer.label;
  const rule = await loadByGlobalId(em, TriggerRule, ruleId, ['input', 'ruleId'], 'see');
  await authorizeRule(viewer, rule.groupId, ['input', 'ruleId']);
  if (rule.enabled === enabled)
    fail(['input', 'ruleId'], `the rule is already ${enabled ? 'enabled' : 'disabled'}.`, UserErrorCode.CONFLICT);
  const before = snapshot(rule);
  rule.enabled = enabled;
  rule.updatedAt = new Date();
  rule.updatedBy = actor;
  await em.flush();
  await record(em, rule, enabled ? TriggerRuleChangeAction.ENABLED : TriggerRuleChangeAction.DISABLED, actor, before);
  await evaluateRule(em, rule);
  return rule;
}
