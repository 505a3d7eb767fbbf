import { Arg, Args, Ctx, Field, ID, Int, ObjectType, Query, Resolver, FieldResolver, Root } from 'type-graphql';
import DataLoader from 'dataloader';
import { byId } from '../core/loaders';
import { fromGlobalId } from '../core/node';
import { registerNodeTypes } from '../core/node.resolver';
import { badInput, connectionOf, ConnectionType, EdgeType, encodeCursor, PageArgs, readPage } from '../core/pagination';
import { DateScalar } from '../core/scalars';
import type { Context } from '../core/context';
import { School, SchoolLink } from './school.entity';
import { SchoolLinkReason } from './school.enums';
import { SchoolFilter } from './school.inputs';
import { countSchools, findSchools } from './school.service';

registerNodeTypes(School);

@ObjectType({ description: 'An edge in a list of schools.' })
export class SchoolEdge extends EdgeType(School, 'The school.') {}

@ObjectType({ description: 'A page of schools.' })
export class SchoolConnection extends ConnectionType(SchoolEdge) {}

@ObjectType({ description: 'A local authority, as GIAS names it.' })
export class LocalAuthority {
  @Field(() => Int, { description: 'Local authority code (e.g. 850).' })
  code!: number;

  @Field({ description: 'Local authority name (e.g. Hampshire).' })
  name!: string;
}

@ObjectType({ description: 'A school that came before or after this one, and why.' })
export class SchoolSuccession {
  @Field(() => School, { description: 'The other school.' })
  school!: School;

  @Field(() => SchoolLinkReason, { description: 'Why one followed the other.' })
  reason!: SchoolLinkReason;

  @Field(() => DateScalar, { nullable: true, description: 'When the link took effect.' })
  linkedOn?: string;
}

const isUrn = (value: unknown): value is number => Number.isInteger(value);

function linksLoader(ctx: Context, side: 'predecessor' | 'successor'): DataLoader<number, SchoolLink[]> {
  return ctx.loaders.get(
    `SchoolLink.by.${side}`,
    () =>
      new DataLoader<number, SchoolLink[]>(async (ids) => {
        const links = await ctx.em.find(SchoolLink, { [side]: { $in: [...ids] } }, { orderBy: { linkedOn: 'asc', id: 'asc' } });
        return ids.map((id) => links.filter((link) => link[side].id === id));
      }),
  );
}

@Resolver(() => School)
export class SchoolResolver {
  @Query(() => School, { nullable: true, description: 'A school by URN or by global ID (give exactly one).' })
  async school(
    @Ctx() ctx: Context,
    @Arg('urn', () => Int, { nullable: true, description: 'GIAS URN.' }) urn?: number,
    @Arg('id', () => ID, { nullable: true, description: 'Global ID.' }) id?: string,
  ): Promise<School | null> {
    if ((urn == null) === (id == null)) throw badInput('Give exactly one of urn and id.', urn == null ? 'urn' : 'id');
    if (id != null) {
      const parsed = fromGlobalId(id);
      if (!parsed || parsed.typeName !== 'School') throw badInput('id is not the ID of a School.', 'id');
      return (await byId(ctx, School).load(parsed.id)) ?? null;
    }
    return ctx.em.findOne(School, { urn });
  }

  @Query(() => SchoolConnection, { description: 'Schools matching a filter, in URN order.' })
  async schools(
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('filter', () => SchoolFilter, { nullable: true, description: 'Conditions every school returned meets.' }) filter?: SchoolFilter,
  ) {
    const page = readPage('schools', pageArgs, isUrn);
    const rows = await findSchools(ctx.em, filter, page.after, page.size + 1);
    return connectionOf(
      rows,
      page,
      (school) => ({ node: school, cursor: encodeCursor('schools', school.urn) }),
      () => countSchools(ctx.em, filter),
    );
  }

  @FieldResolver(() => LocalAuthority, { nullable: true, description: 'The local authority the school is in.' })
  localAuthority(@Root() school: School): LocalAuthority | null {
    return school.laCode != null && school.laName ? { code: school.laCode, name: school.laName } : null;
  }

  @FieldResolver(() => [SchoolSuccession], {
    description: 'Schools this one replaced (e.g. the maintained school before academy conversion).',
  })
  async predecessors(@Root() school: School, @Ctx() ctx: Context): Promise<SchoolSuccession[]> {
    const links = await linksLoader(ctx, 'successor').load(school.id);
    return this.succession(ctx, links, (link) => link.predecessor.id);
  }

  @FieldResolver(() => [SchoolSuccession], { description: 'Schools that replaced this one.' })
  async successors(@Root() school: School, @Ctx() ctx: Context): Promise<SchoolSuccession[]> {
    const links = await linksLoader(ctx, 'predecessor').load(school.id);
    return this.succession(ctx, links, (link) => link.successor.id);
  }

  private async succession(ctx: Context, links: SchoolLink[], other: (link: SchoolLink) => number): Promise<SchoolSuccession[]> {
    const schools = await byId(ctx, School).loadMany(links.map(other));
    return links.map((link, i) => ({ school: schools[i] as School, reason: link.reason, linkedOn: link.linkedOn }));
  }
}
