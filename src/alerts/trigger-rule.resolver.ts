import { Access } from '../auth/auth-checker';
import { Arg, Args, Ctx, Field, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { byId } from '../core/loaders';
import { fromGlobalId } from '../core/node';
import { registerNodeTypes } from '../core/node.resolver';
import { badInput, connectionOf, ConnectionType, EdgeType, encodeCursor, isPosition, PageArgs, readPage } from '../core/pagination';
import { mutate } from '../core/mutation';
import { check, UserError } from '../core/user-errors';
import { Group } from '../groups/group.entity';
import type { Context } from '../core/context';
import { ACTOR_DESCRIPTION, actorFor } from '../auth/disclosure';
import { TriggerRule, TriggerRuleChange } from './trigger-rule.entity';
import {
  TriggerRuleCreateInput,
  TriggerRuleFilter,
  TriggerRuleParameters,
  TriggerRuleToggleInput,
  TriggerRuleUpdateInput,
} from './trigger-rule.inputs';
import { createRule, setRuleEnabled, updateRule } from './trigger-rule.service';

registerNodeTypes(TriggerRule);

@ObjectType({ description: 'An edge in a list of trigger rules.' })
export class TriggerRuleEdge extends EdgeType(TriggerRule, 'The rule.') {}

@ObjectType({ description: 'A page of trigger rules.' })
export class TriggerRuleConnection extends ConnectionType(TriggerRuleEdge) {}

@ObjectType({ description: 'An edge in the history of a trigger rule.' })
export class TriggerRuleChangeEdge extends EdgeType(TriggerRuleChange, 'The change.') {}

@ObjectType({ description: 'A page of changes to a trigger rule, oldest first.' })
export class TriggerRuleChangeConnection extends ConnectionType(TriggerRuleChangeEdge) {}

@ObjectType({ description: 'Result of a change to a trigger rule.' })
export class TriggerRulePayload {
  @Field(() => TriggerRule, { nullable: true, description: 'The rule after the change; null when nothing was written.' })
  triggerRule?: TriggerRule;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

function idOf(globalId: string | undefined, typeName: string, argument: string): number | undefined {
  if (globalId == null) return undefined;
  const parsed = fromGlobalId(globalId);
  if (!parsed || parsed.typeName !== typeName) throw badInput(`${argument} is not the ID of a ${typeName}.`, argument);
  return parsed.id;
}

@Resolver(() => TriggerRule)
export class TriggerRuleResolver {
  @Query(() => TriggerRuleConnection, { description: 'Trigger rules: system defaults and group rules, in the order they were defined.' })
  async triggerRules(
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('filter', () => TriggerRuleFilter, { nullable: true, description: 'Conditions every rule returned meets.' })
    filter?: TriggerRuleFilter,
  ) {
    const page = readPage('triggerRules', pageArgs, isPosition);
    const where: Record<string, unknown> = {};
    const groupId = idOf(filter?.groupId, 'Group', 'filter.groupId');
    if (groupId !== undefined) where.groupId = groupId;
    if (filter?.system === true) where.groupId = null;
    if (filter?.system === false && groupId === undefined) where.groupId = { $ne: null };
    if (filter?.kind) where.kind = filter.kind;
    if (filter?.enabled != null) where.enabled = filter.enabled;
    const rows = await ctx.em.find(
      TriggerRule,
      { ...where, id: { $gt: page.after ?? 0 } },
      { orderBy: { id: 'asc' }, limit: page.size + 1 },
    );
    return connectionOf(
      rows,
      page,
      (rule) => ({ node: rule, cursor: encodeCursor('triggerRules', rule.id) }),
      () => ctx.em.count(TriggerRule, where),
    );
  }

  @FieldResolver(() => TriggerRuleParameters, { description: 'The values the rule compares against.' })
  parameters(@Root() rule: TriggerRule): TriggerRuleParameters {
    return rule.parameters as TriggerRuleParameters;
  }

  @FieldResolver(() => Group, { nullable: true, description: 'The group whose rule this is; null for a system default.' })
  async group(@Root() rule: TriggerRule, @Ctx() ctx: Context): Promise<Group | null> {
    return rule.groupId == null ? null : ((await byId(ctx, Group).load(rule.groupId)) ?? null);
  }

  @FieldResolver(() => TriggerRule, { nullable: true, description: "The system default this rule replaces for its group's schools." })
  async overrides(@Root() rule: TriggerRule, @Ctx() ctx: Context): Promise<TriggerRule | null> {
    return rule.overridesRuleId == null ? null : ((await byId(ctx, TriggerRule).load(rule.overridesRuleId)) ?? null);
  }

  @FieldResolver(() => String, { nullable: true, description: `Who defined it: ${ACTOR_DESCRIPTION}` })
  createdBy(@Root() rule: TriggerRule, @Ctx() ctx: Context): Promise<string | null> {
    return actorFor(ctx.viewer, rule.createdBy);
  }

  @FieldResolver(() => String, { nullable: true, description: `Who changed it last: ${ACTOR_DESCRIPTION}` })
  updatedBy(@Root() rule: TriggerRule, @Ctx() ctx: Context): Promise<string | null> {
    return actorFor(ctx.viewer, rule.updatedBy);
  }

  @FieldResolver(() => Boolean, { description: 'Whether this is a system default (applies to every school not overriding it).' })
  system(@Root() rule: TriggerRule): boolean {
    return rule.groupId == null;
  }

  @FieldResolver(() => TriggerRuleChangeConnection, { description: 'Every change to the rule, with who made it and when, oldest first.' })
  async changes(@Root() rule: TriggerRule, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const page = readPage('triggerRuleChanges', pageArgs, isPosition);
    const rows = await ctx.em.find(
      TriggerRuleChange,
      { ruleId: rule.id, id: { $gt: page.after ?? 0 } },
      { orderBy: { id: 'asc' }, limit: page.size + 1 },
    );
    return connectionOf(
      rows,
      page,
      (change) => ({ node: change, cursor: encodeCursor('triggerRuleChanges', change.id) }),
      () => ctx.em.count(TriggerRuleChange, { ruleId: rule.id }),
    );
  }

  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => TriggerRulePayload, {
    description: 'Defines a trigger rule and evaluates it at once for the schools it applies to (in the same transaction).',
  })
  triggerRuleCreate(
    @Arg('input', () => TriggerRuleCreateInput, { description: 'The rule.' }) input: TriggerRuleCreateInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new TriggerRuleCreateInput(), input));
      return { triggerRule: await createRule(em, input, ctx.viewer) };
    });
  }

  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => TriggerRulePayload, {
    description: "Changes a rule's name, severity or values, records who and when, and evaluates it again.",
  })
  triggerRuleUpdate(
    @Arg('input', () => TriggerRuleUpdateInput, { description: 'The changes.' }) input: TriggerRuleUpdateInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new TriggerRuleUpdateInput(), input));
      return { triggerRule: await updateRule(em, input, ctx.viewer) };
    });
  }

  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => TriggerRulePayload, { description: 'Switches a rule on and evaluates it at once.' })
  triggerRuleEnable(
    @Arg('input', () => TriggerRuleToggleInput, { description: 'The rule.' }) input: TriggerRuleToggleInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => ({ triggerRule: await setRuleEnabled(em, input.ruleId, true, ctx.viewer) }));
  }

  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => TriggerRulePayload, {
    description: "Switches a rule off. Its open alerts stay open; a disabled group override keeps the default off for the group's schools.",
  })
  triggerRuleDisable(
    @Arg('input', () => TriggerRuleToggleInput, { description: 'The rule.' }) input: TriggerRuleToggleInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => ({ triggerRule: await setRuleEnabled(em, input.ruleId, false, ctx.viewer) }));
  }
}

@Resolver(() => TriggerRuleChange)
export class TriggerRuleChangeResolver {
  @FieldResolver(() => String, { nullable: true, description: `Who made it: ${ACTOR_DESCRIPTION}` })
  actor(@Root() change: TriggerRuleChange, @Ctx() ctx: Context): Promise<string | null> {
    return actorFor(ctx.viewer, change.actor);
  }

  @FieldResolver(() => TriggerRuleParameters, {
    nullable: true,
    description: 'The values before the change; null when it created the rule.',
  })
  parametersBefore(@Root() change: TriggerRuleChange): TriggerRuleParameters | null {
    return ((change.before as { parameters?: TriggerRuleParameters } | null)?.parameters ?? null) as TriggerRuleParameters | null;
  }

  @FieldResolver(() => TriggerRuleParameters, { description: 'The values after the change.' })
  parametersAfter(@Root() change: TriggerRuleChange): TriggerRuleParameters {
    return (change.after as { parameters: TriggerRuleParameters }).parameters;
  }
}
