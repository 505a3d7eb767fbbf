import { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, FieldResolver, ID, Info, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { byId, childConnection, childPages, ChildList, ExtraColumns, listsByParent, selectByParent, whenReady } from '../core/loaders';
import { rowFilter } from '../auth/policy';
import {
  andWhere,
  decodePage,
  edgeFieldNames,
  nestedBuilder,
  nestedPrimer,
  ObjectJson,
  objectSql,
  pageSql,
  Plan,
  planBelow,
  prefetchObjects,
  primeById,
  registerPrefetch,
  Selection,
  SqlBuilder,
} from '../core/prefetch';
import { columnsFor } from '../core/rows';
import { fromGlobalId } from '../core/node';
import { registerNodeTypes } from '../core/node.resolver';
import { badInput, connectionOf, ConnectionType, EdgeType, encodeCursor, isPosition, PageArgs, readPage } from '../core/pagination';
import { DateScalar } from '../core/scalars';
import { School } from '../schools/school.entity';
import type { Context } from '../core/context';
import { Group, GroupLink, Membership, StrategicObjective } from './group.entity';
import { GroupKind, MembershipRole } from './group.enums';
import { GroupFilter } from './group.inputs';
import { countGroups, findGroups, GroupKey, prefetchGroups } from './group.service';

registerNodeTypes(Group, Membership, GroupLink, StrategicObjective);

@ObjectType({ description: 'An edge in a list of groups.' })
export class GroupEdge extends EdgeType(Group, 'The group.') {}

@ObjectType({ description: 'A page of groups.' })
export class GroupConnection extends ConnectionType(GroupEdge) {}

/** A membership seen from the group: the school is the node, the membership's role and dates sit on the edge. */
@ObjectType({ description: 'A member school of a group, with its role and dates on the edge.' })
export class GroupMemberEdge {
  @Field(() => School, { description: 'The member school.' })
  node!: School;

  @Field(() => MembershipRole, { description: "The school's role in the group." })
  role!: MembershipRole;

  @Field(() => DateScalar, { description: 'Date the school joined.' })
  joinedOn!: string;

  @Field(() => DateScalar, { nullable: true, description: 'Date the school left; null while it is a member.' })
  leftOn?: string;

  @Field(() => Membership, { description: 'The membership itself (its ID ends it with membershipEnd).' })
  membership!: Membership;

  @Field({ description: 'Opaque cursor of this edge, for `after`.' })
  cursor!: string;
}

@ObjectType({ description: 'A page of member schools.' })
export class GroupMemberConnection extends ConnectionType(GroupMemberEdge) {}

const isGroupKey = (value: unknown): value is GroupKey =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isInteger(value[1]);

function membersList(includeFormer: boolean): ChildList {
  return {
    list: includeFormer ? 'group.members.all' : 'group.members',
    table: 'membership',
    parentColumn: 'group_id',
    where: includeFormer ? undefined : 't.left_on is null',
    // Lead schools first, then by joining date: the order an executive head reads them in.
    orderBy: `(t.role = 'lead') desc, t.joined_on, t.id`,
  };
}

/**
 * The member schools in the members statement itself, with whatever can be prefetched below them
 * (core/prefetch.ts): each school's bodies, staff, inspection, measures and alerts come in the same
 * statement and are primed into the loaders the School resolvers read. `plan` is what is planned
 * below the schools; its signature is part of the loader's key.
 */
function memberSchools(ctx: Context, plan: Plan | undefined): ExtraColumns | undefined {
  if (!plan) return undefined;
  return {
    key: plan.signature,
    columns: async (alias) => {
      const builder = new SqlBuilder();
      const school = await objectSql(ctx, School, 'school', `${alias}.school_id`, builder, nestedBuilder(ctx, plan, builder), plan.columns);
      return { sql: `${school.sql} as _school`, params: school.params };
    },
    after: async (rows) => {
      await Promise.all(
        rows.map((row) => primeById(ctx, School, Number(row.school_id), row._school as never, nestedPrimer(ctx, plan), plan)),
      );
    },
  };
}

const membersPage = (args: Record<string, unknown>, { edgeFields }: Selection) => {
  const spec = membersList(!!args.includeFormer);
  return { spec, page: readPage(spec.list, args as unknown as PageArgs, isPosition), edgeFields };
};

/**
 * The columns of the memberships a selection of member edges needs: the id, the school (the node)
 * and the membership's own fields the edges ask for (role, joinedOn, leftOn); undefined (every
 * column) when an edge asks for the membership itself. Most reads of members want the schools
 * alone, and a membership's kind, role and dates were a third of what a list of members cost to
 * build and send. Kept per selection (edgeFieldNames keeps one array per position).
 */
function membershipColumns(ctx: Context, edgeFields: readonly string[]): readonly string[] | undefined {
  if (!edgeColumns.has(edgeFields)) {
    const fields = edgeFields.filter((name) => name !== 'cursor' && name !== '__typename');
    edgeColumns.set(edgeFields, fields.includes('membership') ? undefined : columnsFor(ctx.em, Membership, fields, ['school_id']));
  }
  return edgeColumns.get(edgeFields);
}
const edgeColumns = new WeakMap<readonly string[], readonly string[] | undefined>();

/** The loader variant of memberships read with those columns (whole rows have none). */
const membershipVariant = (columns: readonly string[] | undefined) => columns?.join(',');

// A group's members (and everything below them) in the statement of the group itself, when the group
// is read by `group(id)` or `groups`: the same list, page and row rule as the resolver's.
registerPrefetch('Group', 'members', {
  childType: 'School',
  parentColumns: [],
  connection: true,
  prepare: membersPage,
  sql: async (ctx, { spec, page, edgeFields }, parent, b, nested, child) => {
    const where = andWhere(spec.where, await rowFilter(ctx.viewer, spec.table));
    const school = async (membership: string) => objectSql(ctx, School, 'school', `${membership}.school_id`, b, nested, child?.columns);
    // After the membership's columns, its one nested value: the school.
    const columns = membershipColumns(ctx, edgeFields);
    return pageSql(ctx, Membership, spec.table, spec.parentColumn, `${parent}.id`, where, spec.orderBy, page.after ?? 0, page.size, b, school, columns);
  },
  prime: (ctx, { spec, page, edgeFields }, group, json, nested, child, field) => {
    const columns = membershipColumns(ctx, edgeFields);
    const decoded = decodePage(
      ctx,
      Membership,
      json,
      (membership, values, offset) =>
        whenReady(primeById(ctx, School, (membership as Membership).school.id, (values[offset] as ObjectJson | null) ?? null, nested, child), () => undefined),
      columns,
      page.after ?? 0,
    );
    const loader = ctx.loaders.atPosition(field, () =>
      childPages(ctx, Membership, spec, page, memberSchools(ctx, child), membershipVariant(columns)),
    );
    return whenReady(decoded, (result) => void loader.prime(group.id, result));
  },
});

@Resolver(() => Group)
export class GroupResolver {
  @Query(() => Group, { nullable: true, description: 'A group by global ID; null when there is none.' })
  async group(
    @Ctx() ctx: Context,
    @Arg('id', () => ID, { description: 'Global ID of the group.' }) id: string,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Group | null> {
    const parsed = fromGlobalId(id);
    if (!parsed || parsed.typeName !== 'Group') throw badInput('id is not the ID of a Group.', 'id');
    // The group and everything asked below it, in one statement.
    const plan = planBelow(ctx, info, 'Group', false);
    if (plan?.fields.length) {
      await prefetchObjects(ctx, Group, 'school_group', [parsed.id], plan);
      return (await byId(ctx, Group, plan.variant).load(parsed.id)) ?? null;
    }
    return (await byId(ctx, Group).load(parsed.id)) ?? null;
  }

  @Query(() => GroupConnection, { description: 'Groups in name order, optionally of some kinds and matching a filter.' })
  async groups(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Args() pageArgs: PageArgs,
    @Arg('kind', () => [GroupKind], { nullable: true, description: 'Kinds of group to include (all when omitted).' }) kind?: GroupKind[],
    @Arg('filter', () => GroupFilter, { nullable: true, description: 'Conditions every group returned meets.' }) filter?: GroupFilter,
  ) {
    const page = readPage('groups', pageArgs, isGroupKey);
    // The page with everything asked below its groups, in one statement.
    const plan = planBelow(ctx, info, 'Group', true);
    const rows = plan?.fields.length
      ? await prefetchGroups(ctx, kind, filter, page.after, page.size, plan)
      : await findGroups(ctx.em, kind, filter, page.after, page.size + 1);
    return connectionOf(
      rows,
      page,
      (group) => ({ node: group, cursor: encodeCursor('groups', [group.name, group.id]) }),
      () => countGroups(ctx.em, kind, filter),
    );
  }

  @FieldResolver(() => GroupMemberConnection, { description: 'Member schools, lead first then by joining date.' })
  members(
    @Root() group: Group,
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('includeFormer', { defaultValue: false, description: 'Include schools that have left (history).' }) includeFormer: boolean,
    @Info() info: GraphQLResolveInfo,
  ) {
    const spec = membersList(includeFormer);
    const page = readPage(spec.list, pageArgs, isPosition);
    const plan = planBelow(ctx, info, 'School', true);
    const schoolsLoader = byId(ctx, School, plan?.variant);
    // The variant a prefetch primed these edges' memberships under (whole rows when loaded here).
    const variant = membershipVariant(membershipColumns(ctx, edgeFieldNames(info, info.fieldNodes)));
    return whenReady(childPages(ctx, Membership, spec, page, memberSchools(ctx, plan), variant).loadNow(group.id), (result) => {
      const memberships = result.rows.slice(0, page.size);
      // The page's schools, at once when prefetched (as they are with the page), so each edge is built at once.
      const connection = (schools: (School | undefined)[]) => {
        const schoolOf = new Map(memberships.map((membership, i) => [membership, schools[i]]));
        return childConnection(spec, page, result, (membership, cursor) => ({
          node: schoolOf.get(membership) as School,
          role: membership.role,
          joinedOn: membership.joinedOn,
          leftOn: membership.leftOn,
          membership,
          cursor,
        }));
      };
      const schools = memberships.map((membership) => schoolsLoader.loadNow(membership.school.id));
      return schools.some((school) => school instanceof Promise) ? Promise.all(schools).then(connection) : connection(schools as (School | undefined)[]);
    });
  }

  @FieldResolver(() => [GroupLink], { description: 'Current links from and to other groups.' })
  links(@Root() group: Group, @Ctx() ctx: Context): Promise<GroupLink[]> {
    return listsByParent(ctx, 'Group.links', (ids) =>
      selectByParent(
        ctx.em,
        GroupLink,
        `select l.from_group_id as _parent, l.* from group_link l where l.from_group_id in (?) and l.ended_on is null
         union all
         select l.to_group_id as _parent, l.* from group_link l where l.to_group_id in (?) and l.ended_on is null
         order by started_on, id`,
        [ids, ids],
      ),
    ).load(group.id);
  }

  @FieldResolver(() => [StrategicObjective], { description: 'What the group set out to achieve, and how it will know.' })
  objectives(@Root() group: Group, @Ctx() ctx: Context): Promise<StrategicObjective[]> {
    return listsByParent(ctx, 'Group.objectives', (ids) =>
      selectByParent(
        ctx.em,
        StrategicObjective,
        `select o.group_id as _parent, o.* from strategic_objective o where o.group_id in (?) order by o.id`,
        [ids],
      ),
    ).load(group.id);
  }
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => School, { description: 'The member school.' })
  async school(@Root() membership: Membership, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(membership.school.id)) as School;
  }

  @FieldResolver(() => Group, { description: 'The group.' })
  async group(@Root() membership: Membership, @Ctx() ctx: Context): Promise<Group> {
    return (await byId(ctx, Group).load(membership.group.id)) as Group;
  }
}

@Resolver(() => GroupLink)
export class GroupLinkResolver {
  @FieldResolver(() => Group, { description: 'The group the link starts from.' })
  async fromGroup(@Root() link: GroupLink, @Ctx() ctx: Context): Promise<Group> {
    return (await byId(ctx, Group).load(link.fromGroup.id)) as Group;
  }

  @FieldResolver(() => Group, { description: 'The group the link points to.' })
  async toGroup(@Root() link: GroupLink, @Ctx() ctx: Context): Promise<Group> {
    return (await byId(ctx, Group).load(link.toGroup.id)) as Group;
  }
}

@Resolver(() => StrategicObjective)
export class StrategicObjectiveResolver {
  @FieldResolver(() => Group, { description: 'The group the objective belongs to.' })
  async group(@Root() objective: StrategicObjective, @Ctx() ctx: Context): Promise<Group> {
    return (await byId(ctx, Group).load(objective.group.id)) as Group;
  }
}

/** A school's side of its memberships. */
@Resolver(() => School)
export class SchoolMembershipResolver {
  @FieldResolver(() => [Membership], { description: "The school's memberships of groups, current first; former ones only when asked." })
  memberships(
    @Root() school: School,
    @Ctx() ctx: Context,
    @Arg('includeFormer', { defaultValue: false, description: 'Include memberships that have ended (history).' }) includeFormer: boolean,
  ): Promise<Membership[]> {
    return listsByParent(ctx, `School.memberships:${includeFormer}`, (ids) =>
      selectByParent(
        ctx.em,
        Membership,
        `select m.school_id as _parent, m.* from membership m where m.school_id in (?)${includeFormer ? '' : ' and m.left_on is null'}
         order by m.left_on desc nulls first, m.joined_on desc, m.id`,
        [ids],
      ),
    ).load(school.id);
  }
}
