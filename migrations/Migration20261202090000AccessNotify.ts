import { Migration } from '@mikro-orm/migrations';

/**
 * The database announces every change to who may do what, at commit, to every instance: an `access`
 * NOTIFY on the alert channel (the one each instance already LISTENs on). So a key revoked or a role
 * revoked by the `trellis` command, a person deleted, or seats, posts and memberships changed by an
 * import or by hand reach running instances, which then re-read scopes and close sockets whose
 * credentials no longer hold (src/auth/sessions.ts). Statement-level, and PostgreSQL folds identical
 * notifications in one transaction into one: a bulk import sends one.
 */
const TABLES: [table: string, events: string][] = [
  ['api_key', 'update of revoked_at or delete'],
  ['role_grant', 'insert or update or delete'],
  ['person', 'delete'],
  ['governorship', 'insert or update or delete'],
  ['post', 'insert or update or delete'],
  ['membership', 'insert or update or delete'],
  ['governing_body', 'insert or update or delete'],
  ['school', 'update of la_code'],
];

export class Migration20261202090000AccessNotify extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function trellis_announce_access() returns trigger language plpgsql as $$
      begin
        perform pg_notify('trellis_alert_events', 'access');
        return null;
      end $$`);
    for (const [table, events] of TABLES)
      this.addSql(`create trigger "${table}_announce_access" after ${events} on "${table}" for each statement execute function trellis_announce_access()`);
  }

  override async down(): Promise<void> {
    for (const [table] of TABLES) this.addSql(`drop trigger if exists "${table}_announce_access" on "${table}"`);
    this.addSql(`drop function if exists trellis_announce_access()`);
  }
}
