import { Migration } from '@mikro-orm/migrations';

/**
 * Prior attainment as an outcome metric: the KS2 cohort's average KS1 point score (TKS1AVERAGE in
 * the KS2 performance tables), which the KS2 importer now reads and similarity compares. KS1 points
 * run from 3 (working towards) to 21 (level 3 and above) per pupil; the range leaves room for either side.
 */
export class Migration20261202170000PriorAttainment extends Migration {
  override async up(): Promise<void> {
    this.addSql(`insert into "outcome_metric" ("metric", "description", "unit", "min_value", "max_value", "higher_is_better") values
      ('ks2_prior_attainment_ks1_aps', 'KS2 cohort''s prior attainment: the average KS1 point score of its pupils (TKS1AVERAGE; typically 13 to 19).', 'score', 0, 30, true)`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "outcome_measure" where "metric" = 'ks2_prior_attainment_ks1_aps'`);
    this.addSql(`delete from "outcome_metric" where "metric" = 'ks2_prior_attainment_ks1_aps'`);
  }
}
