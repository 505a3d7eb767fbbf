import { Migration } from '@mikro-orm/migrations';

/**
 * Who may see and do what: role grants (admin, local authority officer), partner apps' API keys
 * (only a SHA-256 of each key is kept), and the audit log every mutation writes in its own transaction.
 */
export class Migration20261123120000Auth extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "role_grant" (
      "id" serial primary key,
      "person_id" int not null references "person" ("id") on update cascade on delete cascade,
      "role" text not null check ("role" in ('admin', 'la_officer')),
      "la_code" int null,
      "granted_at" timestamptz not null default now(),
      "revoked_at" timestamptz null,
      constraint "role_grant_la_code_for_officers" check (("role" = 'la_officer') = ("la_code" is not null)))`);
    this.addSql(`create index "role_grant_person_id_index" on "role_grant" ("person_id") where "revoked_at" is null`);
    this.addSql(
      `create unique index "role_grant_one_active" on "role_grant" ("person_id", "role", coalesce("la_code", 0)) where "revoked_at" is null`,
    );

    this.addSql(`create table "api_key" (
      "id" serial primary key,
      "name" varchar(255) not null,
      "prefix" varchar(32) not null,
      "key_hash" char(64) not null,
      "scopes" text[] not null,
      "created_at" timestamptz not null default now(),
      "revoked_at" timestamptz null,
      "last_used_at" timestamptz null,
      constraint "api_key_key_hash_unique" unique ("key_hash"))`);

    this.addSql(`create table "audit_event" (
      "id" bigserial primary key,
      "at" timestamptz not null default now(),
      "actor_kind" text not null check ("actor_kind" in ('anonymous', 'person', 'app', 'system')),
      "person_id" int null,
      "api_key_id" int null,
      "actor" varchar(255) not null,
      "operation" varchar(255) not null,
      "node_ids" text[] not null default '{}')`);
    this.addSql(`create index "audit_event_at_index" on "audit_event" ("at" desc, "id" desc)`);
    this.addSql(`create index "audit_event_person_id_index" on "audit_event" ("person_id")`);
    this.addSql(`create index "audit_event_node_ids_index" on "audit_event" using gin ("node_ids")`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "audit_event"`);
    this.addSql(`drop table if exists "api_key"`);
    this.addSql(`drop table if exists "role_grant"`);
  }
}
