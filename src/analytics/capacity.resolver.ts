import DataLoader from 'dataloader';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Float, ID, InputType, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { rowFilter } from '../auth/policy';
import type { Context } from '../core/context';
import { byId, primeById } from '../core/loaders';
import { fromGlobalId } from '../core/node';
import { badInput, connectionOf, ConnectionType, EdgeType, encodeCursor, isPosition, PageArgs, readPage } from '../core/pagination';
import { School } from '../schools/school.entity';
import { Phase } from '../schools/school.enums';
import { SchoolConnection } from '../schools/school.resolver';
import { CapacityLevel } from './analytics.enums';
import { partnerCandidates, ScoredCandidate } from './candidates.service';
import { AreaFilter, CapacityRow, Reach, reachOf, schoolsInNeedWithoutCandidate, supportCapacity } from './capacity.service';
import { MAX_RADIUS_KM } from './geo';

export const DEFAULT_RADIUS_KM = 10;

export function checkRadius(radiusKm: number): number {
  if (!Number.isFinite(radiusKm) || radiusKm <= 0 || radiusKm > MAX_RADIUS_KM)
    throw badInput(`radiusKm must be above 0 and at most ${MAX_RADIUS_KM}; got ${radiusKm}.`, 'radiusKm');
  return radiusKm;
}

@ObjectType({
  description:
    'What a school gives now: the load that makes a stretched school rank lower. Support links are private: only those the caller may read are counted (the school’s own people, its authority’s officers, admins, apps with read:schools).',
})
export class SupportCommitments {
  @Field(() => Int, { description: 'Support links it gives that are running today.' })
  supportLinksGiven!: number;

  @Field(() => Float, { description: 'Staff days committed on those links.' })
  staffDaysCommitted!: number;

  @Field(() => Float, { description: 'Staff days delivered on those links.' })
  staffDaysDelivered!: number;

  @Field(() => Float, { description: 'Staff days still owed on those links (committed less delivered).' })
  staffDaysOwed!: number;

  @Field(() => Int, { description: 'Groups it is a current member of.' })
  memberships!: number;
}

@ObjectType({ description: 'A high-performing school of the same phase within the radius, scored as a partner.' })
export class PartnerCandidate {
  schoolId!: number;

  @Field(() => Float, { description: 'Great-circle distance between the sites, in km.' })
  distanceKm!: number;

  @Field(() => Float, { description: 'Overall score, 0..1: 0.45 proximity + 0.35 similarity + 0.20 spare capacity.' })
  score!: number;

  @Field(() => Float, { description: '1 at the same site, 0 at the edge of the radius.' })
  proximity!: number;

  @Field(() => Float, {
    description:
      'Similarity in size, % FSM, urban/rural class and prior attainment (KS1 average point score; what both schools hold), 0..1.',
  })
  similarity!: number;

  @Field(() => Float, {
    description: 'Spare capacity, 0..1: lower when it already gives support (the links the caller may read) or sits in many groups.',
  })
  spareCapacity!: number;

  @Field(() => [String], { description: 'Each part of the score, in words.' })
  reasons!: string[];

  @Field(() => SupportCommitments, { description: 'Its current commitments.' })
  commitments!: SupportCommitments;
}

@ObjectType({ description: 'An edge in a list of partner candidates.' })
export class PartnerCandidateEdge extends EdgeType(PartnerCandidate, 'The candidate.') {}

@ObjectType({ description: 'Partner candidates, best first.' })
export class PartnerCandidateConnection extends ConnectionType(PartnerCandidateEdge) {}

@Resolver(() => PartnerCandidate)
export class PartnerCandidateResolver {
  @FieldResolver(() => School, { description: 'The candidate school.' })
  async school(@Root() candidate: PartnerCandidate, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(candidate.schoolId))!;
  }
}

@ArgsType()
export class PartnerCandidatesArgs extends PageArgs {
  @Field(() => ID, { description: 'The school looking for a partner (global ID).' })
  schoolId!: string;

  @Field(() => Float, { defaultValue: DEFAULT_RADIUS_KM, description: `Radius in km (above 0, at most ${MAX_RADIUS_KM}).` })
  radiusKm: number = DEFAULT_RADIUS_KM;
}

/** The candidates of a school, best first; undefined when there is no such school. Their schools are handed to the School loader. */
export async function candidatesFor(ctx: Context, schoolId: number, radiusKm: number): Promise<ScoredCandidate[] | undefined> {
  const found = await partnerCandidates(ctx.em, schoolId, radiusKm, await rowFilter(ctx.viewer, 'support_link'));
  if (!found) return undefined;
  await primeById(ctx, School, found.schools);
  return found.candidates;
}

@InputType({ description: 'One area: every field given must hold.' })
export class AreaFilterInput implements AreaFilter {
  @Field({ nullable: true, description: 'Region, exactly (e.g. "South East").' })
  region?: string;

  @Field(() => Int, { nullable: true, description: 'Local authority code (e.g. 850).' })
  localAuthorityCode?: number;

  @Field({ nullable: true, description: 'Parliamentary constituency, exactly.' })
  constituency?: string;
}

@ObjectType({ description: 'Support capacity in one area (or in all the areas asked about, for the total).' })
export class SupportCapacityArea {
  level!: CapacityLevel | null;
  key!: string | null;
  phases!: Phase[] | null;
  radiusKm!: number;
  filter?: AreaFilter;

  @Field({ description: 'Name of the area (region, local authority or constituency); "All" for the total.' })
  name!: string;

  @Field(() => Int, { nullable: true, description: 'Local authority code, when the areas are local authorities.' })
  localAuthorityCode?: number | null;

  @Field(() => Int, { description: 'Open high-performing schools in the area.' })
  highPerformingCount!: number;

  @Field(() => Int, { description: 'Open schools in need in the area.' })
  inNeedCount!: number;

  @Field(() => Float, { nullable: true, description: 'High-performing schools per school in need; null when none is in need.' })
  ratio!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Median, over the schools in need with a known site, of the high-performing open schools of the same phase within the radius (anywhere, across borders too); null when none.',
  })
  medianHighPerformingWithinRadius!: number | null;

  @Field(() => Int, { description: 'Schools in need with no high-performing school of their phase within the radius.' })
  inNeedWithoutCandidateCount!: number;
}

function toArea(
  row: CapacityRow,
  level: CapacityLevel | null,
  phases: Phase[] | null,
  radiusKm: number,
  filter?: AreaFilter,
): SupportCapacityArea {
  return {
    level,
    key: row.key,
    phases,
    radiusKm,
    filter,
    name: row.name ?? '(not recorded)',
    localAuthorityCode: level === CapacityLevel.LOCAL_AUTHORITY && row.key != null ? Number(row.key) : null,
    highPerformingCount: row.high_performing,
    inNeedCount: row.in_need,
    ratio: row.in_need > 0 ? Number((row.high_performing / row.in_need).toFixed(3)) : null,
    medianHighPerformingWithinRadius: row.median_within == null ? null : Number(row.median_within),
    inNeedWithoutCandidateCount: row.without_candidate,
  };
}

/** The area an area row stands for, as a filter (the total keeps the question's own filter). */
function areaOf(area: SupportCapacityArea): AreaFilter | undefined {
  if (area.level === null || area.key === null) return area.filter;
  const own: AreaFilter =
    area.level === CapacityLevel.REGION
      ? { region: area.key }
      : area.level === CapacityLevel.LOCAL_AUTHORITY
        ? { localAuthorityCode: Number(area.key) }
        : { constituency: area.key };
  return { ...area.filter, ...own };
}

@ObjectType({ description: 'An edge in a list of areas.' })
export class SupportCapacityAreaEdge extends EdgeType(SupportCapacityArea, 'The area.') {}

@ObjectType({ description: 'A page of areas.' })
export class SupportCapacityAreaConnection extends ConnectionType(SupportCapacityAreaEdge) {}

@ObjectType({ description: 'Where capacity to support is, and where schools in need have no partner nearby.' })
export class SupportCapacity {
  rows!: SupportCapacityArea[];

  @Field(() => CapacityLevel, { description: 'Areas counted by.' })
  level!: CapacityLevel;

  @Field(() => Phase, { nullable: true, description: 'Phase asked about; null: every phase (each school matched within its own).' })
  phase!: Phase | null;

  @Field(() => Float, { description: 'Radius in km.' })
  radiusKm!: number;

  @Field(() => SupportCapacityArea, { description: 'All the areas together.' })
  total!: SupportCapacityArea;
}

@ArgsType()
export class SchoolsInNeedArgs extends PageArgs {
  @Field(() => Phase, { nullable: true, description: 'Only schools of this phase; all phases when left out.' })
  phase?: Phase;

  @Field(() => Float, { defaultValue: DEFAULT_RADIUS_KM, description: `Radius in km (above 0, at most ${MAX_RADIUS_KM}).` })
  radiusKm: number = DEFAULT_RADIUS_KM;

  @Field(() => AreaFilterInput, { nullable: true, description: 'Only schools in this area.' })
  area?: AreaFilterInput;
}

async function unsupportedConnection(
  ctx: Context,
  phases: Phase[] | null,
  radiusKm: number,
  area: AreaFilter | undefined,
  pageArgs: PageArgs,
) {
  const page = readPage('schoolsInNeedWithoutCandidate', pageArgs, (v): v is number => Number.isInteger(v));
  // The whole country's reach, read once per request, phases and radius: every area's list is cut from it.
  const reach = await ctx.loaders
    .get(
      'Capacity.reach',
      () =>
        new DataLoader<string, Reach>((keys) =>
          Promise.all(
            keys.map((key) => {
              const [phaseList, radius] = JSON.parse(key) as [string[] | null, number];
              return reachOf(ctx.em, CapacityLevel.REGION, phaseList, radius, undefined);
            }),
          ),
        ),
    )
    .load(JSON.stringify([phases, radiusKm]));
  const found = schoolsInNeedWithoutCandidate(reach, area, page.after, page.size + 1);
  const schools = await byId(ctx, School).loadMany(found.ids);
  return connectionOf(
    schools as School[],
    page,
    (school) => ({ node: school, cursor: encodeCursor('schoolsInNeedWithoutCandidate', school.urn) }),
    () => found.total,
  );
}

@Resolver(() => SupportCapacityArea)
export class SupportCapacityAreaResolver {
  @FieldResolver(() => SchoolConnection, { description: 'The schools in need with no candidate within the radius, by URN.' })
  inNeedWithoutCandidate(@Root() area: SupportCapacityArea, @Args() pageArgs: PageArgs, @Ctx() ctx: Context) {
    return unsupportedConnection(ctx, area.phases, area.radiusKm, areaOf(area), pageArgs);
  }
}

@Resolver(() => SupportCapacity)
export class SupportCapacityResolver {
  @FieldResolver(() => SupportCapacityAreaConnection, {
    description: 'Each area, those with most schools in need without a candidate first.',
  })
  areas(@Root() capacity: SupportCapacity, @Args() pageArgs: PageArgs) {
    const page = readPage('supportCapacity.areas', pageArgs, isPosition);
    const start = page.after ?? 0;
    const rows = capacity.rows.slice(start, start + page.size + 1);
    return connectionOf(
      rows,
      page,
      (area) => ({ node: area, cursor: encodeCursor('supportCapacity.areas', start + rows.indexOf(area) + 1) }),
      () => capacity.rows.length,
    );
  }
}

@Resolver()
export class AnalyticsQueries {
  @Query(() => PartnerCandidateConnection, {
    description:
      'High-performing open schools of the same phase within the radius of a school, best partner first (score: nearness, similarity, spare capacity, with reasons). Public: from public data.',
  })
  async partnerCandidates(@Args() args: PartnerCandidatesArgs, @Ctx() ctx: Context) {
    const page = readPage('partnerCandidates', args, isPosition);
    const radiusKm = checkRadius(args.radiusKm);
    const parsed = fromGlobalId(args.schoolId);
    if (!parsed || parsed.typeName !== 'School') throw badInput('schoolId is not the ID of a School.', 'schoolId');
    const all = await candidatesFor(ctx, parsed.id, radiusKm);
    if (!all) throw badInput('schoolId: no School has this ID.', 'schoolId');
    const start = page.after ?? 0;
    const rows = all.slice(start, start + page.size + 1);
    return connectionOf(
      rows,
      page,
      (candidate) => ({ node: candidate, cursor: encodeCursor('partnerCandidates', start + rows.indexOf(candidate) + 1) }),
      () => all.length,
    );
  }

  @Query(() => SupportCapacity, {
    description:
      'Support capacity by region, local authority or constituency: high-performing and in-need counts, their ratio, the median number of high-performing schools within the radius of each school in need, and those with none.',
  })
  async supportCapacity(
    @Ctx() ctx: Context,
    @Arg('level', () => CapacityLevel, { description: 'Areas to count by.' }) level: CapacityLevel,
    @Arg('phase', () => Phase, { nullable: true, description: 'Only this phase; every phase when left out.' }) phase?: Phase,
    @Arg('radiusKm', () => Float, { defaultValue: DEFAULT_RADIUS_KM, description: `Radius in km (above 0, at most ${MAX_RADIUS_KM}).` })
    radiusKm: number = DEFAULT_RADIUS_KM,
    @Arg('area', () => AreaFilterInput, { nullable: true, description: 'Only this area (e.g. the constituencies of one authority).' })
    area?: AreaFilterInput,
  ): Promise<SupportCapacity> {
    checkRadius(radiusKm);
    const phases = phase ? [phase] : null;
    const result = await supportCapacity(ctx.em, level, phases, radiusKm, area);
    return {
      rows: result.areas.map((row) => toArea(row, level, phases, radiusKm, area)),
      level,
      phase: phase ?? null,
      radiusKm,
      total: toArea(result.total, null, phases, radiusKm, area),
    };
  }

  @Query(() => SchoolConnection, {
    description:
      'Open schools in need with no high-performing school of their phase within the radius (the rural and coastal gaps), by URN.',
  })
  schoolsInNeedWithoutCandidate(@Args() args: SchoolsInNeedArgs, @Ctx() ctx: Context) {
    checkRadius(args.radiusKm);
    return unsupportedConnection(ctx, args.phase ? [args.phase] : null, args.radiusKm, args.area, args);
  }
}

export const capacityResolvers = [
  PartnerCandidateResolver,
  SupportCapacityAreaResolver,
  SupportCapacityResolver,
  AnalyticsQueries,
] as const;
