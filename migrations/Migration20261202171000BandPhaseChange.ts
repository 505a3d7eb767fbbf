import { Migration } from '@mikro-orm/migrations';

/**
 * A school whose phase changes (a GIAS import, say) is judged by another phase's thresholds, but no
 * evidence event announces it: the trigger that keeps performance_band's copy of the site, phase and
 * status now also marks the bands stale when a phase changes, so the scheduler recomputes them all
 * within a minute (analytics/bands.service.ts refreshStaleBands), as when the day turns.
 */
export class Migration20261202171000BandPhaseChange extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function "performance_band_follow_school"() returns trigger language plpgsql as $$
      begin
        update performance_band set phase = new.phase, open = new.status in ('open', 'proposed_to_close'),
          latitude = new.latitude, longitude = new.longitude, location = ll_to_earth(new.latitude, new.longitude)
        where school_id = new.id;
        if old.phase is distinct from new.phase then
          update performance_band_settings set computed_for = null where computed_for is not null;
        end if;
        return null;
      end $$`);
  }

  override async down(): Promise<void> {
    this.addSql(`create or replace function "performance_band_follow_school"() returns trigger language plpgsql as $$
      begin
        update performance_band set phase = new.phase, open = new.status in ('open', 'proposed_to_close'),
          latitude = new.latitude, longitude = new.longitude, location = ll_to_earth(new.latitude, new.longitude)
        where school_id = new.id;
        return null;
      end $$`);
  }
}
