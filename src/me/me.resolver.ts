import type { EntityClass } from '@mikro-orm/postgresql';
import { Arg, Args, Ctx, Field, FieldResolver, Int, ObjectType, Query, registerEnumType, Resolver, Root } from 'type-graphql';
import { AlertConnection, AlertResolver } from '../alerts/alert.resolver';
import { AlertStatus } from '../alerts/alert.enums';
import { AlertFilter } from '../alerts/trigger-rule.inputs';
import { rowFilter } from '../auth/policy';
import { intArray, Scope } from '../auth/viewer';
import type { Context } from '../core/context';
import { currentMembership, servingPost, sittingGovernor } from '../core/current';
import { byId } from '../core/loaders';
import { badInput, connectionOf, ConnectionType, EdgeType, encodeCursor, isPosition, PageArgs, readPage } from '../core/pagination';
import { groupReach, schoolReach } from '../core/reach';
import { mapRows } from '../core/rows';
import { Governorship } from '../governance/governance.entity';
import { Group } from '../groups/group.entity';
import { InterventionCase } from '../interventions/intervention.entity';
import { InterventionCaseConnection } from '../interventions/intervention.resolver';
import { Person, Post } from '../people/person.entity';
import { PeerReview, PeerReviewAction } from '../reviews/review.entity';
import { PeerReviewActionConnection, PeerReviewConnection } from '../reviews/review.resolver';
import { School } from '../schools/school.entity';

/*
 * "What is mine to do": one query for the person asking. Everything here is derived from the caller's
 * scope (auth/viewer.ts, the one definition of reach in core/reach.ts) and read through the same row
 * rules as any other query (auth/policy.ts), so `me` shows nothing the caller could not reach by
 * another path; it gathers it. An API key or an anonymous caller is no person: `me` is null for them.
 */

export enum ReachAuthority {
  BOARD = 'board',
  LEADER = 'leader',
  HEAD = 'head',
  COMMITTEE = 'committee',
  OFFICER = 'officer',
  ALERTS = 'alerts',
}
registerEnumType(ReachAuthority, {
  name: 'ReachAuthority',
  description: 'How a person reaches a school or group (core/reach.ts), strongest first.',
  valuesConfig: {
    BOARD: { description: 'Sits on the body that governs it, with power to appoint.' },
    LEADER: { description: 'Its executive head or CEO.' },
    HEAD: { description: 'Its headteacher or head of school.' },
    COMMITTEE: { description: 'Sits on its local committee (oversight, no appointments).' },
    OFFICER: { description: 'Local authority officer for its area.' },
    ALERTS: { description: "A partner school's peer review lead: receives its alerts, nothing else." },
  },
});

/** The caller, as the resolvers below need them. */
@ObjectType({ description: 'The person asking, and what is theirs to see and do.' })
export class Me {
  constructor(
    readonly personId: number,
    readonly scope: Scope,
  ) {}
}

@ObjectType({ description: 'A school the person reaches, with the strongest authority they hold over it and through what.' })
export class ReachedSchool {
  schoolId!: number;

  @Field(() => ReachAuthority, { description: 'The strongest authority held over the school.' })
  authority!: ReachAuthority;

  @Field({ description: 'The body, group or school through which they reach it (the strongest way).' })
  via!: string;
}

@ObjectType({ description: 'A federation or trust the person governs (BOARD) or leads (LEADER).' })
export class ReachedGroup {
  groupId!: number;

  @Field(() => ReachAuthority, { description: 'BOARD or LEADER.' })
  authority!: ReachAuthority;
}

@ObjectType({ description: 'What the person reaches, from the graph: the schools and groups, their role grants.' })
export class MyReach {
  me!: Me;

  @Field({ description: 'Whether they are an administrator (who reaches everything; the lists below are then empty).' })
  admin!: boolean;

  @Field(() => [String], { description: "Role grants held ('admin', 'la_officer')." })
  roles!: string[];

  @Field(() => [Int], { description: 'Local authorities they are an officer for.' })
  localAuthorityCodes!: number[];
}

@ObjectType({ description: "For an executive head or CEO: every open case, live review and overdue action across the groups they lead." })
export class ExecutiveOverview {
  me!: Me;
}

const RANK_SQL = `case r.authority when 'board' then 0 when 'leader' then 1 when 'head' then 2 when 'committee' then 3 when 'officer' then 4 else 5 end`;
const LIVE_REVIEW = `t.status in ('planned', 'in_progress', 'completed')`;
const OPEN_ACTION = `t.status in ('open', 'in_progress')`;

/**
 * One page of `table` rows (aliased `t`) matching `where`, in `orderBy`, kept to what the viewer may read
 * (the row rules' SQL), with position cursors and the count of the whole list in the same statement.
 */
async function pageOf<T extends object>(
  ctx: Context,
  entity: EntityClass<T>,
  table: string,
  list: string,
  where: string,
  params: unknown[],
  orderBy: string,
  pageArgs: PageArgs,
) {
  const page = readPage(list, pageArgs, isPosition);
  const visible = await rowFilter(ctx.viewer, table);
  const offset = page.after ?? 0;
  const rows: Record<string, unknown>[] = await ctx.em.getConnection().execute(
    `select t.*, count(*) over () as "_total" from "${table}" t where (${where})${visible ? ` and (${visible.sql})` : ''}
     order by ${orderBy} offset ? limit ?`,
    [...params, ...(visible?.params ?? []), offset, page.size + 1],
  );
  const total = rows.length ? Number(rows[0]._total) : 0;
  const nodes = mapRows(ctx.em, entity, rows);
  return connectionOf(
    nodes.map((node, i) => ({ node, position: offset + i + 1 })),
    page,
    (row) => ({ node: row.node, cursor: encodeCursor(list, row.position) }),
    // Past the last row the window count is not there to read: count again only then.
    async () => {
      if (rows.length || offset === 0) return total;
      const [counted]: { n: number }[] = await ctx.em
        .getConnection()
        .execute(`select count(*)::int as n from "${table}" t where (${where})${visible ? ` and (${visible.sql})` : ''}`, [
          ...params,
          ...(visible?.params ?? []),
        ]);
      return counted.n;
    },
  );
}

@Resolver(() => Me)
export class MeResolver {
  @Query(() => Me, {
    nullable: true,
    description:
      'The person asking: who they are, their posts, seats and reach, their open alerts, the peer reviews they take part in, the actions they own that are due and, for an executive head or CEO, everything open across their groups. Null for an API key or an anonymous caller.',
  })
  async me(@Ctx() ctx: Context): Promise<Me | null> {
    if (ctx.viewer.kind !== 'person') return null;
    const scope = await ctx.viewer.scope();
    if (!scope.known) return null;
    return new Me(ctx.viewer.personId!, scope);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Their own person record.' })
  async person(@Root() me: Me, @Ctx() ctx: Context): Promise<Person | null> {
    return (await byId(ctx, Person).load(me.personId)) ?? null;
  }

  @FieldResolver(() => [Post], { description: 'Their current staff posts.' })
  async posts(@Root() me: Me, @Ctx() ctx: Context): Promise<Post[]> {
    const rows: Record<string, unknown>[] = await ctx.em
      .getConnection()
      .execute(`select p.* from post p where p.person_id = ? and ${servingPost('p')} order by p.started_on, p.id`, [me.personId]);
    return mapRows(ctx.em, Post, rows);
  }

  @FieldResolver(() => [Governorship], { description: 'Their current seats on governing bodies.' })
  async governorships(@Root() me: Me, @Ctx() ctx: Context): Promise<Governorship[]> {
    const rows: Record<string, unknown>[] = await ctx.em
      .getConnection()
      .execute(`select g.* from governorship g where g.person_id = ? and ${sittingGovernor('g')} order by g.term_started_on, g.id`, [
        me.personId,
      ]);
    return mapRows(ctx.em, Governorship, rows);
  }

  @FieldResolver(() => MyReach, { description: 'What they reach, and how (the same reach that decides everything they see and may change).' })
  reach(@Root() me: Me): MyReach {
    return Object.assign(new MyReach(), { me, admin: me.scope.admin, roles: me.scope.roles, localAuthorityCodes: me.scope.laCodes });
  }

  @FieldResolver(() => AlertConnection, {
    description: 'Open alerts (not yet acknowledged) of the schools whose alerts they receive, in commit order, as the inbox pages them.',
  })
  openAlerts(@Root() _me: Me, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    return new AlertResolver().alerts(ctx, pageArgs, Object.assign(new AlertFilter(), { status: [AlertStatus.OPEN] }));
  }

  @FieldResolver(() => PeerReviewConnection, {
    description: 'Peer reviews they are on the team of (lead, reviewer or adviser), soonest first; finished ones (followed up, cancelled) only when asked.',
  })
  peerReviews(
    @Root() me: Me,
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('includeFinished', { defaultValue: false, description: 'Include reviews followed up or cancelled.' }) includeFinished: boolean,
  ) {
    return pageOf(
      ctx,
      PeerReview,
      'peer_review',
      `me.peerReviews${includeFinished ? '.all' : ''}`,
      `exists (select 1 from peer_review_reviewer rr where rr.peer_review_id = t.id and rr.person_id = ?)${includeFinished ? '' : ` and ${LIVE_REVIEW}`}`,
      [me.personId],
      't.started_on, t.id',
      pageArgs,
    );
  }

  @FieldResolver(() => PeerReviewActionConnection, {
    description: 'Actions agreed at a peer review that they own, not done or dropped, due within `withinDays` (overdue ones included), soonest due first.',
  })
  actionsDue(
    @Root() me: Me,
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('withinDays', () => Int, { defaultValue: 30, description: 'How far ahead to look, in days (0 to 3660).' }) withinDays: number,
  ) {
    if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > 3660)
      throw badInput(`withinDays must be a whole number from 0 to 3660; got ${withinDays}.`, 'withinDays');
    return pageOf(
      ctx,
      PeerReviewAction,
      'peer_review_action',
      `me.actionsDue.${withinDays}`,
      `t.owner_id = ? and ${OPEN_ACTION} and t.due_on <= current_date + ?::int
        and exists (select 1 from peer_review pr where pr.id = t.peer_review_id and pr.status <> 'cancelled')`,
      [me.personId, withinDays],
      't.due_on, t.id',
      pageArgs,
    );
  }

  @FieldResolver(() => ExecutiveOverview, {
    nullable: true,
    description: 'For an executive head or CEO (a current post leading a federation or trust): everything open across those groups. Null for anyone else.',
  })
  executiveOverview(@Root() me: Me): ExecutiveOverview | null {
    if (me.scope.leaderGroupIds.size === 0) return null;
    return Object.assign(new ExecutiveOverview(), { me });
  }
}

@Resolver(() => ReachedSchool)
export class ReachedSchoolResolver {
  @FieldResolver(() => School, { description: 'The school.' })
  async school(@Root() reached: ReachedSchool, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(reached.schoolId)) as School;
  }
}

@Resolver(() => ReachedGroup)
export class ReachedGroupResolver {
  @FieldResolver(() => Group, { description: 'The group.' })
  async group(@Root() reached: ReachedGroup, @Ctx() ctx: Context): Promise<Group> {
    return (await byId(ctx, Group).load(reached.groupId)) as Group;
  }
}

@ObjectType({ description: 'An edge in the list of schools a person reaches.' })
export class ReachedSchoolEdge extends EdgeType(ReachedSchool, 'The school reached, and how.') {}

@ObjectType({ description: 'A page of the schools a person reaches.' })
export class ReachedSchoolConnection extends ConnectionType(ReachedSchoolEdge) {}

@Resolver(() => MyReach)
export class MyReachResolver {
  @FieldResolver(() => ReachedSchoolConnection, {
    description: "Schools they reach, each once with the strongest authority held, by name (an officer's whole authority included).",
  })
  async schools(@Root() reach: MyReach, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const list = 'me.reach.schools';
    const page = readPage(list, pageArgs, isPosition);
    const offset = page.after ?? 0;
    const rows: { school_id: number; authority: ReachAuthority; via: string; total: string }[] = await ctx.em.getConnection().execute(
      `select *, count(*) over () as total from (
         select distinct on (s.name, s.id) s.name, r.school_id, r.authority, r.via from ${schoolReach()} r join school s on s.id = r.school_id
         where r.person_id = ? order by s.name, s.id, ${RANK_SQL}, r.via) reached
       order by name, school_id offset ? limit ?`,
      [reach.me.personId, offset, page.size + 1],
    );
    const total = rows.length ? Number(rows[0].total) : 0;
    return connectionOf(
      rows.map((row, i) => ({ row, position: offset + i + 1 })),
      page,
      ({ row, position }) => ({
        node: Object.assign(new ReachedSchool(), { schoolId: row.school_id, authority: row.authority, via: row.via }),
        cursor: encodeCursor(list, position),
      }),
      // Past the end there is no row to carry the count: count again only then.
      async () => {
        if (rows.length || offset === 0) return total;
        const [counted]: { n: number }[] = await ctx.em
          .getConnection()
          .execute(`select count(distinct r.school_id)::int as n from ${schoolReach()} r where r.person_id = ?`, [reach.me.personId]);
        return counted.n;
      },
    );
  }

  @FieldResolver(() => [ReachedGroup], { description: 'Federations and trusts they govern or lead, by name (a handful at most).' })
  async groups(@Root() reach: MyReach, @Ctx() ctx: Context): Promise<ReachedGroup[]> {
    const rows: { group_id: number; authority: ReachAuthority }[] = await ctx.em.getConnection().execute(
      `select distinct on (g.name, g.id) r.group_id, r.authority from ${groupReach()} r join school_group g on g.id = r.group_id
       where r.person_id = ? order by g.name, g.id, ${RANK_SQL}`,
      [reach.me.personId],
    );
    return rows.map((row) => Object.assign(new ReachedGroup(), { groupId: row.group_id, authority: row.authority }));
  }
}

/** The schools of the groups an executive leads, as SQL over `?::int[]` (the led group ids). */
const LED_SCHOOLS = `select m.school_id from membership m where m.group_id = any(?::int[]) and ${currentMembership('m')}`;

@Resolver(() => ExecutiveOverview)
export class ExecutiveOverviewResolver {
  @FieldResolver(() => [Group], { description: 'The federations and trusts they lead, by name.' })
  async groups(@Root() overview: ExecutiveOverview, @Ctx() ctx: Context): Promise<Group[]> {
    const groups = await byId(ctx, Group).loadMany([...overview.me.scope.leaderGroupIds]);
    return groups.filter((g): g is Group => g instanceof Group).sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
  }

  @FieldResolver(() => InterventionCaseConnection, {
    description: 'Open intervention cases of their schools, or supported by their groups, oldest first.',
  })
  openCases(@Root() overview: ExecutiveOverview, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const groups = intArray(overview.me.scope.leaderGroupIds);
    return pageOf(
      ctx,
      InterventionCase,
      'intervention_case',
      'me.executive.openCases',
      `t.status = 'open' and (t.school_id in (${LED_SCHOOLS}) or t.supporting_group_id = any(?::int[]))`,
      [groups, groups],
      't.opened_on, t.id',
      pageArgs,
    );
  }

  @FieldResolver(() => PeerReviewConnection, {
    description: 'Peer reviews planned, under way or completed but not yet followed up, of their schools or scheduled by their groups, soonest first.',
  })
  openReviews(@Root() overview: ExecutiveOverview, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const groups = intArray(overview.me.scope.leaderGroupIds);
    return pageOf(
      ctx,
      PeerReview,
      'peer_review',
      'me.executive.openReviews',
      `${LIVE_REVIEW} and (t.school_id in (${LED_SCHOOLS}) or t.group_id = any(?::int[]))`,
      [groups, groups],
      't.started_on, t.id',
      pageArgs,
    );
  }

  @FieldResolver(() => PeerReviewActionConnection, {
    description: 'Agreed actions past their due date and neither done nor dropped, at reviews of their schools or scheduled by their groups, most overdue first.',
  })
  overdueActions(@Root() overview: ExecutiveOverview, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const groups = intArray(overview.me.scope.leaderGroupIds);
    return pageOf(
      ctx,
      PeerReviewAction,
      'peer_review_action',
      'me.executive.overdueActions',
      `${OPEN_ACTION} and t.due_on < current_date and exists (select 1 from peer_review pr where pr.id = t.peer_review_id
        and pr.status <> 'cancelled' and (pr.school_id in (${LED_SCHOOLS}) or pr.group_id = any(?::int[])))`,
      [groups, groups],
      't.due_on, t.id',
      pageArgs,
    );
  }
}

export const meResolvers = [MeResolver, MyReachResolver, ReachedSchoolResolver, ReachedGroupResolver, ExecutiveOverviewResolver];
