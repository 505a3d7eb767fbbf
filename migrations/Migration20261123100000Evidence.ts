import { Migration } from '@mikro-orm/migrations';

const OFSTED_2019 = `'quality_of_education', 'behaviour_and_attitudes', 'personal_development', 'leadership_and_management', 'early_years', 'sixth_form'`;
const OFSTED_2015 = `'outcomes_for_pupils', 'teaching_learning_and_assessment', 'personal_development_behaviour_and_welfare'`;
const ESTYN_2017 = `'standards', 'wellbeing_and_attitudes_to_learning', 'teaching_and_learning_experiences', 'care_support_and_guidance'`;
const JUDGED_AREAS = `${OFSTED_2019}, ${OFSTED_2015}, ${ESTYN_2017}`;

/**
 * Evidence: inspections with their judgements, outcome measures against a lookup of metrics, and
 * self-evaluations. Every constraint is named, so a refusal can be reported against the field it concerns.
 * The trigger rules (src/alerts) read these tables with SQL: names here are a contract.
 */
export class Migration20261123100000Evidence extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "outcome_metric" (
        "metric" text primary key,
        "description" text not null,
        "unit" text not null constraint "outcome_metric_unit_known" check ("unit" in ('percent', 'score', 'rate')),
        "min_value" numeric not null,
        "max_value" numeric not null,
        "higher_is_better" boolean not null,
        constraint "outcome_metric_range_order" check ("min_value" < "max_value"))`,
    );
    this.addSql(
      `insert into "outcome_metric" ("metric", "description", "unit", "min_value", "max_value", "higher_is_better") values
        ('ks2_rwm_expected_pct', 'KS2: % of pupils meeting the expected standard in reading, writing and maths.', 'percent', 0, 100, true),
        ('ks2_rwm_higher_pct', 'KS2: % of pupils achieving a higher standard in reading, writing and maths.', 'percent', 0, 100, true),
        ('ks2_reading_expected_pct', 'KS2: % of pupils meeting the expected standard in reading.', 'percent', 0, 100, true),
        ('ks2_writing_expected_pct', 'KS2: % of pupils meeting the expected standard in writing (teacher assessment).', 'percent', 0, 100, true),
        ('ks2_maths_expected_pct', 'KS2: % of pupils meeting the expected standard in maths.', 'percent', 0, 100, true),
        ('ks2_gps_expected_pct', 'KS2: % of pupils meeting the expected standard in grammar, punctuation and spelling.', 'percent', 0, 100, true),
        ('ks2_reading_progress', 'KS2 reading progress score (0 is the national average; typically -10 to +10).', 'score', -50, 50, true),
        ('ks2_writing_progress', 'KS2 writing progress score (0 is the national average; typically -10 to +10).', 'score', -50, 50, true),
        ('ks2_maths_progress', 'KS2 maths progress score (0 is the national average; typically -10 to +10).', 'score', -50, 50, true),
        ('ks2_reading_average_score', 'KS2: average scaled score in reading (80 to 120; 100 is the expected standard).', 'score', 80, 120, true),
        ('ks2_maths_average_score', 'KS2: average scaled score in maths (80 to 120; 100 is the expected standard).', 'score', 80, 120, true),
        ('ks2_disadvantaged_rwm_expected_pct', 'KS2: % of disadvantaged pupils meeting the expected standard in reading, writing and maths.', 'percent', 0, 100, true),
        ('ks4_attainment8', 'KS4: average Attainment 8 score per pupil (0 to 90).', 'score', 0, 90, true),
        ('ks4_progress8', 'KS4: Progress 8 score (0 is the national average; typically -2 to +2).', 'score', -10, 10, true),
        ('ks4_english_maths_strong_pass_pct', 'KS4: % of pupils achieving grade 5 or above in English and maths.', 'percent', 0, 100, true),
        ('ks4_ebacc_entry_pct', 'KS4: % of pupils entered for the English Baccalaureate.', 'percent', 0, 100, true),
        ('attendance_pct', 'Attendance: % of possible sessions attended.', 'percent', 0, 100, true),
        ('persistent_absence_pct', 'Persistent absence: % of pupils missing 10% or more of possible sessions.', 'percent', 0, 100, false),
        ('suspension_rate', 'Suspensions (fixed-period exclusions) per 100 pupils on roll.', 'rate', 0, 1000, false),
        ('permanent_exclusion_rate', 'Permanent exclusions per 100 pupils on roll.', 'rate', 0, 100, false)`,
    );

    this.addSql(
      `create table "inspection" (
        "id" serial primary key,
        "school_id" int not null,
        "inspectorate" text not null constraint "inspection_inspectorate_known" check ("inspectorate" in ('ofsted', 'estyn')),
        "inspected_on" date not null,
        "published_on" date null,
        "overall_effectiveness" smallint null constraint "inspection_overall_effectiveness_range" check ("overall_effectiveness" between 1 and 4),
        "category_of_concern" text null constraint "inspection_category_of_concern_known"
          check ("category_of_concern" in ('special_measures', 'serious_weaknesses', 'significant_improvement', 'estyn_review')),
        "source" text not null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "inspection_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade on delete cascade,
        constraint "inspection_school_inspectorate_date_unique" unique ("school_id", "inspectorate", "inspected_on"),
        constraint "inspection_published_after_inspected" check ("published_on" is null or "published_on" >= "inspected_on"),
        constraint "inspection_estyn_has_no_overall_grade" check ("inspectorate" <> 'estyn' or "overall_effectiveness" is null),
        constraint "inspection_category_of_inspectorate" check (
          "category_of_concern" is null
          or ("inspectorate" = 'ofsted' and "category_of_concern" in ('special_measures', 'serious_weaknesses') and "overall_effectiveness" = 4)
          or ("inspectorate" = 'estyn' and "category_of_concern" in ('special_measures', 'significant_improvement', 'estyn_review'))))`,
    );
    // The latest inspection of each school (distinct on school, newest first) reads this index alone.
    this.addSql(`create index "inspection_school_latest_index" on "inspection" ("school_id", "inspected_on" desc, "id" desc)`);

    this.addSql(
      `create table "inspection_judgement" (
        "id" serial primary key,
        "inspection_id" int not null,
        "area" text not null constraint "inspection_judgement_area_known" check ("area" in (${JUDGED_AREAS})),
        "grade" smallint not null constraint "inspection_judgement_grade_range" check ("grade" between 1 and 4),
        "evaluation" text null constraint "inspection_judgement_evaluation_matches_grade"
          check ("evaluation" is null or ("evaluation", "grade") in (('excellent', 1), ('good', 2), ('adequate', 3), ('unsatisfactory', 4))),
        constraint "inspection_judgement_inspection_id_foreign" foreign key ("inspection_id") references "inspection" ("id") on update cascade on delete cascade,
        constraint "inspection_judgement_area_unique" unique ("inspection_id", "area"))`,
    );

    this.addSql(
      `create table "outcome_measure" (
        "id" bigserial primary key,
        "school_id" int not null,
        "metric" text not null,
        "academic_year" text not null constraint "outcome_measure_academic_year_format" check (
          case when "academic_year" ~ '^[0-9]{4}/[0-9]{2}$'
               then (substr("academic_year", 1, 4)::int + 1) % 100 = substr("academic_year", 6, 2)::int
               else false end),
        "value" numeric not null,
        "source" text not null,
        "recorded_at" timestamptz not null default now(),
        constraint "outcome_measure_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade on delete cascade,
        constraint "outcome_measure_metric_foreign" foreign key ("metric") references "outcome_metric" ("metric") on update cascade,
        constraint "outcome_measure_school_metric_year_unique" unique ("school_id", "metric", "academic_year"))`,
    );
    // Set-based rules ("every school below X in this year's drop") scan by metric and year.
    this.addSql(`create index "outcome_measure_metric_year_index" on "outcome_measure" ("metric", "academic_year")`);

    this.addSql(
      `create table "self_evaluation" (
        "id" serial primary key,
        "school_id" int not null,
        "area" text not null constraint "self_evaluation_area_known" check ("area" in ('overall_effectiveness', ${JUDGED_AREAS})),
        "grade" smallint not null constraint "self_evaluation_grade_range" check ("grade" between 1 and 4),
        "evaluated_on" date not null,
        "summary" text null,
        "created_at" timestamptz not null default now(),
        constraint "self_evaluation_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade on delete cascade,
        constraint "self_evaluation_school_area_date_unique" unique ("school_id", "area", "evaluated_on"))`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "self_evaluation"`);
    this.addSql(`drop table if exists "outcome_measure"`);
    this.addSql(`drop table if exists "inspection_judgement"`);
    this.addSql(`drop table if exists "inspection"`);
    this.addSql(`drop table if exists "outcome_metric"`);
  }
}
