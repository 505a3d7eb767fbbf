import type { EntityManager } from '@mikro-orm/postgresql';
import { Access } from '../auth/auth-checker';
import { Arg, Ctx, Field, Mutation, ObjectType, Resolver } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { publish } from '../core/domain-events';
import { loadByGlobalId, mutate } from '../core/mutation';
import { check, fail, requireOrder, UserError, UserErrorCode } from '../core/user-errors';
import { School } from '../schools/school.entity';
import { SchoolStatus } from '../schools/school.enums';
import type { Context } from '../core/context';
import { mayChangeMembership, mayCloseGroup, mayLinkGroups, MembershipFacts, refuseUnless } from '../auth/reach-rules';
import { LED_GROUP_KINDS } from '../core/reach';
import { Group, GroupLink, Membership, StrategicObjective } from './group.entity';
import { GroupStatus } from './group.enums';
import {
  GroupAddMemberInput,
  GroupCloseInput,
  GroupCreateInput,
  GroupLinkCreateInput,
  GroupUpdateInput,
  MembershipEndInput,
  StrategicObjectiveAddInput,
} from './group.inputs';

@ObjectType({ description: 'Result of a mutation on a group.' })
export class GroupPayload {
  @Field(() => Group, { nullable: true, description: 'The group, as it is after the change; null when nothing was written.' })
  group?: Group;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of adding a member or ending a membership.' })
export class MembershipPayload {
  @Field(() => Membership, { nullable: true, description: 'The membership; null when nothing was written.' })
  membership?: Membership;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of linking two groups.' })
export class GroupLinkPayload {
  @Field(() => GroupLink, { nullable: true, description: 'The new link; null when nothing was written.' })
  groupLink?: GroupLink;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of adding a strategic objective.' })
export class StrategicObjectivePayload {
  @Field(() => StrategicObjective, { nullable: true, description: 'The new objective; null when nothing was written.' })
  strategicObjective?: StrategicObjective;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

async function openGroup(em: EntityManager, id: string, field: string[], check: 'change' | 'see' = 'change'): Promise<Group> {
  const group = await loadByGlobalId(em, Group, id, field, check);
  if (group.status === GroupStatus.CLOSED) fail(field, `the group "${group.name}" is closed.`, UserErrorCode.CONFLICT);
  return group;
}

const membershipFacts = (school: School, group: Group): MembershipFacts => ({
  schoolId: school.id,
  schoolLaCode: school.laCode ?? null,
  groupId: group.id,
  groupKind: group.kind,
});

@Resolver()
@Authorized(Access.WRITE_GROUPS)
export class GroupMutations {
  @Mutation(() => GroupPayload, { description: 'Creates a group. It is open when `openedOn` is given, proposed otherwise.' })
  groupCreate(@Arg('input', { description: 'The new group.' }) input: GroupCreateInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      await check(input);
      const group = em.create(Group, {
        name: input.name.trim(),
        kind: input.kind,
        formation: input.formation,
        openedOn: input.openedOn,
        status: input.openedOn ? GroupStatus.OPEN : GroupStatus.PROPOSED,
      });
      await em.flush();
      return { group };
    });
  }

  @Mutation(() => GroupPayload, { description: 'Changes a group’s name, formation, status or opening date.' })
  groupUpdate(@Arg('input', { description: 'What to change.' }) input: GroupUpdateInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      await check(input);
      const group = await openGroup(em, input.groupId, ['input', 'groupId']);
      if (input.status === GroupStatus.CLOSED)
        fail(['input', 'status'], 'use groupClose to close a group, so its memberships end with it.');
      if (input.openedOn && group.closedOn)
        requireOrder(input.openedOn, group.closedOn, ['input', 'openedOn'], 'must not be after the group closed.');
      if (input.name != null) group.name = input.name.trim();
      if (input.formation != null) group.formation = input.formation;
      if (input.status != null) group.status = input.status;
      if (input.openedOn != null) group.openedOn = input.openedOn;
      await em.flush();
      return { group };
    });
  }

  @Mutation(() => GroupPayload, {
    description: 'Closes a group; its current memberships and links end on the closing date (history kept).',
  })
  groupClose(@Arg('input', { description: 'The group and its closing date.' }) input: GroupCloseInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      const group = await openGroup(em, input.groupId, ['input', 'groupId'], 'see');
      await refuseUnless(ctx.viewer, ['input', 'groupId'], (scope) => mayCloseGroup(scope, group.id, group.kind), {
        appsMay: !LED_GROUP_KINDS.includes(group.kind),
      });
      requireOrder(group.openedOn, input.closedOn, ['input', 'closedOn'], `must not be before the group opened (${group.openedOn}).`);
      const joinedLater = await em.count(Membership, { group, leftOn: null, joinedOn: { $gt: input.closedOn } });
      if (joinedLater > 0)
        fail(['input', 'closedOn'], `${joinedLater} school(s) joined after this date; end or correct those memberships first.`);
      group.status = GroupStatus.CLOSED;
      group.closedOn = input.closedOn;
      await em.flush();
      const ended: { school_id: number }[] = await em
        .getConnection()
        .execute(`update membership set left_on = ? where group_id = ? and left_on is null returning school_id`, [
          input.closedOn,
          group.id,
        ]);
      await em
        .getConnection()
        .execute(
          `update group_link set ended_on = greatest(started_on, ?::date) where (from_group_id = ? or to_group_id = ?) and ended_on is null`,
          [input.closedOn, group.id, group.id],
        );
      for (const row of ended) await publish(em, { type: 'membership.ended', schoolId: row.school_id, groupId: group.id });
      return { group };
    });
  }

  @Mutation(() => MembershipPayload, {
    description: 'Adds a school to a group. A school can be in only one multi-academy trust and one federation at a time.',
  })
  groupAddMember(
    @Arg('input', { description: 'The group, the school and the terms of membership.' }) input: GroupAddMemberInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      const group = await openGroup(em, input.groupId, ['input', 'groupId'], 'see');
      const school = await loadByGlobalId(em, School, input.schoolId, ['input', 'schoolId'], 'see');
      await refuseUnless(ctx.viewer, ['input', 'groupId'], (scope) => mayChangeMembership(scope, membershipFacts(school, group), 'add'));
      if (school.status === SchoolStatus.CLOSED)
        fail(['input', 'schoolId'], `${school.name} (URN ${school.urn}) is closed.`, UserErrorCode.CONFLICT);
      requireOrder(group.openedOn, input.joinedOn, ['input', 'joinedOn'], `must not be before the group opened (${group.openedOn}).`);
      const membership = em.create(Membership, { group, school, groupKind: group.kind, role: input.role, joinedOn: input.joinedOn });
      await em.flush();
      return { membership };
    });
  }

  @Mutation(() => MembershipPayload, { description: 'Ends a membership on a date. The membership is kept as history.' })
  membershipEnd(
    @Arg('input', { description: 'The membership and the date the school left.' }) input: MembershipEndInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      const membership = await loadByGlobalId(em, Membership, input.membershipId, ['input', 'membershipId'], 'see');
      const facts = membershipFacts(await em.findOneOrFail(School, membership.school.id), await em.findOneOrFail(Group, membership.group.id));
      await refuseUnless(ctx.viewer, ['input', 'membershipId'], (scope) => mayChangeMembership(scope, facts, 'end'));
      if (membership.leftOn)
        fail(['input', 'membershipId'], `the membership already ended on ${membership.leftOn}.`, UserErrorCode.CONFLICT);
      requireOrder(
        membership.joinedOn,
        input.leftOn,
        ['input', 'leftOn'],
        `must not be before the school joined (${membership.joinedOn}).`,
      );
      membership.leftOn = input.leftOn;
      await em.flush();
      await publish(em, { type: 'membership.ended', schoolId: membership.school.id, groupId: membership.group.id });
      return { membership };
    });
  }

  @Mutation(() => GroupLinkPayload, { description: 'Links two groups, e.g. a teaching school hub that serves a trust.' })
  groupLinkCreate(@Arg('input', { description: 'The two groups and how they relate.' }) input: GroupLinkCreateInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      const fromGroup = await openGroup(em, input.fromGroupId, ['input', 'fromGroupId'], 'see');
      const toGroup = await openGroup(em, input.toGroupId, ['input', 'toGroupId'], 'see');
      await refuseUnless(ctx.viewer, ['input', 'toGroupId'], (scope) => mayLinkGroups(scope, fromGroup.id, toGroup.id), { appsMay: true });
      if (fromGroup.id === toGroup.id) fail(['input', 'toGroupId'], 'a group cannot be linked to itself.');
      const groupLink = em.create(GroupLink, { fromGroup, toGroup, kind: input.kind, startedOn: input.startedOn });
      await em.flush();
      return { groupLink };
    });
  }

  @Mutation(() => StrategicObjectivePayload, { description: 'Adds a strategic objective, with its success criterion, to a group.' })
  strategicObjectiveAdd(@Arg('input', { description: 'The objective.' }) input: StrategicObjectiveAddInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      await check(input);
      const group = await openGroup(em, input.groupId, ['input', 'groupId']);
      const strategicObjective = em.create(StrategicObjective, {
        group,
        objective: input.objective,
        metric: input.metric,
        targetChange: input.targetChange,
        successCriteria: input.successCriteria,
      });
      await em.flush();
      return { strategicObjective };
    });
  }
}
