import { Migration } from '@mikro-orm/migrations';

/**
 * Evidence age windows on the rules that read evidence: an alert must stand on evidence recent
 * enough to be true today. Inspection rules read only the latest inspection, and not when it is older
 * than 6 years; measure rules read the latest academic year, and not when it ended more than 3 years
 * ago. The window is a rule parameter (`maxEvidenceAgeYears`), so it shows with the rule's other values
 * and a group can set its own; every existing rule gets the default, and the change is logged.
 */
export class Migration20261202100000EvidenceAge extends Migration {
  override async up(): Promise<void> {
    for (const [kinds, years] of [
      [`('metric_below', 'metric_fall')`, 3],
      [`('inspection_grade_at_or_below', 'inspection_decline', 'self_evaluation_optimistic')`, 6],
    ] as const) {
      this.addSql(`with changed as (
          update "trigger_rule" r set "parameters" = r."parameters" || jsonb_build_object('maxEvidenceAgeYears', ${years}), "updated_at" = now()
          from "trigger_rule" old
          where old."id" = r."id" and r."kind" in ${kinds} and not (r."parameters" ? 'maxEvidenceAgeYears')
          returning r.*, old."parameters" as "old_parameters")
        insert into "trigger_rule_change" ("rule_id", "action", "actor", "before", "after")
        select "id", 'updated', 'system',
          jsonb_build_object('name', "name", 'severity', "severity", 'parameters', "old_parameters", 'enabled', "enabled"),
          jsonb_build_object('name', "name", 'severity', "severity", 'parameters', "parameters", 'enabled', "enabled")
        from changed`);
    }
  }

  override async down(): Promise<void> {
    this.addSql(`update "trigger_rule" set "parameters" = "parameters" - 'maxEvidenceAgeYears'`);
  }
}
