import type { MikroORM } from '@mikro-orm/postgresql';
import { AppointingBody, GovernanceRole, GoverningBodyKind } from '../governance/governance.enums';
import { GroupFormation, GroupKind, GroupLinkKind, GroupStatus, MembershipRole } from '../groups/group.enums';
import { StaffRole } from '../people/people.enums';
import { EstablishmentType, Nation, Phase, SchoolLinkReason, SchoolStatus, UrbanRural } from '../schools/school.enums';
import { SupportArea } from '../support/support.enums';
import {
  add,
  Dataset,
  DATASET_TABLES,
  DatasetCounts,
  emptyDataset,
  inTransaction,
  lockDatasetTables,
  SchoolRow,
  writeDataset,
} from './dataset';
import { FIRST_NAMES, LAST_NAMES, NAME_ENDINGS, NAME_STEMS, SAINTS, TRUST_SUFFIXES, TRUST_WORDS } from './names';
import { ENGLAND_BOUNDS, ENGLISH_LOCAL_AUTHORITIES, LaKind, LocalAuthorityPlace, SPREAD_KM } from './places';
import { addDays, clamp, Rng, utcDay } from './random';
import { EvidenceSeedResult, seedEnglandEvidence } from './england-evidence';

export const ENGLAND_SEED = 24_000;

/** Open schools by phase at scale 1, close to England's state-funded mix (GIAS, 2024). */
const PHASE_COUNTS: [Phase, number][] = [
  [Phase.PRIMARY, 16_800],
  [Phase.SECONDARY, 3_450],
  [Phase.SPECIAL, 1_050],
  [Phase.NURSERY, 400],
  [Phase.ALTERNATIVE_PROVISION, 350],
  [Phase.ALL_THROUGH, 200],
  [Phase.MIDDLE, 110],
  [Phase.SIXTEEN_PLUS, 240],
];
/** Closed maintained schools that converted to academies: history (predecessor links), bringing the total to 24,000. */
const CLOSED_PREDECESSORS = 1_400;
const TRUSTS = 2_500;
const SINGLE_ACADEMY_TRUSTS = 800;
const FEDERATIONS = 300;
const CLUSTERS = 1_500;
const TEACHING_SCHOOL_HUBS = 87;
const SUPPORT_LINKS = 8_000;

const {
  COMMUNITY_SCHOOL,
  VOLUNTARY_AIDED_SCHOOL,
  VOLUNTARY_CONTROLLED_SCHOOL,
  FOUNDATION_SCHOOL,
  ACADEMY_CONVERTER,
  ACADEMY_SPONSOR_LED,
  FREE_SCHOOL,
} = EstablishmentType;

/** Establishment types by phase, weighted roughly as in England (about 46% of schools are academies). */
const TYPES_BY_PHASE: Record<Phase, [EstablishmentType, number][]> = {
  [Phase.PRIMARY]: [
    [COMMUNITY_SCHOOL, 30],
    [VOLUNTARY_AIDED_SCHOOL, 13],
    [VOLUNTARY_CONTROLLED_SCHOOL, 12],
    [FOUNDATION_SCHOOL, 5],
    [ACADEMY_CONVERTER, 30],
    [ACADEMY_SPONSOR_LED, 8],
    [FREE_SCHOOL, 2],
  ],
  [Phase.SECONDARY]: [
    [COMMUNITY_SCHOOL, 9],
    [VOLUNTARY_AIDED_SCHOOL, 5],
    [FOUNDATION_SCHOOL, 6],
    [ACADEMY_CONVERTER, 55],
    [ACADEMY_SPONSOR_LED, 20],
    [FREE_SCHOOL, 5],
  ],
  [Phase.SPECIAL]: [
    [EstablishmentType.COMMUNITY_SPECIAL_SCHOOL, 45],
    [EstablishmentType.FOUNDATION_SPECIAL_SCHOOL, 5],
    [EstablishmentType.ACADEMY_SPECIAL, 45],
    [EstablishmentType.FREE_SCHOOL_SPECIAL, 5],
  ],
  [Phase.NURSERY]: [[EstablishmentType.LOCAL_AUTHORITY_NURSERY_SCHOOL, 1]],
  [Phase.ALTERNATIVE_PROVISION]: [
    [EstablishmentType.PUPIL_REFERRAL_UNIT, 55],
    [EstablishmentType.ACADEMY_ALTERNATIVE_PROVISION, 35],
    [EstablishmentType.FREE_SCHOOL_ALTERNATIVE_PROVISION, 10],
  ],
  [Phase.ALL_THROUGH]: [
    [COMMUNITY_SCHOOL, 15],
    [ACADEMY_CONVERTER, 45],
    [ACADEMY_SPONSOR_LED, 15],
    [FREE_SCHOOL, 25],
  ],
  [Phase.MIDDLE]: [
    [COMMUNITY_SCHOOL, 40],
    [VOLUNTARY_CONTROLLED_SCHOOL, 10],
    [ACADEMY_CONVERTER, 50],
  ],
  [Phase.SIXTEEN_PLUS]: [
    [EstablishmentType.SIXTH_FORM_CENTRE, 40],
    [EstablishmentType.UNIVERSITY_TECHNICAL_COLLEGE, 35],
    [EstablishmentType.STUDIO_SCHOOL, 25],
  ],
};

const ACADEMY_TYPES = new Set<EstablishmentType>([
  ACADEMY_CONVERTER,
  ACADEMY_SPONSOR_LED,
  FREE_SCHOOL,
  EstablishmentType.ACADEMY_SPECIAL,
  EstablishmentType.FREE_SCHOOL_SPECIAL,
  EstablishmentType.ACADEMY_ALTERNATIVE_PROVISION,
  EstablishmentType.FREE_SCHOOL_ALTERNATIVE_PROVISION,
  EstablishmentType.UNIVERSITY_TECHNICAL_COLLEGE,
  EstablishmentType.STUDIO_SCHOOL,
  EstablishmentType.SIXTH_FORM_CENTRE,
]);

/** Pupils on roll by phase: [mean, sd, min, max]. */
const ROLL: Record<Phase, [number, number, number, number]> = {
  [Phase.PRIMARY]: [290, 130, 15, 900],
  [Phase.SECONDARY]: [1050, 330, 250, 2400],
  [Phase.SPECIAL]: [120, 55, 15, 400],
  [Phase.NURSERY]: [95, 35, 20, 220],
  [Phase.ALTERNATIVE_PROVISION]: [55, 30, 5, 200],
  [Phase.ALL_THROUGH]: [1350, 400, 300, 2800],
  [Phase.MIDDLE]: [480, 150, 150, 1000],
  [Phase.SIXTEEN_PLUS]: [320, 150, 60, 1200],
};

const URBAN_RURAL_BY_KIND: Record<LaKind, [UrbanRural, number][]> = {
  london: [[UrbanRural.URBAN_MAJOR_CONURBATION, 1]],
  metropolitan: [
    [UrbanRural.URBAN_MAJOR_CONURBATION, 70],
    [UrbanRural.URBAN_MINOR_CONURBATION, 15],
    [UrbanRural.RURAL_TOWN_AND_FRINGE, 10],
    [UrbanRural.RURAL_VILLAGE, 5],
  ],
  unitary: [
    [UrbanRural.URBAN_CITY_AND_TOWN, 65],
    [UrbanRural.RURAL_TOWN_AND_FRINGE, 15],
    [UrbanRural.RURAL_VILLAGE, 15],
    [UrbanRural.RURAL_HAMLET, 5],
  ],
  county: [
    [UrbanRural.URBAN_CITY_AND_TOWN, 40],
    [UrbanRural.URBAN_CITY_AND_TOWN_SPARSE, 3],
    [UrbanRural.RURAL_TOWN_AND_FRINGE, 20],
    [UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE, 4],
    [UrbanRural.RURAL_VILLAGE, 22],
    [UrbanRural.RURAL_VILLAGE_SPARSE, 6],
    [UrbanRural.RURAL_HAMLET, 4],
    [UrbanRural.RURAL_HAMLET_SPARSE, 1],
  ],
};

export interface EnglandOptions {
  /** 1 for England's size (about 24,000 schools); 0.01 for a quick test. */
  scale?: number;
  /** Truncate the data set's tables first; without it a database with schools is refused. */
  replace?: boolean;
  /** Dates are relative to this day (default: today, UTC), as in the demo. */
  today?: Date;
}

const scaled = (count: number, scale: number, min = 1) => Math.max(min, Math.round(count * scale));

/** Builds the England-size data set in memory from a fixed seed (about 2 s at scale 1). */
export function buildEngland(options: EnglandOptions = {}): Dataset {
  const scale = options.scale ?? 1;
  const today = utcDay(options.today);
  const day = (offset: number) => addDays(today, offset);
  const daysAgo = (days: number) => day(-Math.round(days));
  const rng = new Rng(ENGLAND_SEED);
  const data = emptyDataset();

  // --- schools ----------------------------------------------------------------------------------
  const laWeights = ENGLISH_LOCAL_AUTHORITIES.map((la) => [la, la.schools] as const);
  const constituencies = (la: LocalAuthorityPlace, lat: number, lon: number): string => {
    if (la.schools < 90) return la.name;
    const ns = lat >= la.lat ? 'North' : 'South';
    if (la.schools < 250) return `${la.name} ${ns}`;
    return `${la.name} ${ns} ${lon >= la.lon ? 'East' : 'West'}`;
  };
  const stem = () => `${rng.pick(NAME_STEMS)}${rng.pick(NAME_ENDINGS)}`;
  const schoolName = (phase: Phase, type: EstablishmentType, la: LocalAuthorityPlace): string => {
    const academy = ACADEMY_TYPES.has(type);
    switch (phase) {
      case Phase.PRIMARY:
        if (type === VOLUNTARY_AIDED_SCHOOL) return `${rng.pick(SAINTS)} ${rng.pick(['Catholic', 'Church of England'])} Primary School`;
        if (type === VOLUNTARY_CONTROLLED_SCHOOL) return `${rng.pick(SAINTS)} CofE Primary School`;
        return `${stem()} ${academy ? rng.pick(['Primary Academy', 'Primary School']) : rng.pick(['Primary School', 'Infant School', 'Junior School', 'Community Primary School'])}`;
      case Phase.SECONDARY:
        if (type === VOLUNTARY_AIDED_SCHOOL) return `${rng.pick(SAINTS)} Catholic High School`;
        return `${rng.chance(0.2) ? `${la.name} ` : ''}${stem()} ${academy ? rng.pick(['Academy', 'School', 'College']) : rng.pick(['School', 'High School', 'Community College'])}`;
      case Phase.SPECIAL:
        return `${stem()} ${rng.pick(['School', 'Special School', 'Academy'])}`;
      case Phase.NURSERY:
        return `${stem()} Nursery School`;
      case Phase.ALTERNATIVE_PROVISION:
        return `${la.name} ${rng.pick(['Pupil Referral Unit', 'Short Stay School', 'Alternative Provision Academy', 'Learning Centre'])}`;
      case Phase.ALL_THROUGH:
        return `${stem()} ${academy ? 'All-Through Academy' : 'All-Through School'}`;
      case Phase.MIDDLE:
        return `${stem()} Middle School`;
      default:
        return type === EstablishmentType.UNIVERSITY_TECHNICAL_COLLEGE
          ? `${la.name} UTC`
          : type === EstablishmentType.STUDIO_SCHOOL
            ? `${stem()} Studio School`
            : `${stem()} Sixth Form College`;
    }
  };

  let maintainedUrn = 100_000;
  let academyUrn = 136_000;
  const laOf: LocalAuthorityPlace[] = [];
  for (const [phase, count] of PHASE_COUNTS) {
    for (let i = 0, n = scaled(count, scale); i < n; i++) {
      const la = rng.weighted(laWeights);
      const type = rng.weighted(TYPES_BY_PHASE[phase]);
      const academy = ACADEMY_TYPES.has(type);
      const spreadKm = SPREAD_KM[la.kind];
      const lat = clamp(la.lat + rng.normal(0, spreadKm / 111), ENGLAND_BOUNDS.south, ENGLAND_BOUNDS.north);
      const lon = clamp(
        la.lon + rng.normal(0, spreadKm / (111 * Math.cos((la.lat * Math.PI) / 180))),
        ENGLAND_BOUNDS.west,
        ENGLAND_BOUNDS.east,
      );
      const [mean, sd, min, max] = ROLL[phase];
      const urbanRural = rng.weighted(URBAN_RURAL_BY_KIND[la.kind]);
      // Rural schools are smaller; disadvantage varies around the authority's typical level.
      const rollFactor = urbanRural.startsWith('rural') ? 0.6 : 1;
      add(data.schools, {
        urn: academy ? (academyUrn += rng.int(1, 2)) : (maintainedUrn += rng.int(1, 2)),
        name: schoolName(phase, type, la),
        phase,
        establishmentType: type,
        status: SchoolStatus.OPEN,
        nation: Nation.ENGLAND,
        laCode: la.code,
        laName: la.name,
        region: la.region,
        constituency: constituencies(la, lat, lon),
        urbanRural,
        latitude: Number(lat.toFixed(5)),
        longitude: Number(lon.toFixed(5)),
        pupilsOnRoll: Math.round(clamp(rng.normal(mean * rollFactor, sd * rollFactor), min, max)),
        percentFsm: Number(clamp(rng.normal(la.fsm, la.fsm * 0.45), 0.5, 85).toFixed(1)),
        openedOn: academy ? daysAgo(rng.int(60, 13 * 365)) : null,
        closedOn: null,
      });
      laOf.push(la);
    }
  }
  const openSchools = data.schools.length;

  // Schools in a spatial order (region, authority, 10 km bands, west to east): neighbours in this
  // order are near each other, so trusts, federations and clusters cut from runs of it are local.
  const order = Array.from({ length: openSchools }, (_, i) => i + 1);
  const band = (id: number) => Math.floor(data.schools[id - 1].latitude * 10);
  order.sort((a, b) => {
    const sa = data.schools[a - 1];
    const sb = data.schools[b - 1];
    return sa.region.localeCompare(sb.region) || sa.laCode - sb.laCode || band(a) - band(b) || sa.longitude - sb.longitude;
  });
  const isAcademy = (id: number) => ACADEMY_TYPES.has(data.schools[id - 1].establishmentType);
  const academies = order.filter(isAcademy);
  const maintained = order.filter((id) => !isAcademy(id));

  // --- groups -----------------------------------------------------------------------------------
  const usedGroupNames = new Set<string>();
  const groupName = (make: () => string): string => {
    let name = make();
    for (let n = 2; usedGroupNames.has(name); n++) name = `${make()}${n > 5 ? ` ${n}` : ''}`;
    usedGroupNames.add(name);
    return name;
  };
  const group = (name: string, kind: GroupKind, openedOn: string, formation: GroupFormation | null) =>
    add(data.groups, { name, kind, status: GroupStatus.OPEN, formation, openedOn, closedOn: null });
  const member = (school: number, groupId: number, role: MembershipRole, joinedOn: string, leftOn: string | null = null) =>
    add(data.memberships, { school, group: groupId, groupKind: data.groups[groupId - 1].kind, role, joinedOn, leftOn });

  // Single-academy trusts: mostly secondaries and other standalone academies.
  const satCount = Math.min(scaled(SINGLE_ACADEMY_TRUSTS, scale), Math.floor(academies.length / 4));
  const satSchools = new Set<number>();
  const standalone = academies.filter((id) => data.schools[id - 1].phase !== Phase.PRIMARY);
  for (const id of rng.shuffle([...standalone]).slice(0, Math.round(satCount * 0.6))) satSchools.add(id);
  for (const id of rng.shuffle(academies.filter((id) => !satSchools.has(id)))) {
    if (satSchools.size >= satCount) break;
    satSchools.add(id);
  }
  const trustOf = new Map<number, number>();
  const trustAcademies: number[][] = [];
  const trustName = (la: LocalAuthorityPlace) =>
    groupName(() =>
      rng.chance(0.25)
        ? `${la.name} ${rng.pick(TRUST_SUFFIXES)}`
        : `${rng.chance(0.15) ? 'The ' : ''}${rng.pick(TRUST_WORDS)} ${rng.pick(TRUST_SUFFIXES)}`,
    );
  for (const id of academies.filter((a) => satSchools.has(a))) {
    const school = data.schools[id - 1];
    const trust = group(
      groupName(() => `${school.name} Trust`),
      GroupKind.SINGLE_ACADEMY_TRUST,
      school.openedOn!,
      GroupFormation.SELF_GENERATED,
    );
    member(id, trust, MembershipRole.MEMBER, school.openedOn!);
    trustOf.set(id, trust);
    trustAcademies.push([id]);
  }

  // Multi-academy trusts: sizes from a long-tailed (log-normal) distribution between 2 and 40,
  // rescaled so every remaining academy is in exactly one trust.
  const matSchools = academies.filter((id) => !satSchools.has(id));
  const matCount = Math.max(1, Math.min(scaled(TRUSTS, scale) - satCount, Math.floor(matSchools.length / 2)));
  const raw = Array.from({ length: matCount }, () => clamp(Math.exp(rng.normal(Math.log(4), 0.8)), 2, 40));
  const factor = matSchools.length / raw.reduce((sum, size) => sum + size, 0);
  const sizes = raw.map((size) => clamp(Math.round(size * factor), 2, 40));
  let excess = sizes.reduce((sum, size) => sum + size, 0) - matSchools.length;
  for (let i = 0; excess !== 0; i = (i + 1) % sizes.length) {
    if (excess > 0 && sizes[i] > 2) (sizes[i]--, excess--);
    else if (excess < 0 && sizes[i] < 40) (sizes[i]++, excess++);
  }
  // Trusts are cut from the spatial order after shuffling the sizes, so big trusts land anywhere.
  rng.shuffle(sizes);
  const matIds: number[] = [];
  let cursor = 0;
  for (const size of sizes) {
    const members = matSchools.slice(cursor, cursor + size);
    cursor += size;
    const openedDaysAgo = rng.int(3 * 365, 13 * 365);
    const trust = group(
      trustName(laOf[members[0] - 1]),
      GroupKind.MULTI_ACADEMY_TRUST,
      daysAgo(openedDaysAgo),
      rng.weighted([
        [GroupFormation.SELF_GENERATED, 80],
        [GroupFormation.DIRECTED, 15],
        [GroupFormation.BROKERED_BY_LOCAL_AUTHORITY, 5],
      ]),
    );
    members.forEach((id, i) => {
      const joinedDaysAgo = i === 0 ? openedDaysAgo : rng.int(30, openedDaysAgo);
      data.schools[id - 1].openedOn = daysAgo(joinedDaysAgo);
      member(id, trust, i === 0 ? MembershipRole.LEAD : MembershipRole.MEMBER, daysAgo(joinedDaysAgo));
      trustOf.set(id, trust);
    });
    matIds.push(trust);
    trustAcademies.push(members);
  }

  // History: some academies moved from another trust (left and joined on the same day).
  const movers = new Set<number>();
  for (const [index, trust] of matIds.entries()) {
    const previous = matIds[index > 0 ? index - 1 : index + 1];
    if (previous === undefined || previous === trust) continue;
    const previousOpened = data.groups[previous - 1].openedOn!;
    for (const id of trustAcademies[satSchools.size + index]) {
      const joined = data.schools[id - 1].openedOn!;
      if (!rng.chance(0.05) || joined <= previousOpened) continue;
      member(id, previous, MembershipRole.MEMBER, previousOpened, joined);
      movers.add(id);
    }
  }

  // Closed predecessors: maintained schools that converted, linked to the academy that followed.
  const converters = rng.shuffle(academies.filter((id) => data.schools[id - 1].establishmentType === ACADEMY_CONVERTER && !movers.has(id)));
  for (const id of converters.slice(0, scaled(CLOSED_PREDECESSORS, scale))) {
    const academy = data.schools[id - 1];
    const predecessor = add(data.schools, {
      ...academy,
      urn: (maintainedUrn += rng.int(1, 2)),
      name: academy.name.replace(/ Academy$/, ' School'),
      establishmentType: academy.phase === Phase.PRIMARY ? rng.pick([COMMUNITY_SCHOOL, VOLUNTARY_CONTROLLED_SCHOOL]) : COMMUNITY_SCHOOL,
      status: SchoolStatus.CLOSED,
      openedOn: null,
      closedOn: addDays(new Date(academy.openedOn!), -1),
    } satisfies SchoolRow);
    laOf.push(laOf[id - 1]);
    add(data.schoolLinks, { predecessor, successor: id, reason: SchoolLinkReason.SUCCESSION, linkedOn: academy.openedOn });
  }

  // Federations: runs of 2-4 neighbouring maintained primaries (and nurseries) in one authority.
  const federable = maintained.filter((id) => [Phase.PRIMARY, Phase.NURSERY].includes(data.schools[id - 1].phase));
  const federations: number[][] = [];
  const federated = new Set<number>();
  const federationTarget = scaled(FEDERATIONS, scale);
  const stride = Math.max(4, Math.floor(federable.length / (federationTarget * 1.1)));
  for (let start = rng.int(0, stride - 1); start < federable.length && federations.length < federationTarget; start += stride) {
    const size = rng.weighted([
      [2, 60],
      [3, 30],
      [4, 10],
    ] as const);
    const run = federable
      .slice(start, start + size)
      .filter((id) => data.schools[id - 1].laCode === data.schools[federable[start] - 1].laCode);
    if (run.length < 2) continue;
    const openedDaysAgo = rng.int(365, 12 * 365);
    const names = run.map((id) => data.schools[id - 1].name.replace(/ (Community |Infant |Junior )?(Primary |Nursery )?School$/, ''));
    const fed = group(
      groupName(() => (run.length === 2 ? `The Federation of ${names[0]} and ${names[1]} Schools` : `The ${names[0]} Federation`)),
      GroupKind.FEDERATION,
      daysAgo(openedDaysAgo),
      rng.chance(0.7) ? GroupFormation.SELF_GENERATED : GroupFormation.BROKERED_BY_LOCAL_AUTHORITY,
    );
    for (const id of run) {
      member(id, fed, MembershipRole.MEMBER, daysAgo(openedDaysAgo));
      federated.add(id);
    }
    federations.push([fed, ...run]);
  }

  // Clusters: runs of 5-12 neighbouring schools of any kind; a few members have left (history).
  const clusterTarget = scaled(CLUSTERS, scale);
  const clusterStride = Math.max(6, Math.floor(openSchools / clusterTarget));
  const clusterMembers: number[][] = [];
  let clusterNumber = 0;
  for (let start = 0; start < order.length && clusterMembers.length < clusterTarget; start += clusterStride) {
    const run = order.slice(start, start + rng.int(5, Math.min(12, clusterStride)));
    const la = laOf[run[0] - 1];
    const sameLa = run.filter((id) => laOf[id - 1].code === la.code);
    if (sameLa.length < 3) continue;
    const openedDaysAgo = rng.int(365, 15 * 365);
    clusterNumber += 1;
    const cluster = group(
      groupName(
        () =>
          `${la.name} ${rng.pick(['Schools', 'Learning', 'Primary', 'Education'])} ${rng.pick(['Cluster', 'Partnership', 'Network'])} ${clusterNumber}`,
      ),
      GroupKind.CLUSTER,
      daysAgo(openedDaysAgo),
      rng.weighted([
        [GroupFormation.SELF_GENERATED, 60],
        [GroupFormation.BROKERED_BY_LOCAL_AUTHORITY, 40],
      ]),
    );
    const lead = sameLa.find((id) => data.schools[id - 1].phase === Phase.SECONDARY) ?? sameLa[0];
    for (const id of sameLa) {
      const left = id !== lead && rng.chance(0.05) ? daysAgo(rng.int(30, openedDaysAgo - 1)) : null;
      member(id, cluster, id === lead ? MembershipRole.LEAD : MembershipRole.MEMBER, daysAgo(openedDaysAgo), left);
    }
    clusterMembers.push([cluster, ...sameLa]);
  }

  // Teaching school hubs, spread over the regions, each serving trusts of its region.
  const regions = [...new Set(data.schools.slice(0, openSchools).map((s) => s.region))].sort();
  const hubTarget = scaled(TEACHING_SCHOOL_HUBS, scale);
  const regionSchools = new Map(regions.map((region) => [region, order.filter((id) => data.schools[id - 1].region === region)]));
  for (let h = 0; h < hubTarget; h++) {
    const region = regions[h % regions.length];
    const candidates = (regionSchools.get(region) ?? []).filter((id) => isAcademy(id));
    if (!candidates.length) continue;
    const hubSchool = rng.pick(candidates);
    const opened = daysAgo(rng.int(365, 4 * 365));
    const hub = group(
      groupName(() => `${data.schools[hubSchool - 1].name} Teaching School Hub`),
      GroupKind.TEACHING_SCHOOL_HUB,
      opened,
      GroupFormation.DIRECTED,
    );
    member(hubSchool, hub, MembershipRole.HUB, opened);
    const served = new Set<number>();
    for (let k = 0; k < 15; k++) {
      const trust = trustOf.get(rng.pick(candidates));
      if (trust && !served.has(trust)) served.add(trust);
    }
    for (const trust of served)
      add(data.groupLinks, { from: hub, to: trust, kind: GroupLinkKind.HUB_SERVES, startedOn: opened, endedOn: null });
  }

  // --- people, staff posts and governing bodies ---------------------------------------------------------
  const person = (): number => add(data.people, { fullName: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`, email: null, phone: null });
  const post = (personId: number, role: StaffRole, school: number | null, groupId: number | null, fte: number, startedDaysAgo: number) =>
    add(data.posts, {
      person: personId,
      role,
      school,
      group: groupId,
      fte: Number(fte.toFixed(3)),
      startedOn: daysAgo(startedDaysAgo),
      endedOn: null,
    });
  const body = (name: string, kind: GoverningBodyKind, school: number | null, groupId: number | null) =>
    add(data.governingBodies, { name, kind, school, group: groupId });
  const seat = (personId: number, bodyId: number, role: GovernanceRole, appointingBody: AppointingBody) => {
    // Four-year terms: about 4% end in the next 60 days.
    const startedDaysAgo = rng.chance(0.04) ? 1461 - rng.int(1, 60) : rng.int(1, 1400);
    add(data.governorships, {
      person: personId,
      governingBody: bodyId,
      role,
      appointingBody,
      termStartedOn: daysAgo(startedDaysAgo),
      termEndsOn: day(1461 - startedDaysAgo),
      endedOn: null,
    });
  };
  const formerSeat = (bodyId: number, role: GovernanceRole, appointingBody: AppointingBody) => {
    const startedDaysAgo = rng.int(1500, 3000);
    add(data.governorships, {
      person: person(),
      governingBody: bodyId,
      role,
      appointingBody,
      termStartedOn: daysAgo(startedDaysAgo),
      termEndsOn: day(1461 - startedDaysAgo),
      endedOn: daysAgo(rng.int(30, startedDaysAgo - 365)),
    });
  };
  // A governance professional (clerk) serves about six bodies.
  let clerk = 0;
  let clerkUses = 0;
  const clerkSeat = (bodyId: number) => {
    if (!clerk || clerkUses >= 6) ((clerk = person()), (clerkUses = 0));
    clerkUses += 1;
    seat(
      clerk,
      bodyId,
      GovernanceRole.GOVERNANCE_PROFESSIONAL,
      rng.pick([AppointingBody.BOARD_APPOINTED, AppointingBody.LOCAL_AUTHORITY_NOMINATED]),
    );
  };

  const headOf = new Map<number, number>();
  const federationOf = new Map<number, number[]>();
  for (const [fed, ...schools] of federations) {
    const executive = person();
    const started = rng.int(200, 3000);
    for (const id of schools) {
      federationOf.set(id, [fed, ...schools]);
      post(executive, StaffRole.EXECUTIVE_HEAD, id, null, 1 / schools.length, started);
      const head = person();
      post(head, StaffRole.HEAD_OF_SCHOOL, id, null, 1, rng.int(100, 3000));
      headOf.set(id, executive);
    }
    const gb = body(`${data.groups[fed - 1].name} Governing Board`, GoverningBodyKind.FEDERATION, null, fed);
    seat(person(), gb, GovernanceRole.CHAIR_OF_GOVERNORS, AppointingBody.CO_OPTED);
    seat(executive, gb, GovernanceRole.GOVERNOR, AppointingBody.EX_OFFICIO);
    for (const _ of schools) seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.PARENT_ELECTED);
    seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.STAFF_ELECTED);
    seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.LOCAL_AUTHORITY_NOMINATED);
    for (let i = rng.int(2, 4); i > 0; i--) seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.CO_OPTED);
    if (rng.chance(0.6)) formerSeat(gb, GovernanceRole.GOVERNOR, AppointingBody.PARENT_ELECTED);
    clerkSeat(gb);
    const manager = person();
    for (const id of schools) post(manager, StaffRole.BUSINESS_MANAGER, id, null, 1 / schools.length, started);
  }

  // Heads of every other open school.
  for (let id = 1; id <= openSchools; id++) {
    if (headOf.has(id)) continue;
    const head = person();
    post(head, StaffRole.HEADTEACHER, id, null, 1, rng.int(30, 5000));
    headOf.set(id, head);
  }

  // Maintained schools outside federations: their own governing body.
  for (const id of maintained) {
    if (federated.has(id)) continue;
    const school = data.schools[id - 1];
    const gb = body(`${school.name} Governing Body`, GoverningBodyKind.SCHOOL, id, null);
    seat(person(), gb, GovernanceRole.CHAIR_OF_GOVERNORS, rng.pick([AppointingBody.CO_OPTED, AppointingBody.PARENT_ELECTED]));
    seat(headOf.get(id)!, gb, GovernanceRole.GOVERNOR, AppointingBody.EX_OFFICIO);
    seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.PARENT_ELECTED);
    seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.PARENT_ELECTED);
    seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.STAFF_ELECTED);
    seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.LOCAL_AUTHORITY_NOMINATED);
    const church = school.establishmentType === VOLUNTARY_AIDED_SCHOOL || school.establishmentType === VOLUNTARY_CONTROLLED_SCHOOL;
    if (church)
      for (let i = school.establishmentType === VOLUNTARY_AIDED_SCHOOL ? 3 : 2; i > 0; i--)
        seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.FOUNDATION);
    for (let i = rng.int(1, 3); i > 0; i--) seat(person(), gb, GovernanceRole.GOVERNOR, AppointingBody.CO_OPTED);
    if (rng.chance(0.7)) formerSeat(gb, GovernanceRole.GOVERNOR, rng.pick([AppointingBody.PARENT_ELECTED, AppointingBody.CO_OPTED]));
    clerkSeat(gb);
  }

  // Trusts: a board each; multi-academy trusts also a CEO post on the group, a local committee per
  // academy, and a business manager shared by groups of up to six academies.
  for (const members of trustAcademies) {
    const trust = trustOf.get(members[0])!;
    const multi = data.groups[trust - 1].kind === GroupKind.MULTI_ACADEMY_TRUST;
    const name = data.groups[trust - 1].name;
    const board = body(`${name} Board of Trustees`, GoverningBodyKind.TRUST_BOARD, null, trust);
    let accountingOfficer = headOf.get(members[0])!;
    if (multi) {
      accountingOfficer = person();
      post(accountingOfficer, StaffRole.CEO, null, trust, 1, rng.int(100, 3000));
    }
    for (let i = 3; i > 0; i--)
      seat(person(), board, GovernanceRole.MEMBER, rng.pick([AppointingBody.FOUNDATION, AppointingBody.TRUST_MEMBERS]));
    seat(person(), board, GovernanceRole.CHAIR_OF_TRUSTEES, AppointingBody.TRUST_MEMBERS);
    const trustees = Array.from({ length: rng.int(5, 8) }, () => person());
    for (const trustee of trustees)
      seat(
        trustee,
        board,
        GovernanceRole.TRUSTEE,
        rng.pick([AppointingBody.TRUST_MEMBERS, AppointingBody.BOARD_APPOINTED, AppointingBody.CO_OPTED]),
      );
    seat(accountingOfficer, board, GovernanceRole.ACCOUNTING_OFFICER, AppointingBody.EX_OFFICIO);
    seat(person(), board, GovernanceRole.CHIEF_FINANCIAL_OFFICER, AppointingBody.BOARD_APPOINTED);
    if (rng.chance(0.8)) formerSeat(board, GovernanceRole.TRUSTEE, AppointingBody.TRUST_MEMBERS);
    clerkSeat(board);
    if (!multi) continue;
    for (let i = 0; i < members.length; i += 6) {
      const share = members.slice(i, i + 6);
      const manager = person();
      for (const id of share) post(manager, StaffRole.BUSINESS_MANAGER, id, null, 1 / share.length, rng.int(100, 2000));
    }
    members.forEach((id, i) => {
      const lc = body(`${data.schools[id - 1].name} Local Governing Committee`, GoverningBodyKind.LOCAL_COMMITTEE, id, trust);
      // A trustee chairs one local committee in each trust: one person on two bodies.
      seat(i === 0 ? trustees[0] : person(), lc, GovernanceRole.CHAIR_OF_LOCAL_GOVERNING_BODY, AppointingBody.BOARD_APPOINTED);
      seat(headOf.get(id)!, lc, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.EX_OFFICIO);
      seat(person(), lc, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.PARENT_ELECTED);
      seat(person(), lc, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.PARENT_ELECTED);
      seat(person(), lc, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.STAFF_ELECTED);
      for (let k = rng.int(1, 4); k > 0; k--) seat(person(), lc, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.BOARD_APPOINTED);
      if (rng.chance(0.6)) formerSeat(lc, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.PARENT_ELECTED);
      clerkSeat(lc);
    });
  }

  // SENCOs (small neighbouring primaries share one), deputies in large schools.
  for (let k = 0; k < order.length; k++) {
    const id = order[k];
    const school = data.schools[id - 1];
    const next = order[k + 1];
    const small = (s: SchoolRow) => s.phase === Phase.PRIMARY && (s.pupilsOnRoll ?? 0) < 150;
    if (next && small(school) && small(data.schools[next - 1]) && school.laCode === data.schools[next - 1].laCode && rng.chance(0.5)) {
      const senco = person();
      post(senco, StaffRole.SENCO, id, null, 0.5, rng.int(100, 2000));
      post(senco, StaffRole.SENCO, next, null, 0.5, rng.int(100, 2000));
      k += 1;
      continue;
    }
    post(person(), StaffRole.SENCO, id, null, rng.pick([0.4, 0.5, 0.6, 0.8, 1]), rng.int(30, 3000));
    if ((school.pupilsOnRoll ?? 0) > 400) post(person(), StaffRole.DEPUTY_HEAD, id, null, 1, rng.int(30, 3000));
  }

  // --- support links ---------------------------------------------------------------------------------------
  const areas = Object.values(SupportArea).filter((area) => area !== SupportArea.WELSH_LANGUAGE);
  const supportTarget = scaled(SUPPORT_LINKS, scale);
  const multiTrusts = trustAcademies.filter((members) => members.length > 1);
  for (let k = 0; k < supportTarget; k++) {
    let giver: number;
    let receiver: number;
    let groupId: number | null = null;
    const roll = rng.next();
    if (roll < 0.6 && multiTrusts.length) {
      const members = rng.pick(multiTrusts);
      [giver, receiver] = rng.shuffle([...members]).slice(0, 2);
      groupId = trustOf.get(giver)!;
    } else if (roll < 0.85 && clusterMembers.length) {
      const [cluster, ...members] = rng.pick(clusterMembers);
      [giver, receiver] = rng.shuffle([...members]).slice(0, 2);
      groupId = cluster;
    } else {
      const at = rng.int(0, order.length - 2);
      [giver, receiver] = [order[at], order[at + 1]];
    }
    const committed = rng.int(2, 40);
    const startedDaysAgo = rng.int(10, 900);
    const delivered = startedDaysAgo > 365 ? committed * rng.pick([0.5, 0.8, 1, 1]) : committed * rng.next();
    add(data.supportLinks, {
      giver,
      receiver,
      group: groupId,
      area: rng.pick(areas),
      staffDaysCommitted: committed,
      staffDaysDelivered: Math.round(delivered * 2) / 2,
      startedOn: daysAgo(startedDaysAgo),
      endsOn: day(365 - startedDaysAgo),
      description: null,
    });
  }
  return data;
}

export class SeedRefused extends Error {}

export interface SeedResult {
  counts: DatasetCounts;
  buildSeconds: number;
  writeSeconds: number;
  /** The evidence step (inspections, measures, bands), run after the schools are written. */
  evidence: EvidenceSeedResult;
}

/**
 * Seeds an England-size data set for benchmarks in one transaction, with set-based inserts
 * (`insert ... select from unnest(...)`). Refuses a database that already has schools unless
 * `replace` is set; then it truncates every table of the data set first (and, by cascade, what
 * refers to them: evidence, alerts, groups' own trigger rules), keeping the system trigger rules.
 */
export async function seedEngland(orm: MikroORM, options: EnglandOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const data = buildEngland(options);
  const built = performance.now();
  const counts = await inTransaction(orm, async (client) => {
    await lockDatasetTables(client);
    const { rows } = await client.query<{ any: boolean }>('select exists (select 1 from school) as any');
    if (rows[0].any) {
      if (!options.replace)
        throw new SeedRefused('The database already has schools: seed England only into an empty database, or pass --replace.');
      // The cascade reaches trigger_rule (a group's own rules reference the group) and would take the
      // system defaults with it, leaving nothing to raise alerts: keep those and put them back, same ids.
      await client.query(`create temporary table kept_system_rules on commit drop as select * from trigger_rule where group_id is null`);
      await client.query(`truncate ${DATASET_TABLES.map((table) => `"${table}"`).join(', ')} restart identity cascade`);
      await client.query(`insert into trigger_rule select * from kept_system_rules`);
      await client.query(`select setval(pg_get_serial_sequence('trigger_rule', 'id'), greatest(1, (select coalesce(max(id), 0) from trigger_rule)))`);
    }
    return writeDataset(client, data);
  });
  // Fresh statistics, so the first benchmark queries get good plans.
  await orm.em.getConnection().execute(`analyze ${DATASET_TABLES.map((table) => `"${table}"`).join(', ')}`);
  const writeSeconds = (performance.now() - built) / 1000;
  // A separate step: inspections and outcome measures for every open school, then performance bands.
  const evidence = await seedEnglandEvidence(orm, { today: options.today });
  return { counts, buildSeconds: (built - started) / 1000, writeSeconds, evidence };
}
