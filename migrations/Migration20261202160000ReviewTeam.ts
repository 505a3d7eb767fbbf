import { Migration } from '@mikro-orm/migrations';

/** The workflow event kinds this migration adds to the alert log. */
const NEW_EVENT_KINDS = ['peer_review_reviewers_changed'];

/**
 * A review's team may change after scheduling (peerReviewReviewerAdd, peerReviewReviewerRemove):
 *  - the alert log accepts the event that announces it. The kind check is widened from whatever it
 *    allows now (read from the catalogue) rather than rewritten from a fixed list, so a migration of
 *    another branch that adds kinds of its own keeps them, in whichever order the two run;
 *  - each action keeps a copy of its review's reviewers for the row rules (review.policy.ts): it was
 *    copied on insert only, so it is now refreshed whenever the review's reviewers change.
 */
export class Migration20261202160000ReviewTeam extends Migration {
  override async up(): Promise<void> {
    this.addSql(widenEventKinds(NEW_EVENT_KINDS, []));
    this.addSql(`create function "trellis_peer_review_action_access_refresh"() returns trigger language plpgsql as $$
      begin
        update "peer_review_action" set "review_access" = jsonb_set("review_access", '{reviewerIds}', new."reviewer_ids")
          where "peer_review_id" = new."id";
        return null;
      end $$`);
    this.addSql(`create trigger "peer_review_action_access_refresh" after update of "reviewer_ids" on "peer_review"
      for each row when (old."reviewer_ids" is distinct from new."reviewer_ids") execute function "trellis_peer_review_action_access_refresh"()`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "peer_review_action_access_refresh" on "peer_review"`);
    this.addSql(`drop function if exists "trellis_peer_review_action_access_refresh"()`);
    this.addSql(`delete from "alert_event" where "kind" in (${NEW_EVENT_KINDS.map((k) => `'${k}'`).join(', ')})`);
    this.addSql(widenEventKinds([], NEW_EVENT_KINDS));
  }
}

/** Rewrites alert_event's kind check as the kinds it allows now, plus `add`, minus `remove`. */
export function widenEventKinds(add: string[], remove: string[]): string {
  const list = (values: string[]) => `array[${values.map((v) => `'${v}'`).join(', ')}]::text[]`;
  return `do $$
    declare kinds text[];
    begin
      select array(select distinct k from (
          select m[1] as k from pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') m
          where c.conname = 'alert_event_kind_check' and c.conrelid = 'alert_event'::regclass
          union select unnest(${add.length ? list(add) : `'{}'::text[]`})) all_kinds
        where k <> all(${remove.length ? list(remove) : `'{}'::text[]`}) order by k) into kinds;
      alter table "alert_event" drop constraint "alert_event_kind_check";
      execute format('alter table "alert_event" add constraint "alert_event_kind_check" check ("kind" in (%s))',
        (select string_agg(quote_literal(k), ', ') from unnest(kinds) k));
    end $$`;
}
