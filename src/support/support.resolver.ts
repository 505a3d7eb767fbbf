import { Access } from '../auth/auth-checker';
import { Arg, Args, Ctx, Field, FieldResolver, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { publish } from '../core/domain-events';
import { byId, childConnection, childPages, ChildList } from '../core/loaders';
import { registerNodeTypes } from '../core/node.resolver';
import { ConnectionType, EdgeType, isPosition, PageArgs, readPage } from '../core/pagination';
import { loadByGlobalId, mutate } from '../core/mutation';
import { check, fail, requireOrder, UserError, UserErrorCode } from '../core/user-errors';
import { Group } from '../groups/group.entity';
import { School } from '../schools/school.entity';
import type { Context } from '../core/context';
import { SupportLink } from './support-link.entity';
import { SupportLinkCreateInput, SupportLinkRecordDeliveryInput } from './support.inputs';

registerNodeTypes(SupportLink);

@ObjectType({ description: 'An edge in a list of support links.' })
export class SupportLinkEdge extends EdgeType(SupportLink, 'The support link.') {}

@ObjectType({ description: 'A page of support links.' })
export class SupportLinkConnection extends ConnectionType(SupportLinkEdge) {}

@ObjectType({ description: 'Result of recording support.' })
export class SupportLinkPayload {
  @Field(() => SupportLink, { nullable: true, description: 'The support link; null when nothing was written.' })
  supportLink?: SupportLink;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

const today = () => new Date().toISOString().slice(0, 10);

function supportList(side: 'giver' | 'receiver', includeEnded: boolean): ChildList {
  return {
    list: `school.support.${side}${includeEnded ? '.all' : ''}`,
    table: 'support_link',
    parentColumn: `${side}_id`,
    where: includeEnded ? undefined : 't.ends_on is null or t.ends_on >= ?::date',
    params: includeEnded ? [] : [today()],
    orderBy: 't.started_on desc, t.id desc',
  };
}

@Resolver(() => SupportLink)
@Authorized(Access.SUPPORT)
export class SupportLinkResolver {
  @FieldResolver(() => School, { description: 'The school giving support.' })
  async giver(@Root() link: SupportLink, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(link.giver.id)) as School;
  }

  @FieldResolver(() => School, { description: 'The school receiving support.' })
  async receiver(@Root() link: SupportLink, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(link.receiver.id)) as School;
  }

  @FieldResolver(() => Group, { nullable: true, description: 'The group the support is brokered through, if any.' })
  async group(@Root() link: SupportLink, @Ctx() ctx: Context): Promise<Group | null> {
    return link.group ? ((await byId(ctx, Group).load(link.group.id)) ?? null) : null;
  }
}

@Resolver(() => School)
@Authorized(Access.SUPPORT)
export class SchoolSupportResolver {
  @FieldResolver(() => SupportLinkConnection, {
    description: 'Support this school gives to others, newest first; current only unless asked.',
  })
  supportGiven(
    @Root() school: School,
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('includeEnded', { defaultValue: false, description: 'Include support that has ended.' }) includeEnded: boolean,
  ) {
    return this.page(ctx, school, supportList('giver', includeEnded), pageArgs);
  }

  @FieldResolver(() => SupportLinkConnection, {
    description: 'Support this school receives from others, newest first; current only unless asked.',
  })
  supportReceived(
    @Root() school: School,
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('includeEnded', { defaultValue: false, description: 'Include support that has ended.' }) includeEnded: boolean,
  ) {
    return this.page(ctx, school, supportList('receiver', includeEnded), pageArgs);
  }

  private async page(ctx: Context, school: School, spec: ChildList, pageArgs: PageArgs) {
    const page = readPage(spec.list, pageArgs, isPosition);
    const result = await childPages(ctx, SupportLink, spec, page).load(school.id);
    return childConnection(spec, page, result, (node, cursor) => ({ node, cursor }));
  }
}

@Resolver()
@Authorized(Access.WRITE_SUPPORT)
export class SupportMutations {
  @Mutation(() => SupportLinkPayload, { description: 'Records that one school will support another, and the staff days committed.' })
  supportLinkCreate(
    @Arg('input', { description: 'The giver, the receiver and the terms.' }) input: SupportLinkCreateInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(input);
      if (!(input.staffDaysCommitted >= 0 && input.staffDaysCommitted <= 1000)) {
        fail(['input', 'staffDaysCommitted'], `must be between 0 and 1000; got ${input.staffDaysCommitted}.`);
      }
      if (!Number.isInteger(input.staffDaysCommitted * 2))
        fail(['input', 'staffDaysCommitted'], `must be in steps of 0.5 (half days); got ${input.staffDaysCommitted}.`);
      requireOrder(input.startedOn, input.endsOn, ['input', 'endsOn'], 'must not be before the support starts.');
      const giver = await loadByGlobalId(em, School, input.giverId, ['input', 'giverId']);
      const receiver = await loadByGlobalId(em, School, input.receiverId, ['input', 'receiverId']);
      if (giver.id === receiver.id) fail(['input', 'receiverId'], 'a school cannot support itself.');
      const group = input.groupId ? await loadByGlobalId(em, Group, input.groupId, ['input', 'groupId']) : undefined;
      const supportLink = em.create(SupportLink, {
        giver,
        receiver,
        group,
        area: input.area,
        staffDaysCommitted: input.staffDaysCommitted,
        startedOn: input.startedOn,
        endsOn: input.endsOn,
        description: input.description,
      });
      await em.flush();
      return { supportLink };
    });
  }

  @Mutation(() => SupportLinkPayload, { description: 'Adds staff days delivered under a support link.' })
  supportLinkRecordDelivery(
    @Arg('input', { description: 'The support link and the days delivered.' }) input: SupportLinkRecordDeliveryInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      if (!(input.staffDays > 0) || !Number.isInteger(input.staffDays * 2)) {
        fail(['input', 'staffDays'], `must be more than 0, in steps of 0.5; got ${input.staffDays}.`);
      }
      const supportLink = await loadByGlobalId(em, SupportLink, input.supportLinkId, ['input', 'supportLinkId']);
      // Days are recorded while the support runs: not before it starts, not after it has ended.
      if (supportLink.startedOn > today())
        fail(['input', 'supportLinkId'], `the support starts on ${supportLink.startedOn}; nothing can have been delivered yet.`, UserErrorCode.CONFLICT);
      if (supportLink.endsOn && supportLink.endsOn < today())
        fail(
          ['input', 'supportLinkId'],
          `the support ended on ${supportLink.endsOn}; days are recorded while it runs (record a new support link for more).`,
          UserErrorCode.CONFLICT,
        );
      const delivered = Number(supportLink.staffDaysDelivered) + input.staffDays;
      if (delivered > Number(supportLink.staffDaysCommitted)) {
        fail(
          ['input', 'staffDays'],
          `would bring delivery to ${delivered} days, over the ${supportLink.staffDaysCommitted} committed; record a new support link for more.`,
          UserErrorCode.CONFLICT,
        );
      }
      supportLink.staffDaysDelivered = delivered;
      await em.flush();
      await publish(em, {
        type: 'support.delivered',
        supportLinkId: supportLink.id,
        giverId: supportLink.giver.id,
        receiverId: supportLink.receiver.id,
      });
      return { supportLink };
    });
  }
}
