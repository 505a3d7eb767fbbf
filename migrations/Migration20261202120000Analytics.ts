import { Migration } from '@mikro-orm/migrations';

const PHASES = `'nursery', 'primary', 'middle', 'secondary', 'all_through', 'special', 'alternative_provision', 'sixteen_plus'`;

/**
 * Analytics (src/analytics): performance bands kept per school with their reasons, the thresholds and
 * evidence windows they are computed with, a distance index for partner search, and success
 * criteria as data on strategic objectives.
 */
export class Migration20261202120000Analytics extends Migration {
  override async up(): Promise<void> {
    // Distance search: cube + earthdistance ship with PostgreSQL (contrib), the embedded server included.
    this.addSql(`create extension if not exists cube`);
    this.addSql(`create extension if not exists earthdistance`);
    // A GiST index over the sites as points on the sphere: earth_box(...) @> ll_to_earth(...) reads it,
    // so a radius search touches the schools near the centre, not every school.
    this.addSql(`create index "school_location_earth_index" on "school" using gist (ll_to_earth("latitude", "longitude"))`);
    // Great-circle distance on the mean Earth radius (IUGG, 6371.0088 km). Not STRICT, so the planner inlines it. The
    // index only narrows the search (a box a little larger than the radius); this decides.
    this
      .addSql(`create function "trellis_distance_km"(lat1 double precision, lon1 double precision, lat2 double precision, lon2 double precision)
      returns double precision language sql immutable parallel safe as $$
        select 2 * 6371.0088 * asin(least(1, sqrt(
          power(sin(radians(lat2 - lat1) / 2), 2) + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2))))
      $$`);

    this.addSql(`create table "performance_band_settings" (
      "id" boolean primary key default true constraint "performance_band_settings_one_row" check ("id"),
      "inspection_max_age_years" int not null default 6
        constraint "performance_band_settings_inspection_max_age_range" check ("inspection_max_age_years" between 1 and 20),
      "measure_max_age_years" int not null default 3
        constraint "performance_band_settings_measure_max_age_range" check ("measure_max_age_years" between 1 and 20),
      "as_of" date null,
      "computed_for" date null,
      "updated_at" timestamptz not null default now(),
      "updated_by" text null)`);
    this.addSql(`insert into "performance_band_settings" default values`);

    this.addSql(`create table "performance_band_threshold" (
      "id" serial primary key,
      "phase" text not null constraint "performance_band_threshold_phase_known" check ("phase" in (${PHASES})),
      "criterion" text not null constraint "performance_band_threshold_criterion_known" check ("criterion" in ('high_attainment', 'high_progress', 'floor')),
      "metric" text not null constraint "performance_band_threshold_metric_foreign" references "outcome_metric" ("metric") on update cascade,
      "threshold" numeric not null,
      constraint "performance_band_threshold_unique" unique ("phase", "criterion", "metric"))`);
    this.addSql(`insert into "performance_band_threshold" ("phase", "criterion", "metric", "threshold") values
      ('primary', 'high_attainment', 'ks2_rwm_expected_pct', 75),
      ('primary', 'high_progress', 'ks2_reading_progress', 1),
      ('primary', 'high_progress', 'ks2_writing_progress', 1),
      ('primary', 'high_progress', 'ks2_maths_progress', 1),
      ('primary', 'floor', 'ks2_rwm_expected_pct', 50),
      ('secondary', 'high_attainment', 'ks4_attainment8', 55),
      ('secondary', 'high_progress', 'ks4_progress8', 0.5),
      ('secondary', 'floor', 'ks4_progress8', -0.5)`);

    this.addSql(`create table "performance_band" (
      "school_id" int primary key constraint "performance_band_school_id_foreign" references "school" ("id") on update cascade on delete cascade,
      "band" text not null constraint "performance_band_band_known" check ("band" in ('high_performing', 'in_need', 'neither', 'no_recent_evidence')),
      "inspection_id" int null constraint "performance_band_inspection_id_foreign" references "inspection" ("id") on update cascade on delete set null,
      "inspection_grade" smallint null,
      "measures" jsonb not null default '[]',
      "reasons" jsonb not null default '[]',
      "as_of" date not null,
      "computed_at" timestamptz not null default now(),
      "phase" text not null,
      "open" boolean not null,
      "latitude" double precision null,
      "longitude" double precision null,
      "location" cube null)`);
    this.addSql(`create index "performance_band_band_index" on "performance_band" ("band")`);
    // Partner search reads only open high-performing schools: their sites (as earth points, so the
    // recheck is a cube comparison, not trigonometry) and phase in one small GiST index.
    this.addSql(`create index "performance_band_high_performing_location_index" on "performance_band" using gist ("location", "phase")
      where "band" = 'high_performing' and "open"`);
    // The copy of a school's site, phase and status follows the school, whatever writes it (import, mutation, seed).
    this.addSql(`create function "performance_band_follow_school"() returns trigger language plpgsql as $$
      begin
        update performance_band set phase = new.phase, open = new.status in ('open', 'proposed_to_close'),
          latitude = new.latitude, longitude = new.longitude, location = ll_to_earth(new.latitude, new.longitude)
        where school_id = new.id;
        return null;
      end $$`);
    this.addSql(`create trigger "performance_band_follow_school" after update of "phase", "status", "latitude", "longitude" on "school"
      for each row when ((old.phase, old.status, old.latitude, old.longitude) is distinct from (new.phase, new.status, new.latitude, new.longitude))
      execute function "performance_band_follow_school"()`);

    // Success criteria as data (impact): the metric is already there; the baseline, the target value and the date.
    this.addSql(`alter table "strategic_objective" add column "baseline" double precision null,
      add column "target" double precision null, add column "target_on" date null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "strategic_objective" drop column "baseline", drop column "target", drop column "target_on"`);
    this.addSql(`drop trigger if exists "performance_band_follow_school" on "school"`);
    this.addSql(`drop function if exists "performance_band_follow_school"`);
    this.addSql(`drop table if exists "performance_band"`);
    this.addSql(`drop table if exists "performance_band_threshold"`);
    this.addSql(`drop table if exists "performance_band_settings"`);
    this.addSql(`drop function if exists "trellis_distance_km"`);
    this.addSql(`drop index if exists "school_location_earth_index"`);
  }
}
