import { Migration } from '@mikro-orm/migrations';

const list = (values: string[]) => `(${values.map((v) => `'${v}'`).join(', ')})`;

/** Every trigger rule kind after this migration: the ten of the alerts migration and the three of reviews and interventions. */
const RULE_KINDS = [
  'metric_below',
  'metric_fall',
  'inspection_grade_at_or_below',
  'inspection_decline',
  'self_evaluation_optimistic',
  'working_in_isolation',
  'peer_review_overdue',
  'support_shortfall',
  'governance_vacancies',
  'governor_terms_ending',
  'peer_review_finding_worse',
  'peer_review_action_overdue',
  'intervention_milestone_missed',
];
const PREVIOUS_RULE_KINDS = RULE_KINDS.slice(0, 10);

/** alert_event kinds: the alert's own three, and the workflow events that travel the same commit-ordered log. */
const EVENT_KINDS = [
  'raised',
  'acknowledged',
  'resolved',
  'peer_review_scheduled',
  'peer_review_status_changed',
  'peer_review_action_assigned',
  'intervention_case_opened',
  'intervention_case_closed',
];

const AREAS = [
  'overall_effectiveness',
  'quality_of_education',
  'behaviour_and_attitudes',
  'personal_development',
  'leadership_and_management',
  'early_years',
  'sixth_form',
  'outcomes_for_pupils',
  'teaching_learning_and_assessment',
  'personal_development_behaviour_and_welfare',
  'standards',
  'wellbeing_and_attitudes_to_learning',
  'teaching_and_learning_experiences',
  'care_support_and_guidance',
];

/** System defaults of the new kinds: [key, kind, name, severity, parameters]. A group sets its own severity by overriding them. */
const DEFAULT_RULES: [string, string, string, string, object][] = [
  [
    'peer_review_finding_worse',
    'peer_review_finding_worse',
    "Peer review graded an area worse than the school's own self-evaluation",
    'watch',
    { margin: 1 },
  ],
  ['peer_review_action_overdue', 'peer_review_action_overdue', 'Agreed peer review action past its due date', 'watch', {}],
  ['intervention_milestone_missed', 'intervention_milestone_missed', 'Intervention milestone missed', 'intervention', {}],
];

/**
 * Peer reviews (the peer_review table the PEER_REVIEW_OVERDUE rule already reads, extended: who
 * scheduled it, the alert that raised it, reviewers, findings, agreed actions, followed up) and
 * intervention cases (lead, support, milestones, termly reviews, outcome). Workflow events travel
 * the alert log (alert_event with no alert), so they share its commit-ordered cursor and delivery.
 */
export class Migration20261202110000ReviewsAndInterventions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "trigger_rule" drop constraint if exists "trigger_rule_kind_check"`);
    this.addSql(`alter table "trigger_rule" add constraint "trigger_rule_kind_check" check ("kind" in ${list(RULE_KINDS)})`);

    this.addSql(`alter table "peer_review" drop constraint if exists "peer_review_status_check"`);
    this.addSql(`alter table "peer_review" add constraint "peer_review_status_check"
      check ("status" in ('planned', 'in_progress', 'completed', 'followed_up', 'cancelled'))`);
    this.addSql(`alter table "peer_review"
      add column "group_id" int null references "school_group" ("id") on update cascade on delete set null,
      add column "alert_id" int null references "alert" ("id") on update cascade on delete set null,
      add column "focus" text null,
      add column "summary" text null,
      add column "followed_up_on" date null,
      add column "cancelled_on" date null,
      add column "cancel_reason" text null,
      add column "created_by" varchar(255) not null default 'system',
      add constraint "peer_review_completed_after_start" check ("completed_on" is null or "completed_on" >= "started_on"),
      add constraint "peer_review_followed_up_after_completion" check ("followed_up_on" is null or "followed_up_on" >= "completed_on"),
      add constraint "peer_review_alert_has_reason" check ("alert_id" is null or "reason" = 'alert')`);
    // One live review per alert: scheduling twice from the same alert is refused.
    this.addSql(
      `create unique index "peer_review_one_per_alert" on "peer_review" ("alert_id") where "alert_id" is not null and "status" <> 'cancelled'`,
    );
    this.addSql(`create index "peer_review_group_id_index" on "peer_review" ("group_id")`);

    this.addSql(`create table "peer_review_reviewer" (
      "id" serial primary key,
      "peer_review_id" int not null references "peer_review" ("id") on update cascade on delete cascade,
      "person_id" int not null references "person" ("id") on update cascade on delete cascade,
      "role" text not null constraint "peer_review_reviewer_role_known" check ("role" in ('lead_reviewer', 'reviewer', 'external_adviser')),
      "school_id" int null references "school" ("id") on update cascade on delete set null,
      "organisation" text null,
      "added_at" timestamptz not null default now(),
      constraint "peer_review_reviewer_once" unique ("peer_review_id", "person_id"),
      constraint "peer_review_reviewer_adviser_has_no_school" check ("role" <> 'external_adviser' or "school_id" is null))`);
    this.addSql(
      `create unique index "peer_review_one_lead_reviewer" on "peer_review_reviewer" ("peer_review_id") where "role" = 'lead_reviewer'`,
    );
    this.addSql(
      `create unique index "peer_review_one_external_adviser" on "peer_review_reviewer" ("peer_review_id") where "role" = 'external_adviser'`,
    );
    this.addSql(`create index "peer_review_reviewer_person_id_index" on "peer_review_reviewer" ("person_id")`);

    this.addSql(`create table "peer_review_finding" (
      "id" serial primary key,
      "peer_review_id" int not null references "peer_review" ("id") on update cascade on delete cascade,
      "area" text not null constraint "peer_review_finding_area_known" check ("area" in ${list(AREAS)}),
      "grade" smallint not null constraint "peer_review_finding_grade_range" check ("grade" between 1 and 4),
      "evidence" text not null,
      "self_evaluation_grade" smallint null,
      "self_evaluated_on" date null,
      "recorded_by" varchar(255) not null,
      "recorded_at" timestamptz not null default now(),
      constraint "peer_review_finding_area_once" unique ("peer_review_id", "area"))`);

    this.addSql(`create table "peer_review_action" (
      "id" serial primary key,
      "peer_review_id" int not null references "peer_review" ("id") on update cascade on delete cascade,
      "description" text not null,
      "owner_id" int not null references "person" ("id") on update cascade on delete cascade,
      "due_on" date not null,
      "status" text not null default 'open' constraint "peer_review_action_status_known"
        check ("status" in ('open', 'in_progress', 'done', 'cancelled')),
      "done_on" date null,
      "note" text null,
      "created_by" varchar(255) not null,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      constraint "peer_review_action_done_has_date" check (("status" = 'done') = ("done_on" is not null)))`);
    this.addSql(`create index "peer_review_action_review_index" on "peer_review_action" ("peer_review_id", "due_on")`);
    this.addSql(`create index "peer_review_action_owner_index" on "peer_review_action" ("owner_id")`);

    this.addSql(`create table "intervention_case" (
      "id" serial primary key,
      "school_id" int not null references "school" ("id") on update cascade on delete cascade,
      "reason" text not null constraint "intervention_case_reason_known" check ("reason" in ('alert', 'leaders')),
      "alert_id" int null references "alert" ("id") on update cascade on delete set null,
      "lead_id" int not null references "person" ("id") on update cascade,
      "supporting_school_id" int null references "school" ("id") on update cascade on delete set null,
      "supporting_group_id" int null references "school_group" ("id") on update cascade on delete set null,
      "concern" text not null,
      "status" text not null default 'open' constraint "intervention_case_status_known" check ("status" in ('open', 'closed')),
      "opened_on" date not null,
      "closed_on" date null,
      "outcome" text null constraint "intervention_case_outcome_known"
        check ("outcome" in ('improved', 'partly_improved', 'not_improved', 'escalated')),
      "outcome_notes" text null,
      "created_by" varchar(255) not null,
      "created_at" timestamptz not null default now(),
      constraint "intervention_case_closed_has_outcome" check (("status" = 'closed') = ("closed_on" is not null and "outcome" is not null)),
      constraint "intervention_case_closed_after_opened" check ("closed_on" is null or "closed_on" >= "opened_on"),
      constraint "intervention_case_not_self_support" check ("supporting_school_id" is null or "supporting_school_id" <> "school_id"))`);
    this.addSql(`create unique index "intervention_case_one_open_per_school" on "intervention_case" ("school_id") where "status" = 'open'`);
    this.addSql(`create index "intervention_case_supporting_group_index" on "intervention_case" ("supporting_group_id")`);

    this.addSql(`create table "intervention_milestone" (
      "id" serial primary key,
      "case_id" int not null references "intervention_case" ("id") on update cascade on delete cascade,
      "description" text not null,
      "due_on" date not null,
      "met_on" date null,
      "note" text null,
      "created_at" timestamptz not null default now())`);
    this.addSql(`create index "intervention_milestone_case_index" on "intervention_milestone" ("case_id", "due_on")`);

    this.addSql(`create table "intervention_review" (
      "id" serial primary key,
      "case_id" int not null references "intervention_case" ("id") on update cascade on delete cascade,
      "academic_year" text not null constraint "intervention_review_academic_year_format" check ("academic_year" ~ '^[0-9]{4}/[0-9]{2}$'),
      "term" text not null constraint "intervention_review_term_known" check ("term" in ('autumn', 'spring', 'summer')),
      "rating" text not null constraint "intervention_review_rating_known" check ("rating" in ('red', 'amber', 'green')),
      "notes" text not null,
      "reviewed_on" date not null,
      "recorded_by" varchar(255) not null,
      "recorded_at" timestamptz not null default now(),
      constraint "intervention_review_once_a_term" unique ("case_id", "academic_year", "term"))`);

    // What the row rules (src/reviews/review.policy.ts, src/interventions/intervention.policy.ts) need to
    // decide who sees a row, kept on the row itself, because reads load plain rows (core/rows.ts): a review's
    // reviewers, and on each action or milestone its review's or case's school, group and people. The
    // database keeps them (triggers), and none of them changes after the review or case is created.
    this.addSql(`alter table "peer_review" add column "reviewer_ids" jsonb not null default '[]'`);
    this.addSql(`create function "trellis_peer_review_reviewer_ids"() returns trigger language plpgsql as $$
      declare review int := coalesce(new."peer_review_id", old."peer_review_id");
      begin
        update "peer_review" set "reviewer_ids" = (select coalesce(jsonb_agg(r."person_id" order by r."person_id"), '[]')
          from "peer_review_reviewer" r where r."peer_review_id" = review) where "id" = review;
        return null;
      end $$`);
    this.addSql(`create trigger "peer_review_reviewer_ids" after insert or delete on "peer_review_reviewer"
      for each row execute function "trellis_peer_review_reviewer_ids"()`);
    this.addSql(`alter table "peer_review_action" add column "review_access" jsonb not null default '{}'`);
    this.addSql(`create function "trellis_peer_review_action_access"() returns trigger language plpgsql as $$
      begin
        select jsonb_build_object('schoolId', pr."school_id", 'groupId', pr."group_id", 'reviewerIds', pr."reviewer_ids")
          into new."review_access" from "peer_review" pr where pr."id" = new."peer_review_id";
        return new;
      end $$`);
    this.addSql(`create trigger "peer_review_action_access" before insert on "peer_review_action"
      for each row execute function "trellis_peer_review_action_access"()`);
    this.addSql(`alter table "intervention_milestone" add column "case_access" jsonb not null default '{}'`);
    this.addSql(`create function "trellis_intervention_milestone_access"() returns trigger language plpgsql as $$
      begin
        select jsonb_build_object('schoolId', c."school_id", 'supportingSchoolId', c."supporting_school_id",
          'supportingGroupId', c."supporting_group_id", 'leadId', c."lead_id")
          into new."case_access" from "intervention_case" c where c."id" = new."case_id";
        return new;
      end $$`);
    this.addSql(`create trigger "intervention_milestone_access" before insert on "intervention_milestone"
      for each row execute function "trellis_intervention_milestone_access"()`);

    // Workflow events share the alert log: same sequencer, same NOTIFY, same `since` cursor.
    this.addSql(`alter table "alert_event" alter column "alert_id" drop not null`);
    this.addSql(`alter table "alert_event" drop constraint if exists "alert_event_kind_check"`);
    this.addSql(`alter table "alert_event" add constraint "alert_event_kind_check" check ("kind" in ${list(EVENT_KINDS)})`);
    this.addSql(`alter table "alert_event"
      add column "subject_id" varchar(64) null,
      add column "person_ids" int[] not null default '{}',
      add column "summary" text null,
      add constraint "alert_event_alert_kinds_have_alert" check ("kind" not in ('raised', 'acknowledged', 'resolved') or "alert_id" is not null)`);

    for (const [key, kind, name, severity, parameters] of DEFAULT_RULES) {
      this.addSql(
        `insert into "trigger_rule" ("system_key", "kind", "name", "severity", "parameters", "enabled", "created_by", "updated_by")
         values ('${key}', '${kind}', '${name.replace(/'/g, "''")}', '${severity}', '${JSON.stringify(parameters)}', true, 'system', 'system')`,
      );
    }
    this.addSql(`insert into "trigger_rule_change" ("rule_id", "action", "actor", "after")
      select "id", 'created', 'system', jsonb_build_object('name', "name", 'severity', "severity", 'parameters', "parameters", 'enabled', "enabled")
      from "trigger_rule" where "system_key" in ${list(DEFAULT_RULES.map((r) => r[0]))}`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "alert_event" where "alert_id" is null`);
    this.addSql(`alter table "alert_event" drop constraint "alert_event_alert_kinds_have_alert",
      drop column "subject_id", drop column "person_ids", drop column "summary"`);
    this.addSql(`alter table "alert_event" drop constraint "alert_event_kind_check"`);
    this.addSql(
      `alter table "alert_event" add constraint "alert_event_kind_check" check ("kind" in ('raised', 'acknowledged', 'resolved'))`,
    );
    this.addSql(`alter table "alert_event" alter column "alert_id" set not null`);
    this.addSql(`drop function if exists "trellis_intervention_milestone_access"() cascade`);
    this.addSql(`drop function if exists "trellis_peer_review_action_access"() cascade`);
    this.addSql(`drop function if exists "trellis_peer_review_reviewer_ids"() cascade`);
    this.addSql(`drop table if exists "intervention_review"`);
    this.addSql(`drop table if exists "intervention_milestone"`);
    this.addSql(`drop table if exists "intervention_case"`);
    this.addSql(`drop table if exists "peer_review_action"`);
    this.addSql(`drop table if exists "peer_review_finding"`);
    this.addSql(`drop table if exists "peer_review_reviewer"`);
    this.addSql(`delete from "trigger_rule" where "kind" in ${list(RULE_KINDS.slice(10))}`);
    this.addSql(`alter table "trigger_rule" drop constraint "trigger_rule_kind_check"`);
    this.addSql(`alter table "trigger_rule" add constraint "trigger_rule_kind_check" check ("kind" in ${list(PREVIOUS_RULE_KINDS)})`);
    this.addSql(`update "peer_review" set "status" = 'completed' where "status" = 'followed_up'`);
    this.addSql(`alter table "peer_review" drop constraint "peer_review_status_check"`);
    this.addSql(`alter table "peer_review" add constraint "peer_review_status_check"
      check ("status" in ('planned', 'in_progress', 'completed', 'cancelled'))`);
    this.addSql(`alter table "peer_review" drop column "group_id", drop column "alert_id", drop column "focus", drop column "summary",
      drop column "followed_up_on", drop column "cancelled_on", drop column "cancel_reason", drop column "created_by", drop column "reviewer_ids",
      drop constraint if exists "peer_review_completed_after_start"`);
  }
}
