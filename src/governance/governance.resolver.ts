import { Access } from '../auth/auth-checker';
import { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, FieldResolver, Info, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { publish } from '../core/domain-events';
import { byId, childConnection, childPages, ChildList, listsByParent, selectByParent, whenReady } from '../core/loaders';
import { registerNodeTypes } from '../core/node.resolver';
import { ConnectionType, EdgeType, isPosition, PageArgs, readPage } from '../core/pagination';
import { loadByGlobalId, mutate } from '../core/mutation';
import { arrayRowMapper, rowValuesSql, rowWidth } from '../core/rows';
import { joinPrimings, NestedPrimer, ObjectJson, objectJsonSql, pageVariant, Priming, registerPrefetch, rowVariant, Sql, relationPrefetcher, pagePrefetcher, sql } from '../core/prefetch';
import { visibleRows, visibleRowsNow } from '../auth/policy';
import { check, fail, requireOrder, UserError, UserErrorCode } from '../core/user-errors';
import { Group, Membership } from '../groups/group.entity';
import { GroupKind, GroupStatus } from '../groups/group.enums';
import { Person } from '../people/person.entity';
import { School } from '../schools/school.entity';
import type { Context } from '../core/context';
import { currentMembership } from '../core/current';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BodyFacts, laCodesOf, mayChangeSeat, mayCreateBody, refuseUnless } from '../auth/reach-rules';
import { GoverningBody, Governorship } from './governance.entity';
import { GoverningBodyKind } from './governance.enums';
import { GoverningBodyAppointGovernorInput, GoverningBodyCreateInput, GovernorshipEndInput } from './governance.inputs';

registerNodeTypes(GoverningBody, Governorship);

@ObjectType({ description: 'An edge in a list of governorships.' })
export class GovernorshipEdge extends EdgeType(Governorship, 'The governorship.') {}

@ObjectType({ description: 'A page of governorships.' })
export class GovernorshipConnection extends ConnectionType(GovernorshipEdge) {}

@ObjectType({ description: 'Result of creating a governing body.' })
export class GoverningBodyPayload {
  @Field(() => GoverningBody, { nullable: true, description: 'The new body; null when nothing was written.' })
  governingBody?: GoverningBody;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of appointing a governor or ending a term.' })
export class GovernorshipPayload {
  @Field(() => Governorship, { nullable: true, description: 'The governorship; null when nothing was written.' })
  governorship?: Governorship;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

function governorsList(includeFormer: boolean): ChildList {
  return {
    list: includeFormer ? 'governingBody.governors.all' : 'governingBody.governors',
    table: 'governorship',
    parentColumn: 'governing_body_id',
    where: includeFormer ? undefined : 't.ended_on is null',
    // Chairs first, then by length of service.
    orderBy: `(t.role like 'chair%') desc, t.term_started_on, t.id`,
  };
}

// Prefetched with the list above the body or the seat (core/prefetch.ts), under the same row rules.
registerPrefetch('GoverningBody', 'governors', pagePrefetcher(Governorship, 'Governorship', (args) => governorsList(!!args.includeFormer)));
registerPrefetch(
  'Governorship',
  'person',
  relationPrefetcher(Person, 'person', 'person_id', (seat) => seat.person?.id, 'Person'),
);

const TRUST_KINDS = [GroupKind.MULTI_ACADEMY_TRUST, GroupKind.SINGLE_ACADEMY_TRUST, GroupKind.UMBRELLA_TRUST];

@Resolver(() => GoverningBody)
@Authorized(Access.GOVERNANCE)
export class GoverningBodyResolver {
  @FieldResolver(() => School, { nullable: true, description: 'The school, for a school body or a local committee.' })
  async school(@Root() body: GoverningBody, @Ctx() ctx: Context): Promise<School | null> {
    return body.school ? ((await byId(ctx, School).load(body.school.id)) ?? null) : null;
  }

  @FieldResolver(() => Group, { nullable: true, description: 'The federation or trust, for the bodies of groups and local committees.' })
  async group(@Root() body: GoverningBody, @Ctx() ctx: Context): Promise<Group | null> {
    return body.group ? ((await byId(ctx, Group).load(body.group.id)) ?? null) : null;
  }

  @FieldResolver(() => GovernorshipConnection, {
    description: 'Seats on the body: serving governors, chairs first; former ones only when asked.',
  })
  governors(
    @Root() body: GoverningBody,
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('includeFormer', { defaultValue: false, description: 'Include governors who have stood down (history).' }) includeFormer: boolean,
    @Info() info: GraphQLResolveInfo,
  ) {
    const { spec, page, loader } = ctx.loaders.atPosition(info.fieldNodes, () => {
      const spec = governorsList(includeFormer);
      const page = readPage(spec.list, pageArgs, isPosition);
      // Only the total when only the total is asked (a prefetched count-only page is kept under its own key).
      return { spec, page, loader: childPages(ctx, Governorship, spec, page, undefined, pageVariant(info) ?? rowVariant(ctx, info, 'Governorship', true)) };
    });
    // At once when prefetched (loadNow), as are the people below.
    return whenReady(loader.loadNow(body.id), (result) => childConnection(spec, page, result, (node, cursor) => ({ node, cursor })));
  }
}

@Resolver(() => Governorship)
@Authorized(Access.GOVERNANCE)
export class GovernorshipResolver {
  @FieldResolver(() => Person, {
    nullable: true,
    description: 'The governor; null when you may not see people (an API key without read:people).',
  })
  person(@Root() governorship: Governorship, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Person | null | Promise<Person | null> {
    const people = ctx.loaders.atPosition(info.fieldNodes, () => byId(ctx, Person, rowVariant(ctx, info, 'Person', false)));
    return whenReady(people.loadNow(governorship.person.id), (person) => person ?? null);
  }

  @FieldResolver(() => GoverningBody, {
    nullable: true,
    description: 'The body the seat is on; null when you may not see it (your own seat on a body you do not sit on yet).',
  })
  async governingBody(@Root() governorship: Governorship, @Ctx() ctx: Context): Promise<GoverningBody | null> {
    return (await byId(ctx, GoverningBody).load(governorship.governingBody.id)) ?? null;
  }
}

/** The order bodies are listed in: the trust board or federation body first, then local committee, then the school's own. */
const BODY_ORDER = (x: string) =>
  `case ${x}.kind when 'trust_board' then 0 when 'federation' then 1 when 'local_committee' then 2 else 3 end, ${x}.id`;

/** Kinds asked for, in one spelling per set (the loader key), or undefined for all. */
function bodyKinds(kinds: GoverningBodyKind[] | null | undefined): GoverningBodyKind[] | undefined {
  return kinds ? [...new Set(kinds)].sort() : undefined;
}

/** ` where <alias>.kind in (...)` for the kinds given, or nothing. */
const onlyKinds = (alias: string, kinds: GoverningBodyKind[] | null): Sql =>
  kinds ? { sql: ` where ${alias}.kind in (${kinds.map(() => '?').join(', ')})`, params: kinds } : { sql: '', params: [] };

/** The federation and trust bodies reach a school through its memberships: only when those kinds are asked for. */
const wantsGroupBodies = (kinds: GoverningBodyKind[] | null | undefined) =>
  !kinds || kinds.includes(GoverningBodyKind.FEDERATION) || kinds.includes(GoverningBodyKind.TRUST_BOARD);

const GROUP_BODIES_OF_SCHOOLS = `union all
         select m.school_id as _parent, gb.* from governing_body gb
           join membership m on m.group_id = gb.group_id and ${currentMembership('m')}
          where m.school_id in (?) and gb.kind in ('federation', 'trust_board')`;

/**
 * The bodies that govern each school now: its own body and local committee, and the federation
 * body or trust board of the groups it currently belongs to; only the `kinds` given, when given (an
 * executive head reads the trust board once, on the group, and each school's own bodies below).
 * One statement for every school asked.
 */
export function governingBodiesOf(ctx: Context, kinds?: GoverningBodyKind[], variant?: string) {
  const groups = wantsGroupBodies(kinds);
  // `variant`: bodies a prefetch read with fewer columns (core/prefetch.ts `rowVariant`); loaded here, rows are whole.
  return listsByParent(ctx, `School.governingBodies:${kinds?.join(',') ?? '*'}${variant ? `:${variant}` : ''}`, (ids) =>
    selectByParent(
      ctx.em,
      GoverningBody,
      `select * from (
         select gb.school_id as _parent, gb.* from governing_body gb where gb.school_id in (?)
         ${groups ? GROUP_BODIES_OF_SCHOOLS : ''}
       ) bodies${kinds ? ' where bodies.kind in (?)' : ''} order by _parent, ${BODY_ORDER('bodies')}`,
      [ids, ...(groups ? [ids] : []), ...(kinds ? [kinds] : [])],
    ),
  );
}

/** Primes a list of bodies per parent from prefetched JSON (ObjectJson each), through the same row rule as the loader. */
function primeBodies(
  ctx: Context,
  loader: ReturnType<typeof governingBodiesOf>,
  parentId: number,
  json: unknown,
  nested: NestedPrimer | undefined,
  columns: readonly string[] | undefined,
): Priming {
  const map = arrayRowMapper(ctx.em, GoverningBody, columns);
  const items = json as ObjectJson[];
  const rows = items.map((item) => map(item));
  // The bodies' nested values follow their columns in each array.
  const width = rowWidth(ctx.em, GoverningBody, columns);
  const settle = (visible: GoverningBody[]): Priming => {
    loader.prime(parentId, visible);
    if (!nested) return;
    const shown = new Set(visible);
    return joinPrimings(rows.map((row, i) => (shown.has(row) ? nested(row as never, items[i], width) : undefined)));
  };
  const now = visibleRowsNow(ctx.viewer, rows);
  return now ? settle(now) : visibleRows(ctx.viewer, rows).then(settle);
}

// The same bodies, same order, through the same row rule, in the statement of the list above the school.
registerPrefetch('School', 'governingBodies', {
  childType: 'GoverningBody',
  parentColumns: [],
  prepare: (args) => bodyKinds(args.kind as GoverningBodyKind[] | undefined) ?? null,
  sql: async (ctx, kinds, parent, b, nested, child) => {
    const x = b.alias('x');
    const body = objectJsonSql(rowValuesSql(ctx.em, GoverningBody, x, child?.columns), nested && (await nested(x)));
    const groups = wantsGroupBodies(kinds)
      ? `union all
      select gb.* from governing_body gb join membership m on m.group_id = gb.group_id and ${currentMembership('m')}
       where m.school_id = ${parent}.id and gb.kind in ('federation', 'trust_board')`
      : '';
    return sql`coalesce((select json_agg(${body} order by ${BODY_ORDER(x)}) from (
      select gb.* from governing_body gb where gb.school_id = ${parent}.id
      ${groups}) ${x}${onlyKinds(x, kinds)}), '[]'::json)`;
  },
  prime: (ctx, kinds, school, json, nested, child, field) =>
    primeBodies(ctx, ctx.loaders.atPosition(field, () => governingBodiesOf(ctx, kinds ?? undefined, child?.variant)), school.id, json, nested, child?.columns),
});

@Resolver(() => School)
@Authorized(Access.GOVERNANCE)
export class SchoolGovernanceResolver {
  @FieldResolver(() => [GoverningBody], {
    description: 'The bodies that govern the school now: its own, its federation’s, its trust board and local committee.',
  })
  governingBodies(
    @Root() school: School,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('kind', () => [GoverningBodyKind], {
      nullable: true,
      description:
        'Kinds of body to include (all when omitted): e.g. [SCHOOL, LOCAL_COMMITTEE] for the school’s own, when the trust board is read once on the group.',
    })
    kind?: GoverningBodyKind[],
  ): GoverningBody[] | Promise<GoverningBody[]> {
    return ctx.loaders.atPosition(info.fieldNodes, () => governingBodiesOf(ctx, bodyKinds(kind), rowVariant(ctx, info, 'GoverningBody', false))).loadNow(school.id);
  }
}

/** A group's bodies (a federation's governing body, a trust board and its local committees); only the `kinds` given, when given. */
function groupBodiesOf(ctx: Context, kinds?: GoverningBodyKind[], variant?: string) {
  return listsByParent(ctx, `Group.governingBodies:${kinds?.join(',') ?? '*'}${variant ? `:${variant}` : ''}`, (ids) =>
    selectByParent(
      ctx.em,
      GoverningBody,
      `select gb.group_id as _parent, gb.* from governing_body gb where gb.group_id in (?)${kinds ? ' and gb.kind in (?)' : ''}
        order by (gb.kind = 'local_committee'), gb.name, gb.id`,
      kinds ? [ids, kinds] : [ids],
    ),
  );
}

registerPrefetch('Group', 'governingBodies', {
  childType: 'GoverningBody',
  parentColumns: [],
  prepare: (args) => bodyKinds(args.kind as GoverningBodyKind[] | undefined) ?? null,
  sql: async (ctx, kinds, parent, b, nested, child) => {
    const x = b.alias('x');
    const body = objectJsonSql(rowValuesSql(ctx.em, GoverningBody, x, child?.columns), nested && (await nested(x)));
    return sql`coalesce((select json_agg(${body} order by (${x}.kind = 'local_committee'), ${x}.name, ${x}.id)
      from (select * from governing_body gb where gb.group_id = ${parent}.id) ${x}${onlyKinds(x, kinds)}), '[]'::json)`;
  },
  prime: (ctx, kinds, group, json, nested, child, field) =>
    primeBodies(ctx, ctx.loaders.atPosition(field, () => groupBodiesOf(ctx, kinds ?? undefined, child?.variant)), group.id, json, nested, child?.columns),
});

@Resolver(() => Group)
@Authorized(Access.GOVERNANCE)
export class GroupGovernanceResolver {
  @FieldResolver(() => [GoverningBody], {
    description: 'The group’s bodies: a federation’s governing body, a trust board and its local committees.',
  })
  governingBodies(
    @Root() group: Group,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg('kind', () => [GoverningBodyKind], {
      nullable: true,
      description: 'Kinds of body to include (all when omitted): e.g. [TRUST_BOARD, FEDERATION] for the board alone.',
    })
    kind?: GoverningBodyKind[],
  ): GoverningBody[] | Promise<GoverningBody[]> {
    return ctx.loaders.atPosition(info.fieldNodes, () => groupBodiesOf(ctx, bodyKinds(kind), rowVariant(ctx, info, 'GoverningBody', false))).loadNow(group.id);
  }
}

@Resolver(() => Person)
@Authorized(Access.GOVERNANCE)
export class PersonGovernanceResolver {
  @FieldResolver(() => [Governorship], { description: 'Seats the person holds on governing bodies; former ones only when asked.' })
  governorships(
    @Root() person: Person,
    @Ctx() ctx: Context,
    @Arg('includeFormer', { defaultValue: false, description: 'Include seats they have left (history).' }) includeFormer: boolean,
  ): Promise<Governorship[]> {
    return listsByParent(ctx, `Person.governorships:${includeFormer}`, (ids) =>
      selectByParent(
        ctx.em,
        Governorship,
        `select g.person_id as _parent, g.* from governorship g where g.person_id in (?)${includeFormer ? '' : ' and g.ended_on is null'}
         order by g.ended_on desc nulls first, g.term_started_on desc, g.id`,
        [ids],
      ),
    ).load(person.id);
  }
}

const bodyFacts = async (em: EntityManager, body: GoverningBody): Promise<BodyFacts> => ({
  id: body.id,
  kind: body.kind,
  schoolId: body.school?.id,
  groupId: body.group?.id,
  laCodes: await laCodesOf(em, body.school?.id, body.group?.id),
});

@Resolver()
@Authorized(Access.WRITE_GOVERNANCE)
export class GovernanceMutations {
  @Mutation(() => GoverningBodyPayload, {
    description: 'Creates a governing body for a school, a federation, a trust, or a trust’s academy.',
  })
  governingBodyCreate(@Arg('input', { description: 'The new body.' }) input: GoverningBodyCreateInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      await check(input);
      const needsSchool = input.kind === GoverningBodyKind.SCHOOL || input.kind === GoverningBodyKind.LOCAL_COMMITTEE;
      const needsGroup = input.kind !== GoverningBodyKind.SCHOOL;
      if (needsSchool && !input.schoolId) fail(['input', 'schoolId'], `is required for a ${input.kind} body.`);
      if (!needsSchool && input.schoolId)
        fail(['input', 'schoolId'], `must be left out for a ${input.kind} body: it governs the group's schools.`);
      if (needsGroup && !input.groupId) fail(['input', 'groupId'], `is required for a ${input.kind} body.`);
      if (!needsGroup && input.groupId) fail(['input', 'groupId'], 'must be left out for a school body.');
      const school = input.schoolId ? await loadByGlobalId(em, School, input.schoolId, ['input', 'schoolId'], 'see') : undefined;
      const group = input.groupId ? await loadByGlobalId(em, Group, input.groupId, ['input', 'groupId'], 'see') : undefined;
      const facts: BodyFacts = { kind: input.kind, schoolId: school?.id, groupId: group?.id, laCodes: await laCodesOf(em, school?.id, group?.id) };
      await refuseUnless(ctx.viewer, ['input', 'kind'], (scope) => mayCreateBody(scope, facts));
      if (group?.status === GroupStatus.CLOSED) fail(['input', 'groupId'], `the group "${group.name}" is closed.`, UserErrorCode.CONFLICT);
      if (input.kind === GoverningBodyKind.FEDERATION && group?.kind !== GroupKind.FEDERATION) {
        fail(['input', 'groupId'], 'must be a federation for a FEDERATION body.');
      }
      if (
        (input.kind === GoverningBodyKind.TRUST_BOARD || input.kind === GoverningBodyKind.LOCAL_COMMITTEE) &&
        !TRUST_KINDS.includes(group!.kind)
      ) {
        fail(['input', 'groupId'], `must be an academy trust for a ${input.kind} body.`);
      }
      if (input.kind === GoverningBodyKind.LOCAL_COMMITTEE) {
        const member = await em.count(Membership, { school, group, leftOn: null });
        if (!member) fail(['input', 'schoolId'], `${school!.name} is not a current member of ${group!.name}.`, UserErrorCode.CONFLICT);
      }
      const governingBody = em.create(GoverningBody, { name: input.name.trim(), kind: input.kind, school, group });
      await em.flush();
      return { governingBody };
    });
  }

  @Mutation(() => GovernorshipPayload, { description: 'Appoints a governor to a body, creating the person if asked.' })
  governingBodyAppointGovernor(
    @Arg('input', { description: 'The body, the person and the terms of the appointment.' }) input: GoverningBodyAppointGovernorInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(input);
      if (Boolean(input.personId) === Boolean(input.person)) fail(['input', 'personId'], 'give exactly one of personId and person.');
      requireOrder(input.termStartedOn, input.termEndsOn, ['input', 'termEndsOn'], 'must not be before the term starts.');
      const governingBody = await loadByGlobalId(em, GoverningBody, input.governingBodyId, ['input', 'governingBodyId'], 'see');
      const person = input.personId
        ? await loadByGlobalId(em, Person, input.personId, ['input', 'personId'])
        : em.create(Person, { fullName: input.person!.fullName.trim(), email: input.person!.email, phone: input.person!.phone });
      const facts = await bodyFacts(em, governingBody);
      await refuseUnless(ctx.viewer, ['input', 'governingBodyId'], (scope) =>
        mayChangeSeat(scope, facts, { personId: person.id, appointingBody: input.appointingBody }, 'appoint', ctx.viewer.personId),
      );
      if (input.personId) {
        const serving = await em.count(Governorship, { person, governingBody, endedOn: null });
        if (serving) fail(['input', 'personId'], `${person.fullName} already sits on ${governingBody.name}.`, UserErrorCode.CONFLICT);
      }
      const governorship = em.create(Governorship, {
        person,
        governingBody,
        role: input.role,
        appointingBody: input.appointingBody,
        termStartedOn: input.termStartedOn,
        termEndsOn: input.termEndsOn,
      });
      await em.flush();
      return { governorship };
    });
  }

  @Mutation(() => GovernorshipPayload, { description: 'Records that a governor stood down; the seat is kept as history.' })
  governorshipEnd(
    @Arg('input', { description: 'The governorship and the date it ended.' }) input: GovernorshipEndInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      const governorship = await loadByGlobalId(em, Governorship, input.governorshipId, ['input', 'governorshipId'], 'see');
      const facts = await bodyFacts(em, await em.findOneOrFail(GoverningBody, governorship.governingBody.id));
      await refuseUnless(ctx.viewer, ['input', 'governorshipId'], (scope) =>
        mayChangeSeat(scope, facts, { personId: governorship.person.id, appointingBody: governorship.appointingBody }, 'end', ctx.viewer.personId),
      );
      if (governorship.endedOn)
        fail(['input', 'governorshipId'], `the term already ended on ${governorship.endedOn}.`, UserErrorCode.CONFLICT);
      requireOrder(
        governorship.termStartedOn,
        input.endedOn,
        ['input', 'endedOn'],
        `must not be before the term started (${governorship.termStartedOn}).`,
      );
      governorship.endedOn = input.endedOn;
      await em.flush();
      await publish(em, { type: 'governorship.ended', governingBodyId: governorship.governingBody.id, personId: governorship.person.id });
      return { governorship };
    });
  }
}
