import { Migration } from '@mikro-orm/migrations';

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
];
const SEVERITIES = `('watch', 'peer_review', 'intervention')`;
const list = (values: string[]) => `(${values.map((v) => `'${v}'`).join(', ')})`;

/** System default trigger rules: [key, kind, name, severity, parameters, enabled]. Groups override them with their own values. */
const DEFAULT_RULES: [string, string, string, string, object, boolean][] = [
  [
    'ks2_rwm_below_floor',
    'metric_below',
    'KS2 reading, writing and maths below 65% expected',
    'peer_review',
    { metric: 'ks2_rwm_expected_pct', threshold: 65 },
    true,
  ],
  [
    'ks2_reading_progress_below',
    'metric_below',
    'KS2 reading progress below -5',
    'watch',
    { metric: 'ks2_reading_progress', threshold: -5 },
    true,
  ],
  [
    'ks2_writing_progress_below',
    'metric_below',
    'KS2 writing progress below -7',
    'watch',
    { metric: 'ks2_writing_progress', threshold: -7 },
    true,
  ],
  [
    'ks2_maths_progress_below',
    'metric_below',
    'KS2 maths progress below -5',
    'watch',
    { metric: 'ks2_maths_progress', threshold: -5 },
    true,
  ],
  ['attendance_below', 'metric_below', 'Attendance below 90%', 'watch', { metric: 'attendance_pct', threshold: 90 }, true],
  [
    'ks2_rwm_fall',
    'metric_fall',
    'KS2 reading, writing and maths fell by more than 10 points',
    'watch',
    { metric: 'ks2_rwm_expected_pct', fallBy: 10 },
    true,
  ],
  [
    'inspection_inadequate',
    'inspection_grade_at_or_below',
    'Inspected inadequate, or in a category of concern',
    'intervention',
    { grade: 4, includeCategoriesOfConcern: true },
    true,
  ],
  [
    'inspection_requires_improvement',
    'inspection_grade_at_or_below',
    'Inspected requires improvement or worse',
    'peer_review',
    { grade: 3, includeCategoriesOfConcern: false },
    true,
  ],
  ['inspection_declined', 'inspection_decline', 'Inspection grade worse than the last one', 'peer_review', {}, true],
  [
    'self_evaluation_optimistic',
    'self_evaluation_optimistic',
    'Self-evaluation better than the external judgement by 2 grades or more',
    'watch',
    { margin: 2 },
    true,
  ],
  ['working_in_isolation', 'working_in_isolation', 'No partnership or external support for 12 months', 'watch', { months: 12 }, true],
  // Off by default: a partnership that agrees a review cycle enables its own copy with its own interval.
  ['peer_review_overdue', 'peer_review_overdue', 'No peer review for 24 months', 'peer_review', { months: 24 }, false],
  [
    'support_shortfall',
    'support_shortfall',
    'Support delivered more than 25% short of the days committed to date',
    'watch',
    { shortfallPercent: 25 },
    true,
  ],
  [
    'governance_vacancies',
    'governance_vacancies',
    'Governing body with fewer than 7 serving governors',
    'watch',
    { minGovernors: 7 },
    true,
  ],
  ['governor_terms_ending', 'governor_terms_ending', 'Governor terms ended or ending within 30 days', 'watch', { withinDays: 30 }, true],
];

/**
 * Trigger rules, alerts and the alert event log with its commit-ordered position (see
 * src/alerts/README.md for why positions are stamped after commit by a sequencer).
 */
export class Migration20261123110000Alerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "trigger_rule" (
      "id" serial primary key,
      "kind" text not null check ("kind" in ${list(RULE_KINDS)}),
      "name" varchar(255) not null,
      "description" text null,
      "severity" text not null check ("severity" in ${SEVERITIES}),
      "parameters" jsonb not null default '{}',
      "enabled" boolean not null default true,
      "group_id" int null references "school_group" ("id") on update cascade on delete cascade,
      "overrides_rule_id" int null references "trigger_rule" ("id") on update cascade on delete cascade,
      "system_key" varchar(255) null unique,
      "created_at" timestamptz not null default now(),
      "created_by" varchar(255) not null,
      "updated_at" timestamptz not null default now(),
      "updated_by" varchar(255) not null,
      constraint "trigger_rule_override_has_group" check ("overrides_rule_id" is null or "group_id" is not null))`);
    this.addSql(`create index "trigger_rule_group_id_index" on "trigger_rule" ("group_id")`);
    this.addSql(`create index "trigger_rule_kind_index" on "trigger_rule" ("kind")`);
    this.addSql(
      `create unique index "trigger_rule_one_override_per_group" on "trigger_rule" ("overrides_rule_id", "group_id") where "overrides_rule_id" is not null`,
    );
    this.addSql(`create table "trigger_rule_change" (
      "id" serial primary key,
      "rule_id" int not null references "trigger_rule" ("id") on update cascade on delete cascade,
      "action" text not null check ("action" in ('created', 'updated', 'enabled', 'disabled')),
      "actor" varchar(255) not null,
      "changed_at" timestamptz not null default now(),
      "before" jsonb null,
      "after" jsonb not null)`);
    this.addSql(`create index "trigger_rule_change_rule_id_index" on "trigger_rule_change" ("rule_id", "id")`);

    // Peer reviews: the minimum the overdue rule needs; the reviews feature adds findings and actions.
    this.addSql(`create table "peer_review" (
      "id" serial primary key,
      "school_id" int not null references "school" ("id") on update cascade on delete cascade,
      "reason" text not null default 'scheduled' check ("reason" in ('scheduled', 'alert')),
      "status" text not null default 'planned' check ("status" in ('planned', 'in_progress', 'completed', 'cancelled')),
      "started_on" date not null,
      "completed_on" date null,
      "created_at" timestamptz not null default now())`);
    this.addSql(`create index "peer_review_school_id_index" on "peer_review" ("school_id", "started_on")`);

    this.addSql(`create table "alert" (
      "id" serial primary key,
      "rule_id" int not null references "trigger_rule" ("id") on update cascade on delete cascade,
      "school_id" int not null references "school" ("id") on update cascade on delete cascade,
      "severity" text not null check ("severity" in ${SEVERITIES}),
      "evidence" jsonb not null,
      "group_ids" int[] not null default '{}',
      "status" text not null default 'open' check ("status" in ('open', 'acknowledged', 'resolved')),
      "raised_at" timestamptz not null default now(),
      "acknowledged_at" timestamptz null,
      "acknowledged_by" varchar(255) null,
      "resolved_at" timestamptz null,
      "resolved_by" varchar(255) null,
      "note" text null)`);
    // One open alert per rule and school: a condition that still holds does not fire again until resolved.
    this.addSql(
      `create unique index "alert_one_open_per_rule_and_school" on "alert" ("rule_id", "school_id") where "status" <> 'resolved'`,
    );
    this.addSql(`create index "alert_school_id_index" on "alert" ("school_id")`);

    // The event log subscribers read. `position` is null until the sequencer stamps it after commit.
    this.addSql(`create table "alert_event" (
      "id" bigserial primary key,
      "alert_id" int not null references "alert" ("id") on update cascade on delete cascade,
      "kind" text not null check ("kind" in ('raised', 'acknowledged', 'resolved')),
      "school_id" int not null,
      "group_ids" int[] not null default '{}',
      "severity_rank" smallint not null,
      "actor" varchar(255) null,
      "occurred_at" timestamptz not null default now(),
      "position" bigint null)`);
    this.addSql(`create unique index "alert_event_position_unique" on "alert_event" ("position")`);
    this.addSql(`create index "alert_event_unsequenced_index" on "alert_event" ("id") where "position" is null`);
    this.addSql(`create index "alert_event_raised_index" on "alert_event" ("alert_id") where "kind" = 'raised'`);
    this.addSql(`create index "alert_event_school_index" on "alert_event" ("school_id", "position")`);

    // Every insert wakes the instances (delivered only if the writing transaction commits).
    this.addSql(`create function "trellis_alert_event_written"() returns trigger language plpgsql as $$
      begin perform pg_notify('trellis_alert_events', 'written'); return null; end $$`);
    this.addSql(`create trigger "alert_event_written" after insert on "alert_event"
      for each statement execute function "trellis_alert_event_written"()`);

    // The sequencer. Runs in its own short transaction; the advisory lock makes stampers take turns, and
    // a stamper's transaction commits (becomes visible) before the next one takes the lock, so positions
    // become visible in increasing order. VOLATILE: each statement sees what committed before it ran.
    this.addSql(`create function "trellis_sequence_alert_events"() returns bigint language plpgsql volatile as $$
      declare
        last_position bigint;
        stamped bigint;
      begin
        perform pg_advisory_xact_lock(7353001);
        select coalesce(max("position"), 0) into last_position from "alert_event";
        with pending as (
          select "id", last_position + row_number() over (order by "id") as "pos"
          from "alert_event" where "position" is null
        )
        update "alert_event" e set "position" = p."pos" from pending p where e."id" = p."id";
        get diagnostics stamped = row_count;
        if stamped > 0 then
          perform pg_notify('trellis_alert_events', 'sequenced');
          return last_position + stamped;
        end if;
        return null;
      end $$`);

    for (const [key, kind, name, severity, parameters, enabled] of DEFAULT_RULES) {
      this.addSql(
        `insert into "trigger_rule" ("system_key", "kind", "name", "severity", "parameters", "enabled", "created_by", "updated_by")
         values ('${key}', '${kind}', '${name.replace(/'/g, "''")}', '${severity}', '${JSON.stringify(parameters)}', ${enabled}, 'system', 'system')`,
      );
    }
    this.addSql(`insert into "trigger_rule_change" ("rule_id", "action", "actor", "after")
      select "id", 'created', 'system', jsonb_build_object('name', "name", 'severity', "severity", 'parameters', "parameters", 'enabled', "enabled") from "trigger_rule"`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "alert_event"`);
    this.addSql(`drop function if exists "trellis_sequence_alert_events"()`);
    this.addSql(`drop function if exists "trellis_alert_event_written"()`);
    this.addSql(`drop table if exists "alert"`);
    this.addSql(`drop table if exists "peer_review"`);
    this.addSql(`drop table if exists "trigger_rule_change"`);
    this.addSql(`drop table if exists "trigger_rule"`);
  }
}
