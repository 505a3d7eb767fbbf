import { Migration } from '@mikro-orm/migrations';

/** The core graph: schools, groups and memberships, governance, people and posts, support links. */
export class Migration20261123000000Core extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "school_group" ("id" serial primary key, "name" varchar(255) not null, "kind" text check ("kind" in ('federation', 'multi_academy_trust', 'single_academy_trust', 'umbrella_trust', 'foundation_trust', 'school_sponsor', 'teaching_school_hub', 'cluster', 'family_of_schools', 'practitioner_pair', 'informal_collaboration')) not null, "status" text check ("status" in ('proposed', 'open', 'closing', 'closed')) not null default 'open', "formation" text check ("formation" in ('self_generated', 'brokered_by_local_authority', 'brokered_by_consortium', 'directed')) null, "opened_on" date null, "closed_on" date null, "source_key" varchar(255) null, "created_at" timestamptz not null, "updated_at" timestamptz not null)`,
    );
    this.addSql(`create index "school_group_name_index" on "school_group" ("name")`);
    this.addSql(`alter table "school_group" add constraint "school_group_source_key_unique" unique ("source_key")`);
    this.addSql(
      `create table "group_link" ("id" serial primary key, "from_group_id" int not null, "to_group_id" int not null, "kind" text check ("kind" in ('hub_serves', 'umbrella_over', 'sponsors', 'partners_with')) not null, "started_on" date not null, "ended_on" date null)`,
    );
    this.addSql(`create index "group_link_from_group_id_index" on "group_link" ("from_group_id")`);
    this.addSql(`create index "group_link_to_group_id_index" on "group_link" ("to_group_id")`);
    this.addSql(
      `create table "person" ("id" serial primary key, "full_name" varchar(255) not null, "email" varchar(255) null, "phone" varchar(255) null, "created_at" timestamptz not null)`,
    );
    this.addSql(
      `create table "school" ("id" serial primary key, "urn" int not null, "name" varchar(255) not null, "phase" text check ("phase" in ('nursery', 'primary', 'middle', 'secondary', 'all_through', 'special', 'alternative_provision', 'sixteen_plus')) not null, "establishment_type" text check ("establishment_type" in ('community_school', 'voluntary_aided_school', 'voluntary_controlled_school', 'foundation_school', 'academy_converter', 'academy_sponsor_led', 'free_school', 'university_technical_college', 'studio_school', 'community_special_school', 'foundation_special_school', 'academy_special', 'free_school_special', 'pupil_referral_unit', 'academy_alternative_provision', 'free_school_alternative_provision', 'local_authority_nursery_school', 'sixth_form_centre', 'welsh_establishment', 'other')) not null, "status" text check ("status" in ('open', 'closed', 'proposed_to_open', 'proposed_to_close')) not null default 'open', "nation" text check ("nation" in ('england', 'wales')) not null default 'england', "la_code" int null, "la_name" varchar(255) null, "region" varchar(255) null, "constituency" varchar(255) null, "urban_rural" text check ("urban_rural" in ('urban_major_conurbation', 'urban_minor_conurbation', 'urban_city_and_town', 'urban_city_and_town_sparse', 'rural_town_and_fringe', 'rural_town_and_fringe_sparse', 'rural_village', 'rural_village_sparse', 'rural_hamlet', 'rural_hamlet_sparse')) null, "latitude" double precision null, "longitude" double precision null, "pupils_on_roll" int null, "percent_fsm" numeric(5,2) null, "opened_on" date null, "closed_on" date null, "created_at" timestamptz not null, "updated_at" timestamptz not null)`,
    );
    this.addSql(`alter table "school" add constraint "school_urn_unique" unique ("urn")`);
    this.addSql(`create index "school_la_code_index" on "school" ("la_code")`);
    this.addSql(
      `create table "post" ("id" serial primary key, "person_id" int not null, "role" text check ("role" in ('executive_head', 'ceo', 'headteacher', 'head_of_school', 'deputy_head', 'teacher', 'senco', 'business_manager', 'designated_safeguarding_lead', 'peer_review_lead')) not null, "school_id" int null, "group_id" int null, "fte" numeric(4,3) not null, "started_on" date not null, "ended_on" date null)`,
    );
    this.addSql(`create index "post_person_id_index" on "post" ("person_id")`);
    this.addSql(`create index "post_school_id_index" on "post" ("school_id")`);
    this.addSql(`create index "post_group_id_index" on "post" ("group_id")`);
    this.addSql(
      `create table "membership" ("id" serial primary key, "school_id" int not null, "group_id" int not null, "group_kind" text check ("group_kind" in ('federation', 'multi_academy_trust', 'single_academy_trust', 'umbrella_trust', 'foundation_trust', 'school_sponsor', 'teaching_school_hub', 'cluster', 'family_of_schools', 'practitioner_pair', 'informal_collaboration')) not null, "role" text check ("role" in ('member', 'lead', 'emerging', 'sponsor', 'hub')) not null default 'member', "joined_on" date not null, "left_on" date null)`,
    );
    this.addSql(`create index "membership_school_id_index" on "membership" ("school_id")`);
    this.addSql(`create index "membership_group_id_school_id_index" on "membership" ("group_id", "school_id")`);
    this.addSql(
      `create table "governing_body" ("id" serial primary key, "name" varchar(255) not null, "kind" text check ("kind" in ('school', 'federation', 'trust_board', 'local_committee')) not null, "school_id" int null, "group_id" int null, "created_at" timestamptz not null)`,
    );
    this.addSql(`create index "governing_body_school_id_index" on "governing_body" ("school_id")`);
    this.addSql(`create index "governing_body_group_id_index" on "governing_body" ("group_id")`);
    this.addSql(
      `create table "governorship" ("id" serial primary key, "person_id" int not null, "governing_body_id" int not null, "role" text check ("role" in ('chair_of_governors', 'governor', 'chair_of_trustees', 'trustee', 'member', 'accounting_officer', 'chief_financial_officer', 'chair_of_local_governing_body', 'local_governor', 'governance_professional')) not null, "appointing_body" text check ("appointing_body" in ('parent_elected', 'staff_elected', 'local_authority_nominated', 'foundation', 'ex_officio', 'co_opted', 'trust_members', 'board_appointed', 'sponsor_appointed', 'partnership', 'secretary_of_state')) not null, "term_started_on" date not null, "term_ends_on" date null, "ended_on" date null)`,
    );
    this.addSql(`create index "governorship_person_id_index" on "governorship" ("person_id")`);
    this.addSql(`create index "governorship_governing_body_id_index" on "governorship" ("governing_body_id")`);
    this.addSql(
      `create table "school_link" ("id" serial primary key, "predecessor_id" int not null, "successor_id" int not null, "reason" text check ("reason" in ('succession', 'merger', 'amalgamation', 'split', 'other')) not null default 'succession', "linked_on" date null)`,
    );
    this.addSql(`create index "school_link_successor_id_index" on "school_link" ("successor_id")`);
    this.addSql(`alter table "school_link" add constraint "school_link_pair_unique" unique ("predecessor_id", "successor_id")`);
    this.addSql(
      `create table "strategic_objective" ("id" serial primary key, "group_id" int not null, "objective" text not null, "metric" varchar(255) null, "target_change" double precision null, "success_criteria" text not null)`,
    );
    this.addSql(`create index "strategic_objective_group_id_index" on "strategic_objective" ("group_id")`);
    this.addSql(
      `create table "support_link" ("id" serial primary key, "giver_id" int not null, "receiver_id" int not null, "group_id" int null, "area" text check ("area" in ('teaching_and_learning', 'leadership', 'data_and_assessment', 'governance', 'send', 'literacy', 'numeracy', 'welsh_language', 'business_services')) not null, "staff_days_committed" numeric(7,1) not null, "staff_days_delivered" numeric(7,1) not null default 0, "started_on" date not null, "ends_on" date null, "description" text null)`,
    );
    this.addSql(`create index "support_link_giver_id_index" on "support_link" ("giver_id")`);
    this.addSql(`create index "support_link_receiver_id_index" on "support_link" ("receiver_id")`);
    this.addSql(
      `alter table "group_link" add constraint "group_link_from_group_id_foreign" foreign key ("from_group_id") references "school_group" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "group_link" add constraint "group_link_to_group_id_foreign" foreign key ("to_group_id") references "school_group" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "post" add constraint "post_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "post" add constraint "post_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "post" add constraint "post_group_id_foreign" foreign key ("group_id") references "school_group" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "membership" add constraint "membership_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "membership" add constraint "membership_group_id_foreign" foreign key ("group_id") references "school_group" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "governing_body" add constraint "governing_body_school_id_foreign" foreign key ("school_id") references "school" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "governing_body" add constraint "governing_body_group_id_foreign" foreign key ("group_id") references "school_group" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "governorship" add constraint "governorship_person_id_foreign" foreign key ("person_id") references "person" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "governorship" add constraint "governorship_governing_body_id_foreign" foreign key ("governing_body_id") references "governing_body" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "school_link" add constraint "school_link_predecessor_id_foreign" foreign key ("predecessor_id") references "school" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "school_link" add constraint "school_link_successor_id_foreign" foreign key ("successor_id") references "school" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "strategic_objective" add constraint "strategic_objective_group_id_foreign" foreign key ("group_id") references "school_group" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "support_link" add constraint "support_link_giver_id_foreign" foreign key ("giver_id") references "school" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "support_link" add constraint "support_link_receiver_id_foreign" foreign key ("receiver_id") references "school" ("id") on update cascade on delete cascade`,
    );
    this.addSql(
      `alter table "support_link" add constraint "support_link_group_id_foreign" foreign key ("group_id") references "school_group" ("id") on update cascade on delete set null`,
    );
    // Invariants the database itself enforces, so no code path (mutation, import, seed) can break them.
    this.addSql(`create extension if not exists btree_gist`);
    this.addSql(`create extension if not exists pg_trgm`);
    this.addSql(`alter table "school" alter column "created_at" set default now(), alter column "updated_at" set default now()`);
    this.addSql(`alter table "school" add constraint "school_urn_positive" check ("urn" > 0)`);
    this.addSql(`alter table "school" add constraint "school_percent_fsm_range" check ("percent_fsm" between 0 and 100)`);
    this.addSql(`alter table "school" add constraint "school_pupils_on_roll_nonnegative" check ("pupils_on_roll" >= 0)`);
    this.addSql(
      `alter table "school" add constraint "school_location_range" check ("latitude" between -90 and 90 and "longitude" between -180 and 180)`,
    );
    this.addSql(
      `alter table "school" add constraint "school_dates_order" check ("closed_on" is null or "opened_on" is null or "closed_on" >= "opened_on")`,
    );
    this.addSql(`create index "school_name_trgm_index" on "school" using gin ("name" gin_trgm_ops)`);
    this.addSql(`create index "school_phase_index" on "school" ("phase")`);
    this.addSql(`alter table "school_link" add constraint "school_link_not_self" check ("predecessor_id" <> "successor_id")`);
    this.addSql(`alter table "school_group" alter column "created_at" set default now(), alter column "updated_at" set default now()`);
    this.addSql(
      `alter table "school_group" add constraint "school_group_dates_order" check ("closed_on" is null or "opened_on" is null or "closed_on" >= "opened_on")`,
    );
    this.addSql(`create index "school_group_name_trgm_index" on "school_group" using gin ("name" gin_trgm_ops)`);
    this.addSql(`create index "school_group_kind_index" on "school_group" ("kind")`);
    // A membership is active on [joined_on, left_on): leaving one trust and joining another on the same day is allowed.
    this.addSql(`alter table "membership" add constraint "membership_dates_order" check ("left_on" is null or "left_on" >= "joined_on")`);
    this.addSql(`alter table "membership" add constraint "membership_one_multi_academy_trust_at_a_time"
        exclude using gist ("school_id" with =, daterange("joined_on", "left_on", '[)') with &&) where ("group_kind" = 'multi_academy_trust')`);
    this.addSql(`alter table "membership" add constraint "membership_one_federation_at_a_time"
        exclude using gist ("school_id" with =, daterange("joined_on", "left_on", '[)') with &&) where ("group_kind" = 'federation')`);
    this.addSql(`alter table "membership" add constraint "membership_no_overlap_in_group"
        exclude using gist ("school_id" with =, "group_id" with =, daterange("joined_on", "left_on", '[)') with &&)`);
    this.addSql(`alter table "group_link" add constraint "group_link_not_self" check ("from_group_id" <> "to_group_id")`);
    this.addSql(
      `alter table "group_link" add constraint "group_link_dates_order" check ("ended_on" is null or "ended_on" >= "started_on")`,
    );
    this.addSql(
      `create unique index "group_link_current_unique" on "group_link" ("from_group_id", "to_group_id", "kind") where "ended_on" is null`,
    );
    this.addSql(`alter table "governing_body" alter column "created_at" set default now()`);
    this.addSql(`alter table "governing_body" add constraint "governing_body_governs_by_kind" check (
        ("kind" = 'school' and "school_id" is not null and "group_id" is null)
        or ("kind" in ('federation', 'trust_board') and "group_id" is not null and "school_id" is null)
        or ("kind" = 'local_committee' and "group_id" is not null and "school_id" is not null))`);
    this.addSql(
      `alter table "governorship" add constraint "governorship_term_order" check ("term_ends_on" is null or "term_ends_on" >= "term_started_on")`,
    );
    this.addSql(
      `alter table "governorship" add constraint "governorship_ended_order" check ("ended_on" is null or "ended_on" >= "term_started_on")`,
    );
    this.addSql(`alter table "person" alter column "created_at" set default now()`);
    this.addSql(`alter table "post" add constraint "post_serves_school_or_group" check (("school_id" is null) <> ("group_id" is null))`);
    this.addSql(`alter table "post" add constraint "post_fte_range" check ("fte" > 0 and "fte" <= 1)`);
    this.addSql(`alter table "post" add constraint "post_dates_order" check ("ended_on" is null or "ended_on" >= "started_on")`);
    this.addSql(`alter table "support_link" add constraint "support_link_not_self" check ("giver_id" <> "receiver_id")`);
    this.addSql(
      `alter table "support_link" add constraint "support_link_staff_days_nonnegative" check ("staff_days_committed" >= 0 and "staff_days_delivered" >= 0)`,
    );
    this.addSql(
      `alter table "support_link" add constraint "support_link_dates_order" check ("ends_on" is null or "ends_on" >= "started_on")`,
    );
  }
}
