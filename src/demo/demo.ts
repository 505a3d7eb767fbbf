import { faker } from '@faker-js/faker/locale/en_GB';
import type { MikroORM } from '@mikro-orm/postgresql';
import { AppointingBody, GovernanceRole, GoverningBodyKind, NOT_SEATS } from '../governance/governance.enums';
import { GroupFormation, GroupKind, GroupLinkKind, GroupStatus, MembershipRole } from '../groups/group.enums';
import { logger } from '../logger';
import { StaffRole } from '../people/people.enums';
import { EstablishmentType, Nation, Phase, SchoolLinkReason, SchoolStatus, UrbanRural } from '../schools/school.enums';
import { SupportArea } from '../support/support.enums';
import { sittingGovernor } from '../core/current';
import { add, Dataset, DatasetCounts, emptyDataset, inTransaction, lockDatasetTables, writeDataset } from './dataset';
import { FIRST_NAMES, LAST_NAMES, NAME_ENDINGS, NAME_STEMS, SAINTS } from './names';
import { addDays, utcDay } from './random';

/** The demo's faker seed: the same seed gives the same schools, groups and people on every start. */
export const DEMO_SEED = 20_261_123;

interface Town {
  name: string;
  lat: number;
  lon: number;
  constituency: string;
  urbanRural: UrbanRural;
}

interface Area {
  laCode: number;
  laName: string;
  region: string;
  nation: Nation;
  towns: Record<string, Town>;
}

const t = (name: string, lat: number, lon: number, constituency: string, urbanRural: UrbanRural): [string, Town] => [
  name,
  { name, lat, lon, constituency, urbanRural },
];

const HAMPSHIRE: Area = {
  laCode: 850,
  laName: 'Hampshire',
  region: 'South East',
  nation: Nation.ENGLAND,
  towns: Object.fromEntries([
    t('Winchester', 51.063, -1.308, 'Winchester', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Basingstoke', 51.266, -1.087, 'Basingstoke', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Andover', 51.211, -1.492, 'North West Hampshire', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Stockbridge', 51.113, -1.491, 'North West Hampshire', UrbanRural.RURAL_VILLAGE),
    t('Whitchurch', 51.23, -1.338, 'North West Hampshire', UrbanRural.RURAL_TOWN_AND_FRINGE),
    t('Eastleigh', 50.967, -1.35, 'Eastleigh', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Fareham', 50.852, -1.179, 'Fareham and Waterlooville', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Gosport', 50.795, -1.124, 'Gosport', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Totton', 50.918, -1.49, 'New Forest East', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Petersfield', 51.004, -0.938, 'East Hampshire', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Alton', 51.149, -0.974, 'East Hampshire', UrbanRural.URBAN_CITY_AND_TOWN),
    t("Bishop's Waltham", 50.955, -1.212, 'Hamble Valley', UrbanRural.RURAL_TOWN_AND_FRINGE),
    t('Romsey', 50.989, -1.5, 'Romsey and Southampton North', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Ringwood', 50.846, -1.79, 'New Forest West', UrbanRural.RURAL_TOWN_AND_FRINGE),
    t('New Milton', 50.756, -1.658, 'New Forest West', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Lymington', 50.758, -1.541, 'New Forest West', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Fleet', 51.283, -0.842, 'Aldershot', UrbanRural.URBAN_CITY_AND_TOWN),
    t('Hook', 51.28, -0.963, 'North East Hampshire', UrbanRural.RURAL_TOWN_AND_FRINGE),
    t('Odiham', 51.254, -0.94, 'North East Hampshire', UrbanRural.RURAL_TOWN_AND_FRINGE),
    t('Havant', 50.856, -0.98, 'Havant', UrbanRural.URBAN_CITY_AND_TOWN),
  ]),
};

const POWYS: Area = {
  laCode: 666,
  laName: 'Powys',
  region: 'Wales',
  nation: Nation.WALES,
  towns: Object.fromEntries([
    t('Brecon', 51.946, -3.39, 'Brecon, Radnor and Cwm Tawe', UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE),
    t('Crickhowell', 51.86, -3.137, 'Brecon, Radnor and Cwm Tawe', UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE),
    t('Hay-on-Wye', 52.074, -3.126, 'Brecon, Radnor and Cwm Tawe', UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE),
    t('Builth Wells', 52.149, -3.403, 'Brecon, Radnor and Cwm Tawe', UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE),
    t('Llandrindod Wells', 52.242, -3.379, 'Brecon, Radnor and Cwm Tawe', UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE),
    t('Ystradgynlais', 51.78, -3.75, 'Brecon, Radnor and Cwm Tawe', UrbanRural.RURAL_TOWN_AND_FRINGE),
    t('Newtown', 52.513, -3.313, 'Montgomeryshire and Glyndŵr', UrbanRural.URBAN_CITY_AND_TOWN_SPARSE),
    t('Welshpool', 52.66, -3.147, 'Montgomeryshire and Glyndŵr', UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE),
    t('Machynlleth', 52.59, -3.85, 'Montgomeryshire and Glyndŵr', UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE),
    t('Llanidloes', 52.449, -3.54, 'Montgomeryshire and Glyndŵr', UrbanRural.RURAL_TOWN_AND_FRINGE_SPARSE),
    t('Llanfyllin', 52.765, -3.273, 'Montgomeryshire and Glyndŵr', UrbanRural.RURAL_VILLAGE_SPARSE),
  ]),
};

const ACADEMY_TYPES = new Set([EstablishmentType.ACADEMY_CONVERTER, EstablishmentType.ACADEMY_SPONSOR_LED, EstablishmentType.FREE_SCHOOL]);

export interface DemoOptions {
  /**
   * The day the demo's dates are relative to (default: today, UTC). Names, URNs and structure come
   * from the seed alone; dates are offsets from this day, so "terms ending in the next 60 days"
   * and "memberships ended two years ago" stay true whenever the demo is loaded.
   */
  today?: Date;
}

/**
 * Builds the demo: 60 schools in Hampshire (850) and Powys (666), with federations, trusts,
 * clusters, a teaching school hub, their governing bodies, governors, staff and support links.
 * Every random choice is drawn from faker seeded with DEMO_SEED, in a fixed order.
 */
export function buildDemo(options: DemoOptions = {}): Dataset {
  const today = utcDay(options.today);
  const day = (offset: number) => addDays(today, offset);
  const yearsAgo = (years: number) => day(-Math.round(years * 365.25));
  faker.seed(DEMO_SEED);
  const data = emptyDataset();
  const usedUrns = new Set<number>();

  // --- schools -------------------------------------------------------------------------------
  const urnFor = (type: EstablishmentType, nation: Nation): number => {
    const [min, max] = nation === Nation.WALES ? [401000, 402999] : ACADEMY_TYPES.has(type) ? [136000, 149999] : [115800, 116999];
    let urn: number;
    do urn = faker.number.int({ min, max });
    while (usedUrns.has(urn));
    usedUrns.add(urn);
    return urn;
  };
  const stemName = () => `${faker.helpers.arrayElement(NAME_STEMS)}${faker.helpers.arrayElement(NAME_ENDINGS)}`;

  const school = (
    area: Area,
    townName: string,
    phase: Phase,
    type: EstablishmentType,
    name?: string,
    extra: { openedYearsAgo?: number } = {},
  ): number => {
    const town = area.towns[townName];
    const welsh = area.nation === Nation.WALES;
    const pupils =
      phase === Phase.SECONDARY
        ? faker.number.int({ min: 650, max: 1650 })
        : phase === Phase.SPECIAL
          ? faker.number.int({ min: 60, max: 180 })
          : phase === Phase.NURSERY
            ? faker.number.int({ min: 50, max: 120 })
            : welsh
              ? faker.number.int({ min: 28, max: 240 })
              : faker.number.int({ min: 90, max: 630 });
    const fsm = faker.number.float({
      min: welsh ? 8 : 4,
      max: town.constituency === 'Gosport' || town.name === 'Havant' ? 42 : 28,
      fractionDigits: 1,
    });
    const spread = town.urbanRural.startsWith('urban') ? 0.02 : 0.05;
    return add(data.schools, {
      urn: urnFor(type, area.nation),
      name: name ?? defaultName(area, town, phase, type),
      phase,
      establishmentType: welsh ? EstablishmentType.WELSH_ESTABLISHMENT : type,
      status: SchoolStatus.OPEN,
      nation: area.nation,
      laCode: area.laCode,
      laName: area.laName,
      region: area.region,
      constituency: town.constituency,
      urbanRural: town.urbanRural,
      latitude: Number((town.lat + faker.number.float({ min: -spread, max: spread })).toFixed(5)),
      longitude: Number((town.lon + faker.number.float({ min: -spread, max: spread })).toFixed(5)),
      pupilsOnRoll: pupils,
      percentFsm: fsm,
      openedOn: extra.openedYearsAgo != null ? yearsAgo(extra.openedYearsAgo) : null,
      closedOn: null,
    });
  };

  const defaultName = (area: Area, town: Town, phase: Phase, type: EstablishmentType): string => {
    if (area.nation === Nation.WALES) {
      if (phase === Phase.SECONDARY) return faker.helpers.arrayElement([`Ysgol Uwchradd ${town.name}`, `${town.name} High School`]);
      return faker.helpers.arrayElement([
        `Ysgol Gynradd ${town.name}`,
        `${town.name} C.P. School`,
        `Ysgol Bro ${faker.helpers.arrayElement(['Hafren', 'Gwy', 'Tawe', 'Dyfi', 'Ithon', 'Irfon', 'Hyddgen'])}`,
        `Ysgol ${faker.helpers.arrayElement(['Penmaes', 'Cradoc', 'Golwg y Cwm', 'Dolafon', 'Pennant', 'Maesydre', 'Llanbedr'])}`,
        `${town.name} Church in Wales School`,
      ]);
    }
    const academy = ACADEMY_TYPES.has(type);
    switch (phase) {
      case Phase.SECONDARY:
        return faker.helpers.arrayElement([
          `${town.name} ${academy ? 'Academy' : 'School'}`,
          `The ${stemName()} School`,
          `${stemName()} ${academy ? 'Academy' : 'College'}`,
        ]);
      case Phase.SPECIAL:
        return `${stemName()} School`;
      case Phase.NURSERY:
        return `${town.name} Nursery School`;
      default:
        if (type === EstablishmentType.VOLUNTARY_AIDED_SCHOOL)
          return `${faker.helpers.arrayElement(SAINTS)} ${faker.helpers.arrayElement(['Catholic', 'Church of England'])} Primary School`;
        if (type === EstablishmentType.VOLUNTARY_CONTROLLED_SCHOOL)
          return faker.helpers.arrayElement([
            `${town.name} Church of England Primary School`,
            `${faker.helpers.arrayElement(SAINTS)} CofE Primary School`,
          ]);
        return faker.helpers.arrayElement([
          `${stemName()} ${academy ? 'Primary Academy' : 'Primary School'}`,
          `${town.name} ${faker.helpers.arrayElement(['Infant', 'Junior', 'Primary'])} School`,
          `${stemName()} ${faker.helpers.arrayElement(['Infant', 'Junior', 'Community'])} School`,
        ]);
    }
  };

  const H = HAMPSHIRE;
  const P = POWYS;
  const { PRIMARY, SECONDARY, SPECIAL, NURSERY } = Phase;
  const {
    COMMUNITY_SCHOOL: COMMUNITY,
    VOLUNTARY_AIDED_SCHOOL: VA,
    VOLUNTARY_CONTROLLED_SCHOOL: VC,
    FOUNDATION_SCHOOL: FOUNDATION,
  } = EstablishmentType;
  const { ACADEMY_CONVERTER: CONVERTER, ACADEMY_SPONSOR_LED: SPONSOR_LED, FREE_SCHOOL: FREE } = EstablishmentType;

  // Federations of maintained schools.
  const testValley = [
    school(H, 'Stockbridge', PRIMARY, COMMUNITY, 'Stockbridge Infant School'),
    school(H, 'Stockbridge', PRIMARY, COMMUNITY, 'Stockbridge Junior School'),
    school(H, 'Whitchurch', PRIMARY, VC, 'Longparish Church of England Primary School'),
  ];
  const meonValley = [school(H, "Bishop's Waltham", PRIMARY, COMMUNITY), school(H, 'Petersfield', PRIMARY, VC)];
  const forestEdge = [school(H, 'Ringwood', PRIMARY, COMMUNITY), school(H, 'New Milton', PRIMARY, FOUNDATION)];
  const hafren = [school(P, 'Newtown', PRIMARY, COMMUNITY), school(P, 'Llanidloes', PRIMARY, COMMUNITY)];
  // A school that left the Forest Edge federation and converted into the Solent trust (history).
  const converted = school(H, 'Lymington', PRIMARY, CONVERTER, undefined, { openedYearsAgo: 2 });
  const convertedPredecessor = add(data.schools, {
    ...data.schools[converted - 1],
    urn: urnFor(COMMUNITY, Nation.ENGLAND),
    establishmentType: COMMUNITY,
    status: SchoolStatus.CLOSED,
    openedOn: null,
    closedOn: day(-Math.round(2 * 365.25) - 1),
  });
  add(data.schoolLinks, {
    predecessor: convertedPredecessor,
    successor: converted,
    reason: SchoolLinkReason.SUCCESSION,
    linkedOn: yearsAgo(2),
  });

  // Multi-academy trusts and a single-academy trust.
  const solent = [
    school(H, 'Eastleigh', SECONDARY, CONVERTER, undefined, { openedYearsAgo: 11 }),
    school(H, 'Eastleigh', PRIMARY, CONVERTER, undefined, { openedYearsAgo: 9 }),
    school(H, 'Fareham', PRIMARY, SPONSOR_LED, undefined, { openedYearsAgo: 7 }),
    school(H, 'Fareham', PRIMARY, CONVERTER, undefined, { openedYearsAgo: 8 }),
    school(H, 'Gosport', SECONDARY, SPONSOR_LED, undefined, { openedYearsAgo: 6 }),
    school(H, 'Totton', PRIMARY, FREE, undefined, { openedYearsAgo: 5 }),
  ];
  const kingfisher = [
    school(H, 'Basingstoke', SECONDARY, CONVERTER, undefined, { openedYearsAgo: 10 }),
    school(H, 'Basingstoke', PRIMARY, SPONSOR_LED, undefined, { openedYearsAgo: 8 }),
    school(H, 'Hook', PRIMARY, CONVERTER, undefined, { openedYearsAgo: 7 }),
    school(H, 'Fleet', PRIMARY, CONVERTER, undefined, { openedYearsAgo: 7 }),
  ];
  const andoverSecondary = school(H, 'Andover', SECONDARY, CONVERTER, undefined, { openedYearsAgo: 12 });

  // Maintained schools with their own governing bodies.
  const hampshireMaintained = [
    school(H, 'Winchester', PRIMARY, COMMUNITY),
    school(H, 'Winchester', PRIMARY, VA),
    school(H, 'Winchester', PRIMARY, VC),
    school(H, 'Winchester', SECONDARY, COMMUNITY),
    school(H, 'Winchester', SPECIAL, EstablishmentType.COMMUNITY_SPECIAL_SCHOOL),
    school(H, 'Andover', PRIMARY, COMMUNITY),
    school(H, 'Andover', PRIMARY, VA),
    school(H, 'Andover', NURSERY, EstablishmentType.LOCAL_AUTHORITY_NURSERY_SCHOOL),
    school(H, 'Whitchurch', PRIMARY, COMMUNITY),
    school(H, 'Romsey', PRIMARY, COMMUNITY),
    school(H, 'Romsey', PRIMARY, VC),
    school(H, 'Romsey', SECONDARY, FOUNDATION),
    school(H, 'Eastleigh', PRIMARY, COMMUNITY),
    school(H, 'Alton', PRIMARY, COMMUNITY),
    school(H, 'Alton', PRIMARY, VA),
    school(H, 'Petersfield', PRIMARY, COMMUNITY),
    school(H, 'Havant', PRIMARY, COMMUNITY),
    school(H, 'Havant', PRIMARY, COMMUNITY),
    school(H, 'Havant', SPECIAL, EstablishmentType.FOUNDATION_SPECIAL_SCHOOL),
    school(H, 'Odiham', PRIMARY, VC),
    school(H, 'Lymington', PRIMARY, COMMUNITY),
    school(H, 'Ringwood', SECONDARY, FOUNDATION),
    school(H, 'Gosport', PRIMARY, COMMUNITY),
    school(H, 'Fareham', PRIMARY, COMMUNITY),
  ];
  const powysMaintained = [
    school(P, 'Brecon', PRIMARY, COMMUNITY),
    school(P, 'Brecon', PRIMARY, COMMUNITY),
    school(P, 'Brecon', SECONDARY, COMMUNITY),
    school(P, 'Crickhowell', PRIMARY, COMMUNITY),
    school(P, 'Hay-on-Wye', PRIMARY, COMMUNITY),
    school(P, 'Builth Wells', PRIMARY, COMMUNITY),
    school(P, 'Llandrindod Wells', PRIMARY, COMMUNITY),
    school(P, 'Llandrindod Wells', SECONDARY, COMMUNITY),
    school(P, 'Ystradgynlais', PRIMARY, COMMUNITY),
    school(P, 'Newtown', SECONDARY, COMMUNITY),
    school(P, 'Welshpool', PRIMARY, COMMUNITY),
    school(P, 'Machynlleth', PRIMARY, COMMUNITY),
    school(P, 'Llanfyllin', PRIMARY, COMMUNITY),
    school(P, 'Welshpool', SECONDARY, COMMUNITY),
  ];
  const [
    breconA,
    breconB,
    breconHigh,
    crickhowell,
    hay,
    builth,
    llandrindod,
    llandrindodHigh,
    ystrad,
    newtownHigh,
    welshpool,
    machynlleth,
    llanfyllin,
  ] = powysMaintained;
  const [
    winA,
    winVa,
    winVc,
    winSecondary,
    winSpecial,
    andoverA,
    andoverVa,
    ,
    whitchurch,
    romseyA,
    ,
    romseySecondary,
    eastleighA,
    ,
    ,
    ,
    havantA,
    havantB,
  ] = hampshireMaintained;

  // --- groups and memberships -------------------------------------------------------------------
  const group = (
    name: string,
    kind: GroupKind,
    openedYearsAgo: number,
    formation: GroupFormation | null,
    closedYearsAgo?: number,
  ): number =>
    add(data.groups, {
      name,
      kind,
      status: closedYearsAgo != null ? GroupStatus.CLOSED : GroupStatus.OPEN,
      formation,
      openedOn: yearsAgo(openedYearsAgo),
      closedOn: closedYearsAgo != null ? yearsAgo(closedYearsAgo) : null,
    });
  const join = (groupId: number, schools: number[], joinedYearsAgo: number, role = MembershipRole.MEMBER, leftYearsAgo?: number) => {
    const { kind } = data.groups[groupId - 1];
    for (const schoolId of schools)
      add(data.memberships, {
        school: schoolId,
        group: groupId,
        groupKind: kind,
        role,
        joinedOn: yearsAgo(joinedYearsAgo),
        leftOn: leftYearsAgo != null ? yearsAgo(leftYearsAgo) : null,
      });
  };
  const nameOf = (id: number) => data.schools[id - 1].name;

  const fedTestValley = group('The Test Valley Federation', GroupKind.FEDERATION, 6, GroupFormation.SELF_GENERATED);
  join(fedTestValley, testValley.slice(0, 2), 6);
  join(fedTestValley, testValley.slice(2), 3);
  const fedMeon = group('Meon Valley Federation of Schools', GroupKind.FEDERATION, 4, GroupFormation.BROKERED_BY_LOCAL_AUTHORITY);
  join(fedMeon, meonValley, 4);
  const fedForest = group('The Forest Edge Federation', GroupKind.FEDERATION, 8, GroupFormation.SELF_GENERATED);
  join(fedForest, forestEdge, 8);
  // The predecessor school was in the federation; the academy that succeeded it is in the trust.
  join(fedForest, [convertedPredecessor], 8, MembershipRole.MEMBER, 2);
  const fedHafren = group('Ffederasiwn Bro Hafren', GroupKind.FEDERATION, 3, GroupFormation.BROKERED_BY_LOCAL_AUTHORITY);
  join(fedHafren, hafren, 3);

  const matSolent = group('Solent Learning Trust', GroupKind.MULTI_ACADEMY_TRUST, 11, GroupFormation.SELF_GENERATED);
  join(matSolent, solent.slice(0, 1), 11, MembershipRole.LEAD);
  join(matSolent, solent.slice(1, 4), 7);
  join(matSolent, solent.slice(4), 5);
  join(matSolent, [converted], 2);
  const matChalk = group('Chalk Downs Academy Trust', GroupKind.MULTI_ACADEMY_TRUST, 9, GroupFormation.SELF_GENERATED, 3);
  const matKingfisher = group('Kingfisher Academy Trust', GroupKind.MULTI_ACADEMY_TRUST, 10, GroupFormation.SELF_GENERATED);
  join(matKingfisher, kingfisher.slice(0, 1), 10, MembershipRole.LEAD);
  join(matKingfisher, kingfisher.slice(1, 3), 8);
  // Fleet's academy moved in when Chalk Downs closed (history kept): left and joined on the same day.
  join(matChalk, kingfisher.slice(3), 7, MembershipRole.MEMBER, 3);
  join(matKingfisher, kingfisher.slice(3), 3);
  const satAndover = group(`${nameOf(andoverSecondary)} Trust`, GroupKind.SINGLE_ACADEMY_TRUST, 12, GroupFormation.SELF_GENERATED);
  join(satAndover, [andoverSecondary], 12);

  const clusterWinchester = group('Winchester Schools Cluster', GroupKind.CLUSTER, 9, GroupFormation.SELF_GENERATED);
  join(clusterWinchester, [winSecondary], 9, MembershipRole.LEAD);
  join(clusterWinchester, [winA, winVa, winVc, winSpecial, romseyA], 9);
  join(clusterWinchester, [eastleighA], 6, MembershipRole.MEMBER, 1);
  const clusterAndover = group('Andover and Test Valley Cluster', GroupKind.CLUSTER, 7, GroupFormation.BROKERED_BY_LOCAL_AUTHORITY);
  join(clusterAndover, [andoverSecondary], 7, MembershipRole.LEAD);
  join(clusterAndover, [andoverA, andoverVa, whitchurch, ...testValley], 7);
  const clusterBrecon = group('Brecknockshire Schools Cluster', GroupKind.CLUSTER, 5, GroupFormation.BROKERED_BY_CONSORTIUM);
  join(clusterBrecon, [breconHigh], 5, MembershipRole.LEAD);
  join(clusterBrecon, [breconA, breconB, crickhowell, hay, builth, ystrad], 5);
  const clusterMont = group('Montgomeryshire Cluster', GroupKind.CLUSTER, 4, GroupFormation.BROKERED_BY_CONSORTIUM);
  join(clusterMont, [newtownHigh], 4, MembershipRole.LEAD);
  join(clusterMont, [...hafren, welshpool, machynlleth, llanfyllin], 4);
  const hub = group('Hampshire and Isle of Wight Teaching School Hub', GroupKind.TEACHING_SCHOOL_HUB, 4, GroupFormation.DIRECTED);
  join(hub, [solent[0]], 4, MembershipRole.HUB);
  const pair = group('Llandrindod and Builth Welsh Language Pair', GroupKind.PRACTITIONER_PAIR, 2, GroupFormation.BROKERED_BY_CONSORTIUM);
  join(pair, [llandrindod], 2, MembershipRole.LEAD);
  join(pair, [builth], 2, MembershipRole.EMERGING);

  for (const to of [matSolent, matKingfisher, clusterWinchester, clusterAndover])
    add(data.groupLinks, { from: hub, to, kind: GroupLinkKind.HUB_SERVES, startedOn: yearsAgo(4), endedOn: null });
  add(data.groupLinks, { from: hub, to: matChalk, kind: GroupLinkKind.HUB_SERVES, startedOn: yearsAgo(4), endedOn: yearsAgo(3) });
  add(data.groupLinks, { from: clusterBrecon, to: clusterMont, kind: GroupLinkKind.PARTNERS_WITH, startedOn: yearsAgo(2), endedOn: null });

  add(data.objectives, {
    group: matSolent,
    objective: 'Raise attainment in reading, writing and maths at the end of key stage 2 across the trust.',
    metric: 'ks2_rwm_expected_pct',
    targetChange: 8,
    successCriteria: 'Every primary academy at or above the national average within three years.',
  });
  add(data.objectives, {
    group: fedTestValley,
    objective: 'Share one leadership team and curriculum across the three villages.',
    metric: null,
    targetChange: null,
    successCriteria: 'All three schools judged good or better at their next inspection.',
  });
  add(data.objectives, {
    group: clusterBrecon,
    objective: 'Improve attendance after the pandemic.',
    metric: 'attendance_pct',
    targetChange: 2,
    successCriteria: 'Overall attendance above 94% in every cluster school.',
  });
  add(data.objectives, {
    group: pair,
    objective: 'Build confidence in teaching through the medium of Welsh.',
    metric: null,
    targetChange: null,
    successCriteria: 'Builth Wells staff teach two subjects in Welsh by the end of the pairing.',
  });

  // --- people, governing bodies and governors -----------------------------------------------------
  const person = (): number => {
    const first = faker.helpers.arrayElement(FIRST_NAMES);
    const last = faker.helpers.arrayElement(LAST_NAMES);
    return add(data.people, {
      fullName: `${first} ${last}`,
      email: faker.internet.email({ firstName: first, lastName: last }).toLowerCase(),
      phone: faker.phone.number(),
    });
  };
  const body = (name: string, kind: GoverningBodyKind, schoolId: number | null, groupId: number | null) =>
    add(data.governingBodies, { name, kind, school: schoolId, group: groupId });

  /** A four-year term: most mid-term, some ending in the next 60 days. */
  const seat = (personId: number, bodyId: number, role: GovernanceRole, appointingBody: AppointingBody) => {
    const endingSoon = faker.datatype.boolean({ probability: 0.12 });
    const start = endingSoon ? day(faker.number.int({ min: 5, max: 58 }) - 1461) : day(-faker.number.int({ min: 30, max: 1400 }));
    add(data.governorships, {
      person: personId,
      governingBody: bodyId,
      role,
      appointingBody,
      termStartedOn: start,
      termEndsOn: addDays(new Date(start), 1461),
      endedOn: null,
    });
  };
  /** A governor who has stood down: history, never deleted. */
  const formerSeat = (bodyId: number, role: GovernanceRole, appointingBody: AppointingBody) => {
    const startedDaysAgo = faker.number.int({ min: 1500, max: 2600 });
    add(data.governorships, {
      person: person(),
      governingBody: bodyId,
      role,
      appointingBody,
      termStartedOn: day(-startedDaysAgo),
      termEndsOn: day(1461 - startedDaysAgo),
      endedOn: day(-faker.number.int({ min: 60, max: startedDaysAgo - 400 })),
    });
  };

  // Clerks serve several bodies each: one governance professional per handful of boards.
  const clerks = Array.from({ length: 8 }, () => person());
  let clerkTurn = 0;
  const clerk = (bodyId: number) =>
    seat(clerks[clerkTurn++ % clerks.length], bodyId, GovernanceRole.GOVERNANCE_PROFESSIONAL, AppointingBody.BOARD_APPOINTED);

  const post = (
    personId: number,
    role: StaffRole,
    schoolId: number | null,
    groupId: number | null,
    fte: number,
    startedYearsAgo: number,
    endedYearsAgo?: number,
  ) =>
    add(data.posts, {
      person: personId,
      role,
      school: schoolId,
      group: groupId,
      fte,
      startedOn: yearsAgo(startedYearsAgo),
      endedOn: endedYearsAgo != null ? yearsAgo(endedYearsAgo) : null,
    });

  const headOf = new Map<number, number>();
  const head = (schoolId: number, role = StaffRole.HEADTEACHER) => {
    const id = person();
    post(id, role, schoolId, null, 1, faker.number.int({ min: 1, max: 9 }));
    headOf.set(schoolId, id);
    return id;
  };

  const schoolBody = (schoolId: number) => {
    const { name, establishmentType, nation } = data.schools[schoolId - 1];
    const id = body(`${name} Governing Body`, GoverningBodyKind.SCHOOL, schoolId, null);
    seat(person(), id, GovernanceRole.CHAIR_OF_GOVERNORS, AppointingBody.CO_OPTED);
    seat(headOf.get(schoolId)!, id, GovernanceRole.GOVERNOR, AppointingBody.EX_OFFICIO);
    seat(person(), id, GovernanceRole.GOVERNOR, AppointingBody.PARENT_ELECTED);
    seat(person(), id, GovernanceRole.GOVERNOR, AppointingBody.PARENT_ELECTED);
    seat(person(), id, GovernanceRole.GOVERNOR, AppointingBody.STAFF_ELECTED);
    seat(person(), id, GovernanceRole.GOVERNOR, AppointingBody.LOCAL_AUTHORITY_NOMINATED);
    const church =
      establishmentType === EstablishmentType.VOLUNTARY_AIDED_SCHOOL || establishmentType === EstablishmentType.VOLUNTARY_CONTROLLED_SCHOOL;
    const others = faker.number.int({ min: 1, max: 3 }) + (church ? 2 : 0);
    for (let i = 0; i < others; i++)
      seat(person(), id, GovernanceRole.GOVERNOR, church && i < 2 ? AppointingBody.FOUNDATION : AppointingBody.CO_OPTED);
    if (faker.datatype.boolean({ probability: 0.6 }))
      formerSeat(
        id,
        GovernanceRole.GOVERNOR,
        nation === Nation.WALES ? AppointingBody.LOCAL_AUTHORITY_NOMINATED : AppointingBody.PARENT_ELECTED,
      );
    clerk(id);
    return id;
  };

  const federation = (groupId: number, schools: number[]) => {
    // The executive head holds a post in every school of the federation, splitting their time.
    const executive = person();
    const share = Number((1 / schools.length).toFixed(3));
    for (const schoolId of schools) {
      post(executive, StaffRole.EXECUTIVE_HEAD, schoolId, null, share, 3);
      head(schoolId, StaffRole.HEAD_OF_SCHOOL);
    }
    const id = body(`${data.groups[groupId - 1].name} Governing Board`, GoverningBodyKind.FEDERATION, null, groupId);
    seat(person(), id, GovernanceRole.CHAIR_OF_GOVERNORS, AppointingBody.CO_OPTED);
    seat(executive, id, GovernanceRole.GOVERNOR, AppointingBody.EX_OFFICIO);
    for (const _ of schools) seat(person(), id, GovernanceRole.GOVERNOR, AppointingBody.PARENT_ELECTED);
    seat(person(), id, GovernanceRole.GOVERNOR, AppointingBody.STAFF_ELECTED);
    seat(person(), id, GovernanceRole.GOVERNOR, AppointingBody.LOCAL_AUTHORITY_NOMINATED);
    seat(person(), id, GovernanceRole.GOVERNOR, AppointingBody.CO_OPTED);
    seat(person(), id, GovernanceRole.GOVERNOR, AppointingBody.CO_OPTED);
    formerSeat(id, GovernanceRole.CHAIR_OF_GOVERNORS, AppointingBody.CO_OPTED);
    clerk(id);
    // A business manager shared by the federation's schools.
    const manager = person();
    for (const schoolId of schools) post(manager, StaffRole.BUSINESS_MANAGER, schoolId, null, share, 3);
  };

  const trust = (groupId: number, academies: number[], withLocalCommittees: boolean) => {
    const trustName = data.groups[groupId - 1].name;
    const ceo = person();
    post(
      ceo,
      withLocalCommittees ? StaffRole.CEO : StaffRole.HEADTEACHER,
      withLocalCommittees ? null : academies[0],
      withLocalCommittees ? groupId : null,
      1,
      4,
    );
    if (!withLocalCommittees) headOf.set(academies[0], ceo);
    const board = body(`${trustName} Board of Trustees`, GoverningBodyKind.TRUST_BOARD, null, groupId);
    for (let i = 0; i < 3; i++) seat(person(), board, GovernanceRole.MEMBER, AppointingBody.FOUNDATION);
    seat(person(), board, GovernanceRole.CHAIR_OF_TRUSTEES, AppointingBody.TRUST_MEMBERS);
    const trustees = Array.from({ length: faker.number.int({ min: 5, max: 7 }) }, () => person());
    for (const trustee of trustees)
      seat(
        trustee,
        board,
        GovernanceRole.TRUSTEE,
        faker.helpers.arrayElement([AppointingBody.TRUST_MEMBERS, AppointingBody.BOARD_APPOINTED, AppointingBody.CO_OPTED]),
      );
    seat(ceo, board, GovernanceRole.ACCOUNTING_OFFICER, AppointingBody.EX_OFFICIO);
    seat(person(), board, GovernanceRole.CHIEF_FINANCIAL_OFFICER, AppointingBody.BOARD_APPOINTED);
    formerSeat(board, GovernanceRole.TRUSTEE, AppointingBody.TRUST_MEMBERS);
    clerk(board);
    if (!withLocalCommittees) return;
    const manager = person();
    const share = Number((1 / academies.length).toFixed(3));
    academies.forEach((academy, i) => {
      head(academy);
      post(manager, StaffRole.BUSINESS_MANAGER, academy, null, share, 4);
      const committee = body(`${nameOf(academy)} Local Governing Committee`, GoverningBodyKind.LOCAL_COMMITTEE, academy, groupId);
      // A trustee chairs the first committees: one person on two bodies.
      seat(i < 2 ? trustees[i] : person(), committee, GovernanceRole.CHAIR_OF_LOCAL_GOVERNING_BODY, AppointingBody.BOARD_APPOINTED);
      seat(headOf.get(academy)!, committee, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.EX_OFFICIO);
      seat(person(), committee, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.PARENT_ELECTED);
      seat(person(), committee, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.PARENT_ELECTED);
      seat(person(), committee, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.STAFF_ELECTED);
      seat(person(), committee, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.BOARD_APPOINTED);
      if (faker.datatype.boolean({ probability: 0.5 })) formerSeat(committee, GovernanceRole.LOCAL_GOVERNOR, AppointingBody.PARENT_ELECTED);
      clerk(committee);
    });
  };

  federation(fedTestValley, testValley);
  federation(fedMeon, meonValley);
  federation(fedForest, forestEdge);
  federation(fedHafren, hafren);
  trust(matSolent, [...solent, converted], true);
  trust(matKingfisher, kingfisher, true);
  trust(satAndover, [andoverSecondary], false);
  // A single-academy trust's board also governs the academy: its own head sits on it.
  for (const schoolId of [...hampshireMaintained, ...powysMaintained]) {
    head(schoolId);
    schoolBody(schoolId);
  }

  // A former headteacher (history) at two schools, replaced by the current one.
  for (const schoolId of [winA, havantA]) post(person(), StaffRole.HEADTEACHER, schoolId, null, 1, 12, 9);

  // SENCOs: most schools have their own; small rural schools share one (shared staff).
  const everySchool = [
    ...testValley,
    ...meonValley,
    ...forestEdge,
    ...hafren,
    ...solent,
    converted,
    ...kingfisher,
    andoverSecondary,
    ...hampshireMaintained,
    ...powysMaintained,
  ];
  const sharedSencos: number[][] = [[crickhowell, hay], [machynlleth, llanfyllin, welshpool], testValley, [havantA, havantB]];
  const covered = new Set(sharedSencos.flat());
  for (const schools of sharedSencos) {
    const senco = person();
    for (const schoolId of schools) post(senco, StaffRole.SENCO, schoolId, null, Number((1 / schools.length).toFixed(3)), 2);
  }
  for (const schoolId of everySchool) {
    if (!covered.has(schoolId))
      post(person(), StaffRole.SENCO, schoolId, null, faker.helpers.arrayElement([0.4, 0.5, 0.6, 1]), faker.number.int({ min: 1, max: 6 }));
    const { phase } = data.schools[schoolId - 1];
    if (phase === Phase.SECONDARY) post(person(), StaffRole.DEPUTY_HEAD, schoolId, null, 1, faker.number.int({ min: 1, max: 5 }));
  }
  // A specialist leader of education teaching in two trust schools, and peer review leads.
  const specialist = person();
  post(specialist, StaffRole.TEACHER, solent[0], null, 0.6, 3);
  post(specialist, StaffRole.TEACHER, solent[4], null, 0.4, 3);
  post(person(), StaffRole.PEER_REVIEW_LEAD, null, matSolent, 0.2, 2);
  post(person(), StaffRole.PEER_REVIEW_LEAD, winSecondary, null, 0.2, 2);
  post(person(), StaffRole.PEER_REVIEW_LEAD, breconHigh, null, 0.2, 1);

  // --- support links ----------------------------------------------------------------------------
  const support = (
    giver: number,
    receiver: number,
    groupId: number | null,
    area: SupportArea,
    committed: number,
    deliveredShare: number,
    startedDaysAgo: number,
    description: string,
  ) =>
    add(data.supportLinks, {
      giver,
      receiver,
      group: groupId,
      area,
      staffDaysCommitted: committed,
      staffDaysDelivered: Math.round(committed * deliveredShare * 2) / 2,
      startedOn: day(-startedDaysAgo),
      endsOn: day(365 - startedDaysAgo),
      description,
    });
  support(
    solent[0],
    solent[4],
    matSolent,
    SupportArea.LEADERSHIP,
    30,
    0.8,
    200,
    'Interim deputy head two days a week after an inadequate judgement.',
  );
  support(solent[0], solent[2], matSolent, SupportArea.TEACHING_AND_LEARNING, 20, 0.5, 150, 'Coaching for early career teachers.');
  support(solent[3], converted, matSolent, SupportArea.DATA_AND_ASSESSMENT, 8, 1, 300, 'Moderating key stage 2 writing.');
  support(solent[1], solent[5], matSolent, SupportArea.LITERACY, 12, 0.25, 220, 'Phonics programme roll-out.');
  support(kingfisher[0], kingfisher[3], matKingfisher, SupportArea.NUMERACY, 15, 0.6, 120, 'Maths mastery specialist.');
  support(kingfisher[2], kingfisher[1], matKingfisher, SupportArea.SEND, 10, 0.3, 250, 'SENCO mentoring.');
  support(winSecondary, winVa, clusterWinchester, SupportArea.GOVERNANCE, 4, 1, 400, 'Governance review before a merger decision.');
  support(winSpecial, romseyA, clusterWinchester, SupportArea.SEND, 12, 0.75, 100, 'Outreach from the special school.');
  support(andoverSecondary, andoverA, clusterAndover, SupportArea.TEACHING_AND_LEARNING, 6, 0.5, 90, 'Transition units for year 6.');
  support(testValley[0], whitchurch, null, SupportArea.BUSINESS_SERVICES, 5, 1, 330, 'Shared procurement of catering.');
  support(breconHigh, breconA, clusterBrecon, SupportArea.WELSH_LANGUAGE, 10, 0.4, 160, 'Welsh-medium teaching assistants.');
  support(llandrindod, builth, pair, SupportArea.WELSH_LANGUAGE, 16, 0.2, 240, 'Immersion sessions for staff.');
  support(newtownHigh, welshpool, clusterMont, SupportArea.NUMERACY, 8, 0.9, 140, 'Numeracy framework training.');
  support(llandrindodHigh, ystrad, null, SupportArea.LEADERSHIP, 6, 0.1, 300, 'Headteacher mentoring.');
  support(romseySecondary, eastleighA, null, SupportArea.LITERACY, 6, 0, 30, 'Reading recovery volunteers.');
  support(solent[0], havantA, hub, SupportArea.TEACHING_AND_LEARNING, 10, 0.7, 500, 'Hub appraisal of teaching (ended).');

  return data;
}

export interface DemoResult {
  loaded: boolean;
  counts: DatasetCounts;
}

/**
 * Each demo body's set size (governance health counts vacancies against it): its seats filled on the
 * day the demo loads plus 0, 1 or 2 by its id, so some boards are full and some have vacancies.
 * Derived in SQL rather than drawn from the faker sequence, which would change every name after it.
 */
const DEMO_SET_SIZES = `update governing_body b set set_size = greatest(1, least(40, (
    select count(distinct g.person_id) from governorship g where g.governing_body_id = b.id
      and g.role not in ${NOT_SEATS} and ${sittingGovernor('g')}) + b.id % 3))`;

/**
 * On first start with an empty database (no schools), loads the demo in one transaction. The
 * check is repeated under a table lock, so instances starting together load it once.
 */
export async function loadDemoIfEmpty(orm: MikroORM, options: DemoOptions = {}): Promise<DemoResult> {
  const [{ count }] = await orm.em.getConnection().execute<{ count: string }[]>('select count(*) from school');
  if (Number(count) > 0) return { loaded: false, counts: {} };
  const result = await inTransaction(orm, async (client) => {
    await lockDatasetTables(client);
    const { rows } = await client.query<{ any: boolean }>('select exists (select 1 from school) as any');
    if (rows[0].any) return { loaded: false, counts: {} };
    const counts = await writeDataset(client, buildDemo(options));
    await client.query(DEMO_SET_SIZES);
    return { loaded: true, counts };
  });
  if (result.loaded) logger.info({ counts: result.counts }, 'demo data loaded');
  return result;
}
