import { Access } from '../auth/auth-checker';
import { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, FieldResolver, ID, Info, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { byId, childConnection, childPages, ChildList, listsByParent, selectByParent, whenReady } from '../core/loaders';
import { fromGlobalId } from '../core/node';
import { registerNodeTypes } from '../core/node.resolver';
import { badInput, ConnectionType, EdgeType, isPosition, PageArgs, readPage } from '../core/pagination';
import { loadByGlobalId, mutate } from '../core/mutation';
import { pagePrefetcher, pageVariant, registerPrefetch, relationPrefetcher, rowVariant } from '../core/prefetch';
import { check, fail, requireOrder, UserError, UserErrorCode } from '../core/user-errors';
import { Group } from '../groups/group.entity';
import { GroupStatus } from '../groups/group.enums';
import { School } from '../schools/school.entity';
import { SchoolStatus } from '../schools/school.enums';
import type { Context } from '../core/context';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ledGroupsOf, mayChangePost, PostFacts, refuseUnless } from '../auth/reach-rules';
import { EXECUTIVE_ROLES, LED_KINDS_SQL, REACH_ROLES } from '../core/reach';
import { currentMembership, servingPost } from '../core/current';
import { intArray } from '../auth/viewer';
import { Person, Post } from './person.entity';
import { PersonAssignPostInput, PersonCreateInput, PostEndInput } from './people.inputs';

registerNodeTypes(Person, Post);

@ObjectType({ description: 'An edge in a list of staff posts.' })
export class PostEdge extends EdgeType(Post, 'The post.') {}

@ObjectType({ description: 'A page of staff posts.' })
export class PostConnection extends ConnectionType(PostEdge) {}

@ObjectType({ description: 'Result of creating a person.' })
export class PersonPayload {
  @Field(() => Person, { nullable: true, description: 'The new person; null when nothing was written.' })
  person?: Person;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of assigning or ending a post.' })
export class PostPayload {
  @Field(() => Post, { nullable: true, description: 'The post; null when nothing was written.' })
  post?: Post;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

const staffList = (includeEnded: boolean): ChildList => ({
  list: includeEnded ? 'school.staff.all' : 'school.staff',
  table: 'post',
  parentColumn: 'school_id',
  where: includeEnded ? undefined : 't.ended_on is null',
  // Leaders first, in the order a school lists them.
  orderBy: `array_position(array['executive_head','ceo','headteacher','head_of_school','deputy_head']::text[], t.role::text) nulls last, t.started_on, t.id`,
});

// Prefetched with the list above the school or the post (core/prefetch.ts), under the same row rules.
registerPrefetch('School', 'staff', pagePrefetcher(Post, 'Post', (args) => staffList(!!args.includeEnded)));
registerPrefetch('Post', 'person', relationPrefetcher(Person, 'person', 'person_id', (post) => post.person?.id, 'Person'));

/** Each person's current posts, keyed by person: what marks shared staff. */
function currentPostsOf(ctx: Context) {
  return listsByParent(ctx, 'Person.currentPosts', (ids) =>
    selectByParent(
      ctx.em,
      Post,
      `select p.person_id as _parent, p.* from post p where p.person_id in (?) and p.ended_on is null order by p.started_on, p.id`,
      [ids],
    ),
  );
}

function schoolsServed(posts: Post[]): Set<number> {
  return new Set(posts.filter((post) => post.school).map((post) => post.school!.id));
}

@Resolver(() => Person)
@Authorized(Access.PEOPLE)
export class PersonResolver {
  @Query(() => Person, { nullable: true, description: 'A person by global ID; null when there is none.' })
  async person(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'Global ID of the person.' }) id: string): Promise<Person | null> {
    const parsed = fromGlobalId(id);
    if (!parsed || parsed.typeName !== 'Person') throw badInput('id is not the ID of a Person.', 'id');
    return (await byId(ctx, Person).load(parsed.id)) ?? null;
  }

  @FieldResolver(() => [Post], { description: 'Staff posts the person holds; ended ones only when asked.' })
  async posts(
    @Root() person: Person,
    @Ctx() ctx: Context,
    @Arg('includeEnded', { defaultValue: false, description: 'Include posts that have ended (history).' }) includeEnded: boolean,
  ): Promise<Post[]> {
    if (!includeEnded) return currentPostsOf(ctx).load(person.id);
    return listsByParent(ctx, 'Person.allPosts', (ids) =>
      selectByParent(
        ctx.em,
        Post,
        `select p.person_id as _parent, p.* from post p where p.person_id in (?) order by p.ended_on desc nulls first, p.started_on desc, p.id`,
        [ids],
      ),
    ).load(person.id);
  }

  @FieldResolver(() => Boolean, { description: 'Whether the person currently holds posts in more than one school (shared staff).' })
  async isSharedStaff(@Root() person: Person, @Ctx() ctx: Context): Promise<boolean> {
    return schoolsServed(await currentPostsOf(ctx).load(person.id)).size > 1;
  }
}

@Resolver(() => Post)
@Authorized(Access.PEOPLE)
export class PostResolver {
  @FieldResolver(() => Person, { nullable: true, description: 'The person holding the post; null when you may not see them.' })
  person(@Root() post: Post, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Person | null | Promise<Person | null> {
    const people = ctx.loaders.atPosition(info.fieldNodes, () => byId(ctx, Person, rowVariant(ctx, info, 'Person', false)));
    return whenReady(people.loadNow(post.person.id), (person) => person ?? null);
  }

  @FieldResolver(() => School, { nullable: true, description: 'The school served, for a school post.' })
  async school(@Root() post: Post, @Ctx() ctx: Context): Promise<School | null> {
    return post.school ? ((await byId(ctx, School).load(post.school.id)) ?? null) : null;
  }

  @FieldResolver(() => Group, { nullable: true, description: 'The group served, for a group post (e.g. a trust CEO).' })
  async group(@Root() post: Post, @Ctx() ctx: Context): Promise<Group | null> {
    return post.group ? ((await byId(ctx, Group).load(post.group.id)) ?? null) : null;
  }

  @FieldResolver(() => [School], { description: 'Other schools where the same person currently holds a post: non-empty for shared staff.' })
  async sharedWith(@Root() post: Post, @Ctx() ctx: Context): Promise<School[]> {
    const others = [...schoolsServed(await currentPostsOf(ctx).load(post.person.id))].filter((id) => id !== post.school?.id);
    return (await byId(ctx, School).loadMany(others)).filter((school): school is School => school instanceof School);
  }
}

@Resolver(() => School)
@Authorized(Access.PEOPLE)
export class SchoolStaffResolver {
  @FieldResolver(() => PostConnection, { description: 'Staff posts in the school, leaders first; ended posts only when asked.' })
  staff(
    @Root() school: School,
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('includeEnded', { defaultValue: false, description: 'Include posts that have ended (history).' }) includeEnded: boolean,
    @Info() info: GraphQLResolveInfo,
  ) {
    const { spec, page, loader } = ctx.loaders.atPosition(info.fieldNodes, () => {
      const spec = staffList(includeEnded);
      const page = readPage(spec.list, pageArgs, isPosition);
      // Only the total when only the total is asked (a prefetched count-only page is kept under its own key).
      return { spec, page, loader: childPages(ctx, Post, spec, page, undefined, pageVariant(info) ?? rowVariant(ctx, info, 'Post', true)) };
    });
    return whenReady(loader.loadNow(school.id), (result) => childConnection(spec, page, result, (node, cursor) => ({ node, cursor })));
  }
}

/**
 * A group's executive leaders, from posts, for any kind of group: executive heads and CEOs posted on the
 * group itself (a trust CEO, a cluster's or hub's executive lead) and, for the groups they lead (federations
 * and trusts, core/reach.ts), executive heads and CEOs posted at its current member schools, which is how a
 * federation's executive head is usually recorded (a post in each school). One post per person: the
 * group post when there is one, else their first at a member school.
 */
const GROUP_LEADERS_SQL = `select distinct on (l._parent, l.person_id) l.* from (
    select p.group_id as _parent, 0 as _rank, p.* from post p
    where p.group_id = any(?::int[]) and p.role in (${EXECUTIVE_ROLES.map((r) => `'${r}'`).join(', ')}) and ${servingPost('p')}
    union all
    select m.group_id, 1, p.* from membership m
    join school_group sg on sg.id = m.group_id and sg.kind in (${LED_KINDS_SQL})
    join post p on p.school_id = m.school_id and p.role in (${EXECUTIVE_ROLES.map((r) => `'${r}'`).join(', ')}) and ${servingPost('p')}
    where m.group_id = any(?::int[]) and ${currentMembership('m')}
  ) l order by l._parent, l.person_id, l._rank, l.id`;

@Resolver(() => Group)
@Authorized(Access.PEOPLE)
export class GroupLeadersResolver {
  @FieldResolver(() => [Post], {
    description:
      "The group's executive leaders, for any kind of group: executive heads and CEOs posted on the group, and for a federation or trust those posted at its current member schools; one post per person, the group post first.",
  })
  leaders(@Root() group: Group, @Ctx() ctx: Context): Promise<Post[]> {
    return listsByParent(ctx, 'Group.leaders', async (ids) => {
      const pairs = await selectByParent(ctx.em, Post, GROUP_LEADERS_SQL, [intArray(ids), intArray(ids)]);
      // Group posts first, then by when they started: the order a reader expects.
      return pairs.sort(([a, x], [b, y]) => a - b || (x.group ? 0 : 1) - (y.group ? 0 : 1) || x.startedOn.localeCompare(y.startedOn) || x.id - y.id);
    }).load(group.id);
  }
}

/** Who may give or end a post (auth/reach-rules.ts): posts that grant reach need authority above them. */
async function authorizePost(
  em: EntityManager,
  ctx: Context,
  post: { role: string; personId: number; school?: { id: number } | null; group?: { id: number } | null },
  action: 'assign' | 'end',
  field: string[],
): Promise<void> {
  const group = post.group ? await em.findOneOrFail(Group, post.group.id) : undefined;
  const facts: PostFacts = {
    role: post.role,
    personId: post.personId,
    schoolId: post.school?.id,
    groupId: group?.id,
    groupKind: group?.kind,
    schoolLedGroupIds: post.school ? await ledGroupsOf(em, post.school.id) : [],
  };
  await refuseUnless(ctx.viewer, field, (scope) => mayChangePost(scope, facts, action, ctx.viewer.personId), {
    appsMay: !REACH_ROLES.includes(post.role),
  });
}

@Resolver()
@Authorized(Access.WRITE_PEOPLE)
export class PeopleMutations {
  @Mutation(() => PersonPayload, { description: 'Creates a person, who can then be given posts or governorships.' })
  personCreate(@Arg('input', { description: 'The new person.' }) input: PersonCreateInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      await check(input);
      const person = em.create(Person, { fullName: input.fullName.trim(), email: input.email, phone: input.phone });
      await em.flush();
      return { person };
    });
  }

  @Mutation(() => PostPayload, {
    description: 'Gives a person a staff post in a school or group. Posts in several schools make shared staff.',
  })
  personAssignPost(@Arg('input', { description: 'The person, the role and where.' }) input: PersonAssignPostInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      if (Boolean(input.schoolId) === Boolean(input.groupId)) fail(['input', 'schoolId'], 'give exactly one of schoolId and groupId.');
      if (!(input.fte > 0 && input.fte <= 1)) fail(['input', 'fte'], `must be more than 0 and at most 1; got ${input.fte}.`);
      const person = await loadByGlobalId(em, Person, input.personId, ['input', 'personId']);
      const school = input.schoolId ? await loadByGlobalId(em, School, input.schoolId, ['input', 'schoolId'], 'see') : undefined;
      const group = input.groupId ? await loadByGlobalId(em, Group, input.groupId, ['input', 'groupId'], 'see') : undefined;
      await authorizePost(em, ctx, { role: input.role, personId: person.id, school, group }, 'assign', [
        'input',
        input.schoolId ? 'schoolId' : 'groupId',
      ]);
      if (school?.status === SchoolStatus.CLOSED)
        fail(['input', 'schoolId'], `${school.name} (URN ${school.urn}) is closed.`, UserErrorCode.CONFLICT);
      if (group?.status === GroupStatus.CLOSED) fail(['input', 'groupId'], `the group "${group.name}" is closed.`, UserErrorCode.CONFLICT);
      // A person's posts together cannot exceed one full-time job.
      const [{ total }] = await em
        .getConnection()
        .execute(`select coalesce(sum(fte), 0) as total from post where person_id = ? and ended_on is null`, [person.id]);
      if (Number(total) + input.fte > 1.0001) {
        fail(
          ['input', 'fte'],
          `${person.fullName} already holds ${Number(total)} FTE; this post would take them over 1.`,
          UserErrorCode.CONFLICT,
        );
      }
      const post = em.create(Post, { person, role: input.role, school, group, fte: input.fte, startedOn: input.startedOn });
      await em.flush();
      return { post };
    });
  }

  @Mutation(() => PostPayload, { description: 'Ends a staff post; it is kept as history.' })
  postEnd(@Arg('input', { description: 'The post and the date it ended.' }) input: PostEndInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      const post = await loadByGlobalId(em, Post, input.postId, ['input', 'postId'], 'see');
      await authorizePost(em, ctx, { role: post.role, personId: post.person.id, school: post.school, group: post.group }, 'end', ['input', 'postId']);
      if (post.endedOn) fail(['input', 'postId'], `the post already ended on ${post.endedOn}.`, UserErrorCode.CONFLICT);
      requireOrder(post.startedOn, input.endedOn, ['input', 'endedOn'], `must not be before the post started (${post.startedOn}).`);
      post.endedOn = input.endedOn;
      await em.flush();
      return { post };
    });
  }
}
