import path from 'node:path';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { publish } from '../core/domain-events';
import { GroupKind } from '../groups/group.enums';
import { EstablishmentType, Nation, Phase, SchoolStatus, UrbanRural } from '../schools/school.enums';
import { chunks, CsvShape, CsvSource, readCsvFile } from './csv';
import { GRID_LIMITS, gridToWgs84 } from './grid';
import { ImportReport, ReportBuilder, RowOutcome } from './report';
import { ImportOptions, importSession } from './session';
import { databaseRefusal, sourceLabel } from './sql';
import { date, decimal, integer, InvalidValue, labels, oneOf, requiredText, Row, text, urn } from './values';

/** GIAS "TypeOfEstablishment (name)" labels. Types Trellis does not model one by one are OTHER; an unlisted label is an error. */
const ESTABLISHMENT_TYPES = labels<EstablishmentType>({
  'Community school': EstablishmentType.COMMUNITY_SCHOOL,
  'Voluntary aided school': EstablishmentType.VOLUNTARY_AIDED_SCHOOL,
  'Voluntary controlled school': EstablishmentType.VOLUNTARY_CONTROLLED_SCHOOL,
  'Foundation school': EstablishmentType.FOUNDATION_SCHOOL,
  'Academy converter': EstablishmentType.ACADEMY_CONVERTER,
  'Academy sponsor led': EstablishmentType.ACADEMY_SPONSOR_LED,
  'Free schools': EstablishmentType.FREE_SCHOOL,
  'University technical college': EstablishmentType.UNIVERSITY_TECHNICAL_COLLEGE,
  'Studio schools': EstablishmentType.STUDIO_SCHOOL,
  'Community special school': EstablishmentType.COMMUNITY_SPECIAL_SCHOOL,
  'Foundation special school': EstablishmentType.FOUNDATION_SPECIAL_SCHOOL,
  'Academy special converter': EstablishmentType.ACADEMY_SPECIAL,
  'Academy special sponsor led': EstablishmentType.ACADEMY_SPECIAL,
  'Free schools special': EstablishmentType.FREE_SCHOOL_SPECIAL,
  'Pupil referral unit': EstablishmentType.PUPIL_REFERRAL_UNIT,
  'Academy alternative provision converter': EstablishmentType.ACADEMY_ALTERNATIVE_PROVISION,
  'Academy alternative provision sponsor led': EstablishmentType.ACADEMY_ALTERNATIVE_PROVISION,
  'Free schools alternative provision': EstablishmentType.FREE_SCHOOL_ALTERNATIVE_PROVISION,
  'Local authority nursery school': EstablishmentType.LOCAL_AUTHORITY_NURSERY_SCHOOL,
  'LA nursery school': EstablishmentType.LOCAL_AUTHORITY_NURSERY_SCHOOL,
  'Sixth form centres': EstablishmentType.SIXTH_FORM_CENTRE,
  'Welsh establishment': EstablishmentType.WELSH_ESTABLISHMENT,
  'City technology college': EstablishmentType.OTHER,
  'Non-maintained special school': EstablishmentType.OTHER,
  'Other independent special school': EstablishmentType.OTHER,
  'Other independent school': EstablishmentType.OTHER,
  'Further education': EstablishmentType.OTHER,
  'Secure units': EstablishmentType.OTHER,
  'Offshore schools': EstablishmentType.OTHER,
  "Service children's education": EstablishmentType.OTHER,
  Miscellaneous: EstablishmentType.OTHER,
  'Higher education institutions': EstablishmentType.OTHER,
  'Special post 16 institution': EstablishmentType.OTHER,
  'British schools overseas': EstablishmentType.OTHER,
  'Free schools 16 to 19': EstablishmentType.OTHER,
  'Academy 16-19 converter': EstablishmentType.OTHER,
  'Academy 16 to 19 sponsor led': EstablishmentType.OTHER,
  'Academy secure 16 to 19': EstablishmentType.OTHER,
  'Online provider': EstablishmentType.OTHER,
  'Institution funded by other government department': EstablishmentType.OTHER,
});

/** Types whose school opened as (or into) an academy trust: their open date is the day they joined it. */
const ACADEMY_TYPES = new Set<EstablishmentType>([
  EstablishmentType.ACADEMY_CONVERTER,
  EstablishmentType.ACADEMY_SPONSOR_LED,
  EstablishmentType.FREE_SCHOOL,
  EstablishmentType.UNIVERSITY_TECHNICAL_COLLEGE,
  EstablishmentType.STUDIO_SCHOOL,
  EstablishmentType.ACADEMY_SPECIAL,
  EstablishmentType.FREE_SCHOOL_SPECIAL,
  EstablishmentType.ACADEMY_ALTERNATIVE_PROVISION,
  EstablishmentType.FREE_SCHOOL_ALTERNATIVE_PROVISION,
]);

/** "Not applicable" is GIAS's phase for special schools, PRUs and nursery schools: the type says which. */
const PHASES = labels<Phase | 'from type'>({
  Nursery: Phase.NURSERY,
  Primary: Phase.PRIMARY,
  'Middle deemed primary': Phase.MIDDLE,
  'Middle deemed secondary': Phase.MIDDLE,
  Secondary: Phase.SECONDARY,
  'All-through': Phase.ALL_THROUGH,
  '16 plus': Phase.SIXTEEN_PLUS,
  'Not applicable': 'from type',
});

const PHASE_FROM_TYPE: Partial<Record<EstablishmentType, Phase>> = {
  [EstablishmentType.COMMUNITY_SPECIAL_SCHOOL]: Phase.SPECIAL,
  [EstablishmentType.FOUNDATION_SPECIAL_SCHOOL]: Phase.SPECIAL,
  [EstablishmentType.ACADEMY_SPECIAL]: Phase.SPECIAL,
  [EstablishmentType.FREE_SCHOOL_SPECIAL]: Phase.SPECIAL,
  [EstablishmentType.PUPIL_REFERRAL_UNIT]: Phase.ALTERNATIVE_PROVISION,
  [EstablishmentType.ACADEMY_ALTERNATIVE_PROVISION]: Phase.ALTERNATIVE_PROVISION,
  [EstablishmentType.FREE_SCHOOL_ALTERNATIVE_PROVISION]: Phase.ALTERNATIVE_PROVISION,
  [EstablishmentType.LOCAL_AUTHORITY_NURSERY_SCHOOL]: Phase.NURSERY,
  [EstablishmentType.SIXTH_FORM_CENTRE]: Phase.SIXTEEN_PLUS,
};

const STATUSES = labels<SchoolStatus>({
  Open: SchoolStatus.OPEN,
  Closed: SchoolStatus.CLOSED,
  'Open, but proposed to close': SchoolStatus.PROPOSED_TO_CLOSE,
  'Proposed to open': SchoolStatus.PROPOSED_TO_OPEN,
});

/** ONS rural-urban classes, after GIAS's "(England/Wales) " prefix is taken off. */
const URBAN_RURAL = labels<UrbanRural>({
  'Urban major conurbation': UrbanRural.URBAN_MAJOR_CONURBATION,
  'Urban minor conurbation': UrbanRural.URBAN_MINOR_CONURBATION,
  'Urban city and town': UrbanRural.URBAN_CITY_AND_TOWN,
  'Urban city and town in a sparse setting': UrbanRural.URBAN_CITY_AND_TOWN_SPARSE,
  'Rural town and fringe': UrbanRural.RURAL_TOWN_AND_FRINGE,
  'Rural town and fringe in a sparse setting': UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE,
  'Rural village': UrbanRural.RURAL_VILLAGE,
  'Rural village in a sparse setting': UrbanRural.RURAL_VILLAGE_SPARSE,
  'Rural hamlet and isolated dwellings': UrbanRural.RURAL_HAMLET,
  'Rural hamlet and isolated dwellings in a sparse setting': UrbanRural.RURAL_HAMLET_SPARSE,
});

/** "TrustSchoolFlag (name)": which kind of trust the name in "Trusts (name)" is. */
const TRUST_FLAGS = labels<GroupKind | null>({
  'Supported by a multi-academy trust': GroupKind.MULTI_ACADEMY_TRUST,
  'Supported by a single-academy trust': GroupKind.SINGLE_ACADEMY_TRUST,
  'Supported by a trust': GroupKind.FOUNDATION_TRUST,
  'Not supported by a trust': null,
  'Not applicable': null,
});

/** Cells GIAS fills with a placeholder rather than leaving empty. */
const NOT_GIVEN = new Set(['not applicable', 'not recorded', '(not applicable)']);

function place(row: Row, column: string): string | undefined {
  const value = text(row, column);
  return value && !NOT_GIVEN.has(value.toLowerCase()) ? value : undefined;
}

/** A school's fields as GIAS gives them, validated. */
export interface Establishment {
  urn: number;
  name: string;
  phase: Phase;
  establishmentType: EstablishmentType;
  status: SchoolStatus;
  nation: Nation;
  laCode: number | null;
  laName: string | null;
  region: string | null;
  constituency: string | null;
  urbanRural: UrbanRural | null;
  latitude: number | null;
  longitude: number | null;
  /** Only written where Trellis holds none (see CENSUS_OWNED). */
  pupilsOnRoll: number | null;
  percentFsm: number | null;
  openedOn: string | null;
  closedOn: string | null;
  groups: GroupRef[];
}

/** A group named on a school's row, identified across extracts by `sourceKey`. */
export interface GroupRef {
  sourceKey: string;
  name: string;
  kind: GroupKind;
}

/**
 * GIAS group UIDs, when the extract carries them ("Trusts (code)", "Federations (code)"), identify a
 * group across renames. The public extract Trellis is tested on carries only names, so the key is then
 * kind + name: a renamed group reappears as a new one, and its schools move over (history kept).
 */
function groupKey(kind: GroupKind, name: string, uid: string | undefined): string {
  return uid ? `gias:uid:${uid}` : `gias:${kind}:${name.toLowerCase().replace(/\s+/g, ' ')}`;
}

/** Validates one GIAS row; throws InvalidValue naming the first bad column. */
export function readEstablishment(row: Row): Establishment {
  const establishmentType = oneOf(row, 'TypeOfEstablishment (name)', ESTABLISHMENT_TYPES, 'establishment type');
  if (!establishmentType) throw new InvalidValue('TypeOfEstablishment (name)', 'is empty');
  const phaseLabel = oneOf(row, 'PhaseOfEducation (name)', PHASES, 'phase of education');
  if (!phaseLabel) throw new InvalidValue('PhaseOfEducation (name)', 'is empty');
  const phase = phaseLabel === 'from type' ? PHASE_FROM_TYPE[establishmentType] : phaseLabel;
  if (!phase)
    throw new InvalidValue(
      'PhaseOfEducation (name)',
      `"Not applicable" for a ${text(row, 'TypeOfEstablishment (name)')}, so the phase is unknown`,
    );
  const status = oneOf(row, 'EstablishmentStatus (name)', STATUSES, 'establishment status');
  if (!status) throw new InvalidValue('EstablishmentStatus (name)', 'is empty');

  const openedOn = date(row, 'OpenDate') ?? null;
  const closedOn = date(row, 'CloseDate') ?? null;
  if (openedOn && closedOn && closedOn < openedOn) throw new InvalidValue('CloseDate', `${closedOn} is before OpenDate ${openedOn}`);

  const urbanRuralLabel = text(row, 'UrbanRural (name)')?.replace(/^\((England\/Wales|Scotland)\)\s*/i, '');
  const urbanRural = urbanRuralLabel ? oneOf({ v: urbanRuralLabel }, 'v', URBAN_RURAL, 'rural-urban class') : undefined;
  if (urbanRuralLabel && !urbanRural) throw new InvalidValue('UrbanRural (name)', `"${urbanRuralLabel}" is not a known rural-urban class`);

  const easting = decimal(row, 'Easting', GRID_LIMITS.easting[0], GRID_LIMITS.easting[1]);
  const northing = decimal(row, 'Northing', GRID_LIMITS.northing[0], GRID_LIMITS.northing[1]);
  if ((easting === undefined) !== (northing === undefined)) {
    throw new InvalidValue(easting === undefined ? 'Easting' : 'Northing', 'is empty while the other grid coordinate is given');
  }
  // GIAS writes 0,0 for "no location recorded": the grid origin is in the sea off the Scilly Isles.
  const location = easting && northing ? gridToWgs84(easting, northing) : undefined;

  const region = place(row, 'GOR (name)');
  const groups: GroupRef[] = [];
  const trust = text(row, 'Trusts (name)');
  if (trust) {
    // The flag says which kind of trust; without it, an academy's trust is taken to be a MAT and a
    // maintained school's a foundation trust (the only kinds GIAS lists under "Trusts").
    const flagged = oneOf(row, 'TrustSchoolFlag (name)', TRUST_FLAGS, 'trust school flag');
    const kind = flagged ?? (ACADEMY_TYPES.has(establishmentType) ? GroupKind.MULTI_ACADEMY_TRUST : GroupKind.FOUNDATION_TRUST);
    groups.push({ kind, name: trust, sourceKey: groupKey(kind, trust, text(row, 'Trusts (code)')) });
  }
  const federation = text(row, 'Federations (name)');
  if (federation) {
    groups.push({
      kind: GroupKind.FEDERATION,
      name: federation,
      sourceKey: groupKey(GroupKind.FEDERATION, federation, text(row, 'Federations (code)')),
    });
  }

  const laCode = integer(row, 'LA (code)', 1, 999);
  return {
    urn: urn(row, 'URN'),
    name: requiredText(row, 'EstablishmentName'),
    phase,
    establishmentType,
    status,
    nation: establishmentType === EstablishmentType.WELSH_ESTABLISHMENT || region?.startsWith('Wales') ? Nation.WALES : Nation.ENGLAND,
    laCode: laCode ?? null,
    laName: place(row, 'LA (name)') ?? null,
    // The government office region (e.g. "South East"), the geography School.region describes;
    // RSCRegion is the schools commissioner's area, a different map, and is not stored.
    region: region ?? null,
    constituency: place(row, 'ParliamentaryConstituency (name)') ?? null,
    urbanRural: urbanRural ?? null,
    latitude: location?.latitude ?? null,
    longitude: location?.longitude ?? null,
    pupilsOnRoll: integer(row, 'NumberOfPupils', 0, 100_000) ?? null,
    percentFsm: decimal(row, 'PercentageFSM', 0, 100) ?? null,
    openedOn,
    closedOn,
    groups,
  };
}

/** The extract's date, from the file name GIAS gives it (…_20220420.csv), else today. */
export function extractDateFromName(source: string): string | undefined {
  const match = /(20\d{2})(\d{2})(\d{2})(?!\d)/.exec(path.basename(source));
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

export interface GiasImportOptions extends ImportOptions {
  /** ISO date the extract describes; default: from the file name, else today. */
  extractDate?: string;
  /** Rows per transaction (each row also has its own savepoint). */
  batchSize?: number;
}

interface SchoolState {
  id: number;
  status: SchoolStatus;
  /** The school's memberships of imported (GIAS) groups, active and ended. */
  memberships: { id: number; groupId: number; groupKind: GroupKind; joinedOn: string; leftOn: string | null }[];
}

interface GroupState {
  id: number;
  name: string;
}

const SCHOOL_COLUMNS = [
  'name',
  'phase',
  'establishment_type',
  'status',
  'nation',
  'la_code',
  'la_name',
  'region',
  'constituency',
  'urban_rural',
  'latitude',
  'longitude',
  'pupils_on_roll',
  'percent_fsm',
  'opened_on',
  'closed_on',
] as const;

/**
 * Pupils and % FSM belong to the school census importer: School.percentFsm is the census's "FSM at any
 * time in six years" (PNUMFSMEVER), while GIAS's PercentageFSM is "eligible now", and its pupil count
 * is an older census's. So GIAS only fills them where Trellis holds none, and re-importing an extract
 * never undoes a newer census.
 */
const CENSUS_OWNED = new Set<string>(['pupils_on_roll', 'percent_fsm']);

const newValue = (column: string) => (CENSUS_OWNED.has(column) ? `coalesce(school.${column}, excluded.${column})` : `excluded.${column}`);

const UPSERT_SCHOOL = `
  insert into school (urn, ${SCHOOL_COLUMNS.join(', ')}, created_at, updated_at)
  values (?, ${SCHOOL_COLUMNS.map(() => '?').join(', ')}, now(), now())
  on conflict (urn) do update set ${SCHOOL_COLUMNS.map((c) => `${c} = ${newValue(c)}`).join(', ')}, updated_at = now()
  where (${SCHOOL_COLUMNS.map((c) => `school.${c}`).join(', ')}) is distinct from (${SCHOOL_COLUMNS.map(newValue).join(', ')})
  returning id, (xmax = 0) as inserted`;

function schoolValues(school: Establishment): unknown[] {
  return [
    school.urn,
    school.name,
    school.phase,
    school.establishmentType,
    school.status,
    school.nation,
    school.laCode,
    school.laName,
    school.region,
    school.constituency,
    school.urbanRural,
    school.latitude,
    school.longitude,
    school.pupilsOnRoll,
    school.percentFsm,
    school.openedOn,
    school.closedOn,
  ];
}

const laterOf = (a: string, b: string) => (a > b ? a : b);

export const GIAS_FILE: CsvShape = {
  kind: 'a GIAS establishment extract',
  required: ['URN', 'EstablishmentName', 'TypeOfEstablishment (name)', 'EstablishmentStatus (name)', 'PhaseOfEducation (name)'],
  trailingFieldsBeyondHeader: true,
};

/**
 * Imports a GIAS establishment extract: upserts schools by URN, creates the trusts and federations
 * they name, and keeps each school's memberships of those groups in step with the extract. A school
 * the extract shows newly closed has its open alerts resolved (the `school.closed` event).
 *
 * Rows are validated first (nothing touches the database for a bad row): the URN, then whether it
 * came before, then the rest. Valid rows are written in transactions of `batchSize` rows, each row
 * inside its own savepoint: a row the database refuses (say, a federation that clashes with one
 * recorded by hand) rolls back to its savepoint, whole, and is reported, while the rest of the batch
 * commits. Lookups (schools, groups, memberships) are made once per batch. GIAS extracts are a few
 * thousand rows per authority, so this row-at-a-time path takes well under a second per 500 rows
 * and keeps each row's school, groups and memberships together.
 */
export async function importGiasEstablishments(orm: MikroORM, source: CsvSource, options: GiasImportOptions = {}): Promise<ImportReport> {
  const label = sourceLabel(source);
  const report = new ReportBuilder('gias', label);
  const extractDate = options.extractDate ?? extractDateFromName(label) ?? new Date().toISOString().slice(0, 10);
  report.note('extractDate', extractDate);
  report.related('groups', 'created', 0);
  report.related('memberships', 'created', 0);
  const file = await readCsvFile(source, GIAS_FILE);
  report.read(file);
  const seen = new Map<number, number>();
  const valid: { line: number; school: Establishment }[] = [];
  for (const { line, values } of file.rows) {
    report.row();
    let id: number | undefined;
    try {
      id = urn(values, 'URN');
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        report.skip({ line, urn: id, code: 'duplicate', field: 'URN', reason: `URN: ${id} already read on line ${earlier}` });
        continue;
      }
      seen.set(id, line);
      valid.push({ line, school: readEstablishment(values) });
    } catch (error) {
      if (!(error instanceof InvalidValue)) throw error;
      report.skip({ line, code: 'invalid_value', field: error.column, reason: error.message, urn: id });
    }
  }
  // Groups are counted once per import, the first time a row names them.
  const groupsCounted = new Set<string>();

  await importSession(orm, options, report, async (batch) => {
    for (const rows of chunks(valid, options.batchSize ?? 250)) {
      await batch(async (tx) => {
        const schools = await loadSchools(
          tx,
          rows.map((row) => row.school.urn),
        );
        const groups = await loadGroups(tx, [...new Set(rows.flatMap((row) => row.school.groups.map((group) => group.sourceKey)))]);
        for (const { line, school } of rows) {
          try {
            const { outcome, createdGroups } = await tx.transactional((sp) =>
              writeEstablishment(sp, school, schools, groups, extractDate, report, groupsCounted),
            );
            for (const [key, group] of createdGroups) groups.set(key, group);
            report.count(outcome);
          } catch (error) {
            report.skip({ line, urn: school.urn, code: 'rejected_by_database', reason: databaseRefusal(error) });
          }
        }
      });
    }
  });
  return report.finish();
}

async function loadSchools(em: EntityManager, urns: number[]): Promise<Map<number, SchoolState>> {
  const states = new Map<number, SchoolState>();
  if (!urns.length) return states;
  const rows: { id: number; urn: number; status: SchoolStatus }[] = await em.execute(
    `select id, urn, status from school where urn in (?)`,
    [urns],
  );
  const byId = new Map<number, SchoolState>();
  for (const row of rows) {
    const state: SchoolState = { id: row.id, status: row.status, memberships: [] };
    states.set(row.urn, state);
    byId.set(row.id, state);
  }
  if (!rows.length) return states;
  const ids = [...byId.keys()];
  const memberships: {
    id: number;
    school_id: number;
    group_id: number;
    group_kind: GroupKind;
    joined_on: string;
    left_on: string | null;
  }[] = await em.execute(
    `select m.id, m.school_id, m.group_id, m.group_kind, m.joined_on::text, m.left_on::text
       from membership m join school_group g on g.id = m.group_id
       where m.school_id in (?) and g.source_key like 'gias:%'`,
    [ids],
  );
  for (const m of memberships) {
    byId
      .get(m.school_id)!
      .memberships.push({ id: m.id, groupId: m.group_id, groupKind: m.group_kind, joinedOn: m.joined_on, leftOn: m.left_on });
  }
  return states;
}

async function loadGroups(em: EntityManager, keys: string[]): Promise<Map<string, GroupState>> {
  const groups = new Map<string, GroupState>();
  if (!keys.length) return groups;
  const rows: { id: number; name: string; source_key: string }[] = await em.execute(
    `select id, name, source_key from school_group where source_key in (?)`,
    [keys],
  );
  for (const row of rows) groups.set(row.source_key, { id: row.id, name: row.name });
  return groups;
}

/** Writes one school, its groups and memberships. Runs inside the row's savepoint. */
async function writeEstablishment(
  em: EntityManager,
  school: Establishment,
  schools: Map<number, SchoolState>,
  groups: Map<string, GroupState>,
  extractDate: string,
  report: ReportBuilder,
  groupsCounted: Set<string>,
): Promise<{ outcome: RowOutcome; createdGroups: Map<string, GroupState> }> {
  const [written]: { id: number; inserted: boolean }[] = await em.execute(UPSERT_SCHOOL, schoolValues(school));
  let state = schools.get(school.urn);
  let outcome: RowOutcome = written ? (written.inserted ? 'created' : 'updated') : 'unchanged';
  if (!state) {
    state = { id: written.id, status: school.status, memberships: [] };
  }
  const pending = {
    groups: new Map<string, GroupState>(),
    related: [] as [string, 'created' | 'updated' | 'ended' | 'unchanged'][],
    counted: [] as string[],
  };
  if (school.status === SchoolStatus.CLOSED && state.status !== SchoolStatus.CLOSED) {
    await publish(em, { type: 'school.closed', schoolId: state.id, closedOn: school.closedOn ?? extractDate, source: 'GIAS' });
  }

  // A closed school is in no group from its close date on; an open one is in exactly those its row names.
  const wanted = school.status === SchoolStatus.CLOSED ? [] : school.groups;
  const wantedIds = new Map<number, GroupRef>();
  for (const ref of wanted) {
    let group = groups.get(ref.sourceKey) ?? pending.groups.get(ref.sourceKey);
    if (!group) {
      const [row]: { id: number }[] = await em.execute(
        `insert into school_group (name, kind, status, source_key, created_at, updated_at) values (?, ?, 'open', ?, now(), now())
         on conflict (source_key) do update set name = excluded.name returning id`,
        [ref.name, ref.kind, ref.sourceKey],
      );
      group = { id: row.id, name: ref.name };
      pending.groups.set(ref.sourceKey, group);
      pending.related.push(['groups', 'created']);
      pending.counted.push(ref.sourceKey);
    } else if (group.name !== ref.name) {
      // Keyed by GIAS UID: the group was renamed.
      await em.execute(`update school_group set name = ?, updated_at = now() where id = ?`, [ref.name, group.id]);
      group = { ...group, name: ref.name };
      pending.groups.set(ref.sourceKey, group);
      pending.related.push(['groups', 'updated']);
      pending.counted.push(ref.sourceKey);
    } else if (!groupsCounted.has(ref.sourceKey) && !pending.counted.includes(ref.sourceKey)) {
      pending.related.push(['groups', 'unchanged']);
      pending.counted.push(ref.sourceKey);
    }
    wantedIds.set(group.id, ref);
  }

  const active = state.memberships.filter((m) => m.leftOn === null);
  const memberships = state.memberships.map((m) => ({ ...m }));
  // Leaving first, so a school that moved from one federation to another never holds two at once.
  for (const membership of active) {
    if (wantedIds.has(membership.groupId)) continue;
    // The newer extract no longer lists the group: the school had left by its date (or by its close date).
    const leftOn = laterOf(membership.joinedOn, school.closedOn && school.closedOn < extractDate ? school.closedOn : extractDate);
    await em.execute(`update membership set left_on = ? where id = ?`, [leftOn, membership.id]);
    await publish(em, { type: 'membership.ended', schoolId: state.id, groupId: membership.groupId });
    memberships.find((m) => m.id === membership.id)!.leftOn = leftOn;
    pending.related.push(['memberships', 'ended']);
  }
  for (const [groupId, ref] of wantedIds) {
    if (active.some((m) => m.groupId === groupId)) {
      pending.related.push(['memberships', 'unchanged']);
      continue;
    }
    // joinedOn is NOT NULL but GIAS gives no joining date. An academy opens into its trust, so its
    // OpenDate is the joining date; for anything else the best the data offers is the extract's date
    // (the school was a member by then). Never before it left an earlier group of the same kind, so
    // the history stays free of overlaps.
    let joinedOn = ACADEMY_TYPES.has(school.establishmentType) && school.openedOn ? school.openedOn : extractDate;
    for (const m of memberships) {
      if ((m.groupKind === ref.kind || m.groupId === groupId) && m.leftOn) joinedOn = laterOf(joinedOn, m.leftOn);
    }
    const [row]: { id: number }[] = await em.execute(
      `insert into membership (school_id, group_id, group_kind, role, joined_on) values (?, ?, ?, 'member', ?) returning id`,
      [state.id, groupId, ref.kind, joinedOn],
    );
    memberships.push({ id: row.id, groupId, groupKind: ref.kind, joinedOn, leftOn: null });
    pending.related.push(['memberships', 'created']);
  }

  if (outcome === 'unchanged' && pending.related.some(([name, field]) => name === 'memberships' && field !== 'unchanged'))
    outcome = 'updated';
  // Only now that every statement of the row has run is the shared state brought up to date; if the
  // savepoint rolls back, the throw above skips this and the batch's view stays true.
  schools.set(school.urn, { id: state.id, status: school.status, memberships });
  for (const [name, field] of pending.related) report.related(name, field);
  for (const key of pending.counted) groupsCounted.add(key);
  return { outcome, createdGroups: pending.groups };
}
