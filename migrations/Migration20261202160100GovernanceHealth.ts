import { Migration } from '@mikro-orm/migrations';
import { widenEventKinds } from './Migration20261202160000ReviewTeam';

const NEW_EVENT_KINDS = ['governing_body_size_set'];

/**
 * Governance health (issue 11 item 4) measures seats filled against a body's set size: the number of
 * seats its instrument of government (or a trust's articles) provides. Unknown until someone sets it
 * (`governingBodySetSize`), which is announced on the alert log like the workflow events.
 */
export class Migration20261202160100GovernanceHealth extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "governing_body" add column "set_size" smallint null
      constraint "governing_body_set_size_range" check ("set_size" between 1 and 40)`);
    this.addSql(widenEventKinds(NEW_EVENT_KINDS, []));
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "alert_event" where "kind" in (${NEW_EVENT_KINDS.map((k) => `'${k}'`).join(', ')})`);
    this.addSql(widenEventKinds([], NEW_EVENT_KINDS));
    this.addSql(`alter table "governing_body" drop column "set_size"`);
  }
}
