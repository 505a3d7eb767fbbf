import { GraphQLError, GraphQLResolveInfo } from 'graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Access } from '../auth/auth-checker';
import { Arg, Args, Ctx, Field, FieldResolver, Info, Mutation, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Authorized } from '../auth/guard';
import DataLoader from 'dataloader';
import { ACTOR_DESCRIPTION, actorFor, evidenceFor } from '../auth/disclosure';
import { maySee, rowFilter } from '../auth/policy';
import { authorizedEvents, requireSubscriber } from '../auth/subscriptions';
import { byId, whenReady } from '../core/loaders';
import { rowVariant } from '../core/prefetch';
import { fromGlobalId } from '../core/node';
import { registerNodeTypes } from '../core/node.resolver';
import { badInput, connectionOf, ConnectionType, EdgeType, PageArgs, readPage } from '../core/pagination';
import { loadByGlobalId, mutate } from '../core/mutation';
import { check, fail, UserError, UserErrorCode } from '../core/user-errors';
import { Person } from '../people/person.entity';
import { School } from '../schools/school.entity';
import type { Context } from '../core/context';
import { ALERT_CURSOR_LIST, AlertEvent, AlertEventFilter, isAlertPosition } from './alert-event';
import { Alert } from './alert.entity';
import { AlertEventKind, AlertRecipientReason } from './alert.enums';
import { AlertTransition, changeStatus, countAlerts, findAlerts, loadRecipients, Recipient } from './alert.service';
import { TriggerRule } from './trigger-rule.entity';
import { AlertFilter, AlertStatusInput, AlertSubscriptionArgs, STATUS_EVENT_KINDS } from './trigger-rule.inputs';

registerNodeTypes(Alert);

@ObjectType({ description: 'An edge in a list of alerts; its cursor is the position of the alert in the commit-ordered log.' })
export class AlertEdge extends EdgeType(Alert, 'The alert.') {}

@ObjectType({ description: 'A page of alerts, in the order they were committed.' })
export class AlertConnection extends ConnectionType(AlertEdge) {}

@ObjectType({ description: 'A person who must know of an alert, and why.' })
export class AlertRecipient {
  @Field(() => Person, { description: 'The person.' })
  person!: Person;

  @Field(() => AlertRecipientReason, { description: 'Why they must know.' })
  reason!: AlertRecipientReason;

  @Field({ description: 'The bodies, groups or schools through which they are concerned.' })
  via!: string;
}

@ObjectType({ description: 'Result of acknowledging or resolving an alert.' })
export class AlertPayload {
  @Field(() => Alert, { nullable: true, description: 'The alert after the change; null when nothing was written.' })
  alert?: Alert;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

function idArg(globalId: string | undefined | null, typeName: string, argument: string): number | undefined {
  if (globalId == null) return undefined;
  const parsed = fromGlobalId(globalId);
  if (!parsed || parsed.typeName !== typeName) throw badInput(`${argument} is not the ID of a ${typeName}.`, argument);
  return parsed.id;
}

function recipientsLoader(ctx: Context): DataLoader<number, Recipient[]> {
  return ctx.loaders.get(
    'Alert.recipients',
    () =>
      new DataLoader<number, Recipient[]>(async (schoolIds) => {
        const found = await loadRecipients(ctx.em, [...schoolIds]);
        return schoolIds.map((id) => found.get(id) ?? []);
      }),
  );
}

/** Reads a `since` cursor; any cursor of the alert log (a subscription event's or an inbox edge's) will do. */
function sinceArg(since: string | undefined | null): number | undefined {
  if (since == null) return undefined;
  return readPage(ALERT_CURSOR_LIST, { first: 1, after: since }, isAlertPosition).after;
}

async function subscribe(ctx: Context, args: AlertSubscriptionArgs, kinds: AlertEventKind[]): Promise<AsyncIterable<AlertEvent>> {
  await requireSubscriber(ctx);
  if (!ctx.alertFeed) throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) on this path.');
  const filter: AlertEventFilter = {
    kinds,
    schoolId: idArg(args.schoolId, 'School', 'schoolId'),
    groupId: idArg(args.groupId, 'Group', 'groupId'),
    minSeverity: args.minSeverity ?? undefined,
  };
  let since: number | undefined;
  try {
    since = sinceArg(args.since);
  } catch {
    throw badInput('since is not a cursor of the alert log.', 'since');
  }
  // Each event is checked against the subscriber's scope as it is when delivered (auth/subscriptions.ts).
  return authorizedEvents(ctx, 'Alert', (event: AlertEvent) => event.alert, ctx.alertFeed.subscribe(filter, since));
}

@Resolver(() => Alert)
export class AlertResolver {
  @Authorized(Access.ALERTS)
  @Query(() => AlertConnection, {
    description: 'Alerts in commit order (the inbox). A cursor from here or from a subscription event can be passed as `after`.',
  })
  async alerts(
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('filter', () => AlertFilter, { nullable: true, description: 'Conditions every alert returned meets.' }) filter?: AlertFilter,
  ) {
    const page = readPage(ALERT_CURSOR_LIST, pageArgs, isAlertPosition);
    const query = {
      schoolId: idArg(filter?.schoolId, 'School', 'filter.schoolId'),
      groupId: idArg(filter?.groupId, 'Group', 'filter.groupId'),
      ruleId: idArg(filter?.ruleId, 'TriggerRule', 'filter.ruleId'),
      statuses: filter?.status,
      minSeverity: filter?.minSeverity,
      // Only alerts of schools the viewer reaches: left out of the page, its cursors and its count.
      visible: await rowFilter(ctx.viewer, 'alert'),
    };
    const events = await findAlerts(ctx.em, query, page.after, page.size + 1);
    return connectionOf(
      events,
      page,
      (event) => ({ node: event.alert, cursor: event.cursor }),
      () => countAlerts(ctx.em, query),
    );
  }

  @FieldResolver(() => School, { description: 'The school the rule fired for.' })
  async school(@Root() alert: Alert, @Ctx() ctx: Context): Promise<School> {
    return alert.school ?? ((await byId(ctx, School).load(alert.schoolId)) as School);
  }

  @FieldResolver(() => TriggerRule, { description: 'The rule that fired, as it is now (its values when it fired are in `evidence.rule`).' })
  rule(@Root() alert: Alert, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): TriggerRule | Promise<TriggerRule> {
    if (alert.rule) return alert.rule;
    const rules = ctx.loaders.atPosition(info.fieldNodes, () => byId(ctx, TriggerRule, rowVariant(ctx, info, 'TriggerRule', false)));
    return rules.loadNow(alert.ruleId) as TriggerRule | Promise<TriggerRule>;
  }

  @FieldResolver(() => GraphQLJSONObject, {
    description: 'What matched: the values compared (e.g. metric, year, value, threshold) and, under `rule`, the rule and its values then.',
  })
  evidence(@Root() alert: Alert, @Ctx() ctx: Context): Promise<Record<string, unknown>> {
    // Ids in the evidence become global IDs of what the viewer may see, or null (auth/disclosure.ts).
    return evidenceFor(ctx.viewer, alert.evidence, alert.schoolId);
  }

  @FieldResolver(() => String, { nullable: true, description: `Who acknowledged it: ${ACTOR_DESCRIPTION}` })
  acknowledgedBy(@Root() alert: Alert, @Ctx() ctx: Context): Promise<string | null> {
    return actorFor(ctx.viewer, alert.acknowledgedBy);
  }

  @FieldResolver(() => String, { nullable: true, description: `Who resolved it: ${ACTOR_DESCRIPTION}` })
  resolvedBy(@Root() alert: Alert, @Ctx() ctx: Context): Promise<string | null> {
    return actorFor(ctx.viewer, alert.resolvedBy);
  }

  @FieldResolver(() => [AlertRecipient], {
    description:
      "Who must know, from the graph as it is now (the same reach that decides who receives the alert's events): the school's governors (own body, federation, trust board, local committee), the executive heads and CEOs of the school and of its federation or trust, its head, its local authority's officers, and partner schools' peer review leads. Only the people you may see are listed.",
  })
  async recipients(@Root() alert: Alert, @Ctx() ctx: Context): Promise<Recipient[]> {
    // Memoized on the object: a subscription event shared by many subscribers is read once; each
    // viewer is then shown only the recipients they may see (a key without read:people: none).
    const all = (await (alert.recipients ??= recipientsLoader(ctx).load(alert.schoolId))) as Recipient[];
    const shown = await Promise.all(all.map((recipient) => maySee(ctx.viewer, 'Person', recipient.person)));
    return all.filter((_, i) => shown[i]);
  }

  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => AlertPayload, { description: 'Acknowledges an open alert: someone responsible has seen it and is acting.' })
  alertAcknowledge(@Arg('input', () => AlertStatusInput, { description: 'The alert.' }) input: AlertStatusInput, @Ctx() ctx: Context) {
    return this.transition(ctx, input, 'acknowledge');
  }

  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => AlertPayload, { description: 'Resolves an open or acknowledged alert; its rule may fire again for the school.' })
  alertResolve(@Arg('input', () => AlertStatusInput, { description: 'The alert.' }) input: AlertStatusInput, @Ctx() ctx: Context) {
    return this.transition(ctx, input, 'resolve');
  }

  private transition(ctx: Context, input: AlertStatusInput, transition: AlertTransition) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new AlertStatusInput(), input));
      const parsed = fromGlobalId(input.alertId);
      if (!parsed || parsed.typeName !== 'Alert') fail(['input', 'alertId'], 'is not the ID of an Alert.');
      await loadByGlobalId(em, Alert, input.alertId, ['input', 'alertId']);
      const result = await changeStatus(em, parsed.id, transition, ctx.viewer.label, input.note);
      if (result.alert) return { alert: result.alert };
      if (result.current == null) fail(['input', 'alertId'], 'no Alert has this ID.', UserErrorCode.NOT_FOUND);
      const verb = transition === 'acknowledge' ? 'acknowledged' : 'resolved';
      return fail(
        ['input', 'alertId'],
        `the alert is ${result.current}; only ${transition === 'acknowledge' ? 'an open' : 'an open or acknowledged'} alert can be ${verb}.`,
        UserErrorCode.CONFLICT,
      );
    });
  }

  @Subscription(() => AlertEvent, {
    description:
      'Alerts as they are raised, in commit order. With `since` (a cursor already received), first everything after it, then live; no gap, no duplicate.',
    subscribe: ({ args, context }) => subscribe(context as Context, args as AlertSubscriptionArgs, [AlertEventKind.RAISED]),
  })
  alertRaised(@Root() event: AlertEvent, @Args() _args: AlertSubscriptionArgs): AlertEvent {
    return event;
  }

  @Subscription(() => AlertEvent, {
    description: 'Alerts as they are acknowledged or resolved, in commit order, with the same `since` contract as alertRaised.',
    subscribe: ({ args, context }) => subscribe(context as Context, args as AlertSubscriptionArgs, STATUS_EVENT_KINDS),
  })
  alertStatusChanged(@Root() event: AlertEvent, @Args() _args: AlertSubscriptionArgs): AlertEvent {
    return event;
  }
}

/** Who changed an alert, as the viewer may learn it (auth/disclosure.ts). */
@Resolver(() => AlertEvent)
export class AlertEventResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: `Who acknowledged or resolved the alert; null when a rule raised it. Otherwise ${ACTOR_DESCRIPTION}`,
  })
  actor(@Root() event: AlertEvent, @Ctx() ctx: Context): Promise<string | null> {
    return actorFor(ctx.viewer, event.actor);
  }
}
