import { Migration } from '@mikro-orm/migrations';

/**
 * A key's scopes changed by hand are announced too (the `access` NOTIFY, see ...090000AccessNotify):
 * a socket holds the scopes it connected with, so its session is ended and the app connects again
 * with the new ones (src/auth/sessions.ts).
 */
export class Migration20261202090100ApiKeyScopesNotify extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop trigger if exists "api_key_announce_access" on "api_key"`);
    this.addSql(
      `create trigger "api_key_announce_access" after update of revoked_at, scopes or delete on "api_key" for each statement execute function trellis_announce_access()`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "api_key_announce_access" on "api_key"`);
    this.addSql(
      `create trigger "api_key_announce_access" after update of revoked_at or delete on "api_key" for each statement execute function trellis_announce_access()`,
    );
  }
}
