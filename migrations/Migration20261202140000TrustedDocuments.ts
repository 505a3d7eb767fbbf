import { Migration } from '@mikro-orm/migrations';

/**
 * Trusted documents (persisted operations): the operations partner apps registered with
 * `trellis documents register`, by the SHA-256 of their text. With TRELLIS_TRUSTED_DOCUMENTS=required
 * the server runs only these.
 */
export class Migration20261202140000TrustedDocuments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "trusted_document" (
      "hash" char(64) primary key check ("hash" ~ '^[0-9a-f]{64}$'),
      "body" text not null,
      "operation_name" text not null,
      "operation_type" text not null check ("operation_type" in ('query', 'mutation', 'subscription')),
      "clients" text[] not null,
      "registered_at" timestamptz not null default now())`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "trusted_document"`);
  }
}
