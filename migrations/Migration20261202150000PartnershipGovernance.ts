import { Migration } from '@mikro-orm/migrations';

/** Workflow events of partnership governance, added to those the alert log already allows. */
const NEW_EVENT_KINDS = [
  'membership_leave_requested',
  'membership_leave_decided',
  'membership_leave_withdrawn',
  'membership_ended_by_consent',
  'trigger_rule_agreed',
];

/**
 * Partnership governance (issue 11 item 3):
 *  - leaving a federation or trust by mutual consent: the request, and each party's decision;
 *  - agreed triggers: a version number on each rule (bumped when its severity or values change) and
 *    each school's agreement to a version, with the values agreed, so the last agreed version can
 *    still be applied while a changed one waits to be agreed;
 *  - the date a success criterion was set, where the trajectory from baseline to target starts.
 */
export class Migration20261202150000PartnershipGovernance extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "membership_leave_request" (
      "id" serial primary key,
      "membership_id" int not null references "membership" ("id") on update cascade on delete cascade,
      "school_id" int not null references "school" ("id") on update cascade on delete cascade,
      "group_id" int not null references "school_group" ("id") on update cascade on delete cascade,
      "school_body_id" int not null references "governing_body" ("id") on update cascade,
      "group_body_id" int not null references "governing_body" ("id") on update cascade,
      "reason" text not null,
      "effective_on" date not null,
      "requested_on" date not null default current_date,
      "requested_at" timestamptz not null default now(),
      "requested_by" text not null,
      "status" text not null default 'pending'
        constraint "membership_leave_request_status_known" check ("status" in ('pending', 'agreed', 'refused', 'withdrawn', 'effective')),
      "closed_at" timestamptz null,
      "closed_by" text null,
      "withdrawal_reason" text null,
      constraint "membership_leave_request_effective_after_request" check ("effective_on" >= "requested_on"),
      constraint "membership_leave_request_two_parties" check ("school_body_id" <> "group_body_id"))`);
    // One live request per membership: a second waits until the first is refused, withdrawn or done.
    this.addSql(`create unique index "membership_leave_request_one_live" on "membership_leave_request" ("membership_id")
      where "status" in ('pending', 'agreed')`);
    this.addSql(`create index "membership_leave_request_school_index" on "membership_leave_request" ("school_id")`);
    this.addSql(`create index "membership_leave_request_group_index" on "membership_leave_request" ("group_id")`);
    this.addSql(`create index "membership_leave_request_due_index" on "membership_leave_request" ("effective_on") where "status" = 'agreed'`);

    this.addSql(`create table "membership_leave_decision" (
      "id" serial primary key,
      "request_id" int not null references "membership_leave_request" ("id") on update cascade on delete cascade,
      "governing_body_id" int not null references "governing_body" ("id") on update cascade,
      "decision" text not null constraint "membership_leave_decision_known" check ("decision" in ('consent', 'refuse')),
      "reason" text null,
      "decided_at" timestamptz not null default now(),
      "decided_by" text not null,
      constraint "membership_leave_decision_refusal_has_reason" check ("decision" <> 'refuse' or "reason" is not null),
      constraint "membership_leave_decision_one_per_body" unique ("request_id", "governing_body_id"))`);

    this.addSql(`alter table "trigger_rule" add column "version" int not null default 1`);
    this.addSql(`alter table "trigger_rule_change" add column "version" int null`);
    this.addSql(`create table "trigger_rule_agreement" (
      "id" serial primary key,
      "rule_id" int not null references "trigger_rule" ("id") on update cascade on delete cascade,
      "school_id" int not null references "school" ("id") on update cascade on delete cascade,
      "governing_body_id" int not null references "governing_body" ("id") on update cascade,
      "version" int not null,
      "severity" text not null,
      "parameters" jsonb not null,
      "agreed_at" timestamptz not null default now(),
      "agreed_by" text not null,
      constraint "trigger_rule_agreement_once_per_version" unique ("rule_id", "school_id", "version"))`);
    this.addSql(`create index "trigger_rule_agreement_school_index" on "trigger_rule_agreement" ("school_id", "rule_id", "version" desc)`);

    this.addSql(`alter table "strategic_objective" add column "criterion_set_on" date null`);
    this.addSql(`update "strategic_objective" set "criterion_set_on" = current_date where "target" is not null`);

    // Add the new kinds to whatever the log allows now (other migrations may have added theirs).
    this.addSql(`do $$
      declare kinds text[];
      begin
        select array(select distinct m[1] from pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') m
          where c.conname = 'alert_event_kind_check' and c.conrelid = 'alert_event'::regclass) into kinds;
        kinds := array(select distinct k from unnest(kinds || array[${NEW_EVENT_KINDS.map((k) => `'${k}'`).join(', ')}]) k order by k);
        execute 'alter table alert_event drop constraint alert_event_kind_check';
        execute 'alter table alert_event add constraint alert_event_kind_check check (kind in ('
          || (select string_agg(quote_literal(k), ', ') from unnest(kinds) k) || '))';
      end $$`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "alert_event" where "kind" in (${NEW_EVENT_KINDS.map((k) => `'${k}'`).join(', ')})`);
    this.addSql(`alter table "strategic_objective" drop column "criterion_set_on"`);
    this.addSql(`drop table if exists "trigger_rule_agreement"`);
    this.addSql(`alter table "trigger_rule_change" drop column "version"`);
    this.addSql(`alter table "trigger_rule" drop column "version"`);
    this.addSql(`drop table if exists "membership_leave_decision"`);
    this.addSql(`drop table if exists "membership_leave_request"`);
  }
}
