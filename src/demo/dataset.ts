import type { MikroORM } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import type { GoverningBodyKind, GovernanceRole, AppointingBody } from '../governance/governance.enums';
import type { GroupFormation, GroupKind, GroupLinkKind, GroupStatus, MembershipRole } from '../groups/group.enums';
import type { StaffRole } from '../people/people.enums';
import type { EstablishmentType, Nation, Phase, SchoolLinkReason, SchoolStatus, UrbanRural } from '../schools/school.enums';
import type { SupportArea } from '../support/support.enums';

/**
 * A whole generated data set as plain rows. Ids are local: a row's id is its 1-based position in
 * its list, and references use those positions. `writeDataset` shifts them past the ids already in
 * the database, so the generators never need a round trip to learn an id.
 */
export interface Dataset {
  schools: SchoolRow[];
  schoolLinks: SchoolLinkRow[];
  groups: GroupRow[];
  groupLinks: GroupLinkRow[];
  memberships: MembershipRow[];
  objectives: ObjectiveRow[];
  governingBodies: GoverningBodyRow[];
  people: PersonRow[];
  governorships: GovernorshipRow[];
  posts: PostRow[];
  supportLinks: SupportLinkRow[];
}

export type IsoDate = string;

export interface SchoolRow {
  urn: number;
  name: string;
  phase: Phase;
  establishmentType: EstablishmentType;
  status: SchoolStatus;
  nation: Nation;
  laCode: number;
  laName: string;
  region: string;
  constituency: string | null;
  urbanRural: UrbanRural | null;
  latitude: number;
  longitude: number;
  pupilsOnRoll: number | null;
  percentFsm: number | null;
  openedOn: IsoDate | null;
  closedOn: IsoDate | null;
}
export interface SchoolLinkRow {
  predecessor: number;
  successor: number;
  reason: SchoolLinkReason;
  linkedOn: IsoDate | null;
}
export interface GroupRow {
  name: string;
  kind: GroupKind;
  status: GroupStatus;
  formation: GroupFormation | null;
  openedOn: IsoDate | null;
  closedOn: IsoDate | null;
}
export interface GroupLinkRow {
  from: number;
  to: number;
  kind: GroupLinkKind;
  startedOn: IsoDate;
  endedOn: IsoDate | null;
}
export interface MembershipRow {
  school: number;
  group: number;
  groupKind: GroupKind;
  role: MembershipRole;
  joinedOn: IsoDate;
  leftOn: IsoDate | null;
}
export interface ObjectiveRow {
  group: number;
  objective: string;
  metric: string | null;
  targetChange: number | null;
  successCriteria: string;
}
export interface GoverningBodyRow {
  name: string;
  kind: GoverningBodyKind;
  school: number | null;
  group: number | null;
}
export interface PersonRow {
  fullName: string;
  email: string | null;
  phone: string | null;
}
export interface GovernorshipRow {
  person: number;
  governingBody: number;
  role: GovernanceRole;
  appointingBody: AppointingBody;
  termStartedOn: IsoDate;
  termEndsOn: IsoDate | null;
  endedOn: IsoDate | null;
}
export interface PostRow {
  person: number;
  role: StaffRole;
  school: number | null;
  group: number | null;
  fte: number;
  startedOn: IsoDate;
  endedOn: IsoDate | null;
}
export interface SupportLinkRow {
  giver: number;
  receiver: number;
  group: number | null;
  area: SupportArea;
  staffDaysCommitted: number;
  staffDaysDelivered: number;
  startedOn: IsoDate;
  endsOn: IsoDate | null;
  description: string | null;
}

export function emptyDataset(): Dataset {
  return {
    schools: [],
    schoolLinks: [],
    groups: [],
    groupLinks: [],
    memberships: [],
    objectives: [],
    governingBodies: [],
    people: [],
    governorships: [],
    posts: [],
    supportLinks: [],
  };
}

/** Appends a row and returns its local id (1-based). */
export function add<T>(rows: T[], row: T): number {
  rows.push(row);
  return rows.length;
}

type Table = 'school' | 'school_group' | 'person' | 'governing_body';

/** How one list of rows becomes one table: column, PostgreSQL array type, value, and which ids it refers to. */
interface TableWriter<Row> {
  table: string;
  rows: (data: Dataset) => Row[];
  columns: [column: string, type: string, value: (row: Row) => unknown, ref?: Table][];
}

const writers: TableWriter<any>[] = [
  {
    table: 'school',
    rows: (d) => d.schools,
    columns: [
      ['urn', 'int', (r: SchoolRow) => r.urn],
      ['name', 'text', (r: SchoolRow) => r.name],
      ['phase', 'text', (r: SchoolRow) => r.phase],
      ['establishment_type', 'text', (r: SchoolRow) => r.establishmentType],
      ['status', 'text', (r: SchoolRow) => r.status],
      ['nation', 'text', (r: SchoolRow) => r.nation],
      ['la_code', 'int', (r: SchoolRow) => r.laCode],
      ['la_name', 'text', (r: SchoolRow) => r.laName],
      ['region', 'text', (r: SchoolRow) => r.region],
      ['constituency', 'text', (r: SchoolRow) => r.constituency],
      ['urban_rural', 'text', (r: SchoolRow) => r.urbanRural],
      ['latitude', 'float8', (r: SchoolRow) => r.latitude],
      ['longitude', 'float8', (r: SchoolRow) => r.longitude],
      ['pupils_on_roll', 'int', (r: SchoolRow) => r.pupilsOnRoll],
      ['percent_fsm', 'numeric', (r: SchoolRow) => r.percentFsm],
      ['opened_on', 'date', (r: SchoolRow) => r.openedOn],
      ['closed_on', 'date', (r: SchoolRow) => r.closedOn],
    ],
  },
  {
    table: 'school_link',
    rows: (d) => d.schoolLinks,
    columns: [
      ['predecessor_id', 'int', (r: SchoolLinkRow) => r.predecessor, 'school'],
      ['successor_id', 'int', (r: SchoolLinkRow) => r.successor, 'school'],
      ['reason', 'text', (r: SchoolLinkRow) => r.reason],
      ['linked_on', 'date', (r: SchoolLinkRow) => r.linkedOn],
    ],
  },
  {
    table: 'school_group',
    rows: (d) => d.groups,
    columns: [
      ['name', 'text', (r: GroupRow) => r.name],
      ['kind', 'text', (r: GroupRow) => r.kind],
      ['status', 'text', (r: GroupRow) => r.status],
      ['formation', 'text', (r: GroupRow) => r.formation],
      ['opened_on', 'date', (r: GroupRow) => r.openedOn],
      ['closed_on', 'date', (r: GroupRow) => r.closedOn],
    ],
  },
  {
    table: 'group_link',
    rows: (d) => d.groupLinks,
    columns: [
      ['from_group_id', 'int', (r: GroupLinkRow) => r.from, 'school_group'],
      ['to_group_id', 'int', (r: GroupLinkRow) => r.to, 'school_group'],
      ['kind', 'text', (r: GroupLinkRow) => r.kind],
      ['started_on', 'date', (r: GroupLinkRow) => r.startedOn],
      ['ended_on', 'date', (r: GroupLinkRow) => r.endedOn],
    ],
  },
  {
    table: 'membership',
    rows: (d) => d.memberships,
    columns: [
      ['school_id', 'int', (r: MembershipRow) => r.school, 'school'],
      ['group_id', 'int', (r: MembershipRow) => r.group, 'school_group'],
      ['group_kind', 'text', (r: MembershipRow) => r.groupKind],
      ['role', 'text', (r: MembershipRow) => r.role],
      ['joined_on', 'date', (r: MembershipRow) => r.joinedOn],
      ['left_on', 'date', (r: MembershipRow) => r.leftOn],
    ],
  },
  {
    table: 'strategic_objective',
    rows: (d) => d.objectives,
    columns: [
      ['group_id', 'int', (r: ObjectiveRow) => r.group, 'school_group'],
      ['objective', 'text', (r: ObjectiveRow) => r.objective],
      ['metric', 'text', (r: ObjectiveRow) => r.metric],
      ['target_change', 'float8', (r: ObjectiveRow) => r.targetChange],
      ['success_criteria', 'text', (r: ObjectiveRow) => r.successCriteria],
    ],
  },
  {
    table: 'governing_body',
    rows: (d) => d.governingBodies,
    columns: [
      ['name', 'text', (r: GoverningBodyRow) => r.name],
      ['kind', 'text', (r: GoverningBodyRow) => r.kind],
      ['school_id', 'int', (r: GoverningBodyRow) => r.school, 'school'],
      ['group_id', 'int', (r: GoverningBodyRow) => r.group, 'school_group'],
    ],
  },
  {
    table: 'person',
    rows: (d) => d.people,
    columns: [
      ['full_name', 'text', (r: PersonRow) => r.fullName],
      ['email', 'text', (r: PersonRow) => r.email],
      ['phone', 'text', (r: PersonRow) => r.phone],
    ],
  },
  {
    table: 'governorship',
    rows: (d) => d.governorships,
    columns: [
      ['person_id', 'int', (r: GovernorshipRow) => r.person, 'person'],
      ['governing_body_id', 'int', (r: GovernorshipRow) => r.governingBody, 'governing_body'],
      ['role', 'text', (r: GovernorshipRow) => r.role],
      ['appointing_body', 'text', (r: GovernorshipRow) => r.appointingBody],
      ['term_started_on', 'date', (r: GovernorshipRow) => r.termStartedOn],
      ['term_ends_on', 'date', (r: GovernorshipRow) => r.termEndsOn],
      ['ended_on', 'date', (r: GovernorshipRow) => r.endedOn],
    ],
  },
  {
    table: 'post',
    rows: (d) => d.posts,
    columns: [
      ['person_id', 'int', (r: PostRow) => r.person, 'person'],
      ['role', 'text', (r: PostRow) => r.role],
      ['school_id', 'int', (r: PostRow) => r.school, 'school'],
      ['group_id', 'int', (r: PostRow) => r.group, 'school_group'],
      ['fte', 'numeric', (r: PostRow) => r.fte],
      ['started_on', 'date', (r: PostRow) => r.startedOn],
      ['ended_on', 'date', (r: PostRow) => r.endedOn],
    ],
  },
  {
    table: 'support_link',
    rows: (d) => d.supportLinks,
    columns: [
      ['giver_id', 'int', (r: SupportLinkRow) => r.giver, 'school'],
      ['receiver_id', 'int', (r: SupportLinkRow) => r.receiver, 'school'],
      ['group_id', 'int', (r: SupportLinkRow) => r.group, 'school_group'],
      ['area', 'text', (r: SupportLinkRow) => r.area],
      ['staff_days_committed', 'numeric', (r: SupportLinkRow) => r.staffDaysCommitted],
      ['staff_days_delivered', 'numeric', (r: SupportLinkRow) => r.staffDaysDelivered],
      ['started_on', 'date', (r: SupportLinkRow) => r.startedOn],
      ['ends_on', 'date', (r: SupportLinkRow) => r.endsOn],
      ['description', 'text', (r: SupportLinkRow) => r.description],
    ],
  },
];

/** Every table the data sets write, for locking and for `--replace`. */
export const DATASET_TABLES = writers.map((writer) => writer.table);

/** Rows per statement: big enough to be set-based, small enough to keep each parameter a few MB. */
const CHUNK = 25_000;

export type DatasetCounts = Record<string, number>;

/**
 * Writes the data set with one `insert ... select from unnest($1::int[], ...)` per table and chunk,
 * on `client`, which must already be inside the caller's transaction. Ids are shifted past the
 * largest id in each table (the caller holds an exclusive lock), then each sequence is moved on.
 */
export async function writeDataset(client: PoolClient, data: Dataset): Promise<DatasetCounts> {
  const offsets: Record<string, number> = {};
  for (const writer of writers) {
    const { rows } = await client.query<{ max: number }>(`select coalesce(max(id), 0)::int as max from "${writer.table}"`);
    offsets[writer.table] = rows[0].max;
  }
  const counts: DatasetCounts = {};
  for (const writer of writers) {
    const rows = writer.rows(data);
    counts[writer.table] = rows.length;
    if (!rows.length) continue;
    const offset = offsets[writer.table];
    const names = ['id', ...writer.columns.map(([column]) => column)].map((name) => `"${name}"`).join(', ');
    const types = ['int', ...writer.columns.map(([, type]) => type)];
    const params = types.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
    const text = `insert into "${writer.table}" (${names}) select * from unnest(${params})`;
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.slice(start, start + CHUNK);
      const values: unknown[][] = [chunk.map((_, i) => offset + start + i + 1)];
      for (const [, , value, ref] of writer.columns) {
        values.push(
          chunk.map((row) => {
            const v = value(row);
            return ref && v != null ? (v as number) + offsets[ref] : (v ?? null);
          }),
        );
      }
      await client.query(text, values);
    }
    await client.query(`select setval(pg_get_serial_sequence('"${writer.table}"', 'id'), (select max(id) from "${writer.table}"))`);
  }
  return counts;
}

/** Runs `work` in one transaction on a connection from the ORM's own pool. */
export async function inTransaction<T>(orm: MikroORM, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const knex = orm.em.getConnection().getKnex();
  const client: PoolClient = await knex.client.acquireConnection();
  try {
    await client.query('begin');
    try {
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback');
      throw error;
    }
  } finally {
    await knex.client.releaseConnection(client);
  }
}

/** Takes the write lock on every table a data set fills, so no one else writes (or seeds) meanwhile. */
export async function lockDatasetTables(client: PoolClient): Promise<void> {
  await client.query(`lock table ${DATASET_TABLES.map((t) => `"${t}"`).join(', ')} in exclusive mode`);
}
