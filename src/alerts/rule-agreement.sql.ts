/*
 * Agreed triggers in SQL, shared by rule evaluation (evaluation.ts) and the rule's agreements
 * (rule-agreement.service.ts), so "which version of a group's rule applies to a school" is written once.
 *
 * A group's rule of severity WATCH applies to its member schools as it stands. One of severity
 * PEER_REVIEW or INTERVENTION applies to a school only in a version that school's governing body agreed
 * (trigger_rule_agreement, which keeps the agreed severity and values): the current version once agreed,
 * otherwise the last version it agreed, otherwise not at all (and then the system default it overrides
 * still applies). A version is bumped whenever the rule's severity or values change.
 */

/** Severities that need the school's agreement before a group's rule applies to it. */
export const AGREED_SEVERITIES = ['peer_review', 'intervention'];
const NEEDS_AGREEMENT = `(${AGREED_SEVERITIES.map((s) => `'${s}'`).join(', ')})`;

/** Whether rule `r` (a group rule) has a version in effect for the school (an SQL expression). */
export const ruleInEffect = (r: string, school: string): string =>
  `(${r}.severity not in ${NEEDS_AGREEMENT} or exists (select 1 from trigger_rule_agreement ra where ra.rule_id = ${r}.id and ra.school_id = ${school}))`;

/** Whether the current version of group rule `r` applies to the school: WATCH, or agreed (an SQL expression). */
export const currentVersionInEffect = (r: string, school: string): string =>
  `(${r}.severity not in ${NEEDS_AGREEMENT}
    or exists (select 1 from trigger_rule_agreement ra where ra.rule_id = ${r}.id and ra.school_id = ${school} and ra.version = ${r}.version))`;

/**
 * The last earlier version of `r` the school agreed, as a lateral subquery of at most one row (severity,
 * parameters, version): what applies while a changed rule waits to be agreed. Evaluation joins it only
 * where the current version is not in effect, so the common case (WATCH, or agreed) stays a plain join.
 */
export const lastAgreedVersion = (r: string, school: string): string => `(
  select ra.severity, ra.parameters, ra.version from trigger_rule_agreement ra
  where ra.rule_id = ${r}.id and ra.school_id = ${school} and ra.version < ${r}.version
  order by ra.version desc limit 1)`;

/**
 * The version of group rule `r` in effect for the school, as a lateral subquery of at most one row
 * (severity, parameters, version, current): none when no version applies.
 */
export const versionInEffect = (r: string, school: string): string => `(
  select e.severity, e.parameters, e.version, e.current from (
    select ${r}.severity, ${r}.parameters, ${r}.version, true as current
    where ${r}.severity not in ${NEEDS_AGREEMENT}
       or exists (select 1 from trigger_rule_agreement ra where ra.rule_id = ${r}.id and ra.school_id = ${school} and ra.version = ${r}.version)
    union all
    select ra.severity, ra.parameters, ra.version, false
    from trigger_rule_agreement ra where ra.rule_id = ${r}.id and ra.school_id = ${school} and ra.version < ${r}.version) e
  order by e.version desc limit 1)`;
