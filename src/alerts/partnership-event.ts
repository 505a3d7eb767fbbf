import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import { Arg, Ctx, Field, ID, ObjectType, registerEnumType, Resolver, Root, Subscription, FieldResolver } from 'type-graphql';
import { requireSubscriber } from '../auth/subscriptions';
import { AppScope } from '../auth/viewer';
import { currentMembership } from '../core/current';
import type { Context } from '../core/context';
import { byId } from '../core/loaders';
import { fromGlobalId } from '../core/node';
import { badInput, readPage } from '../core/pagination';
import { School } from '../schools/school.entity';
import { ALERT_CURSOR_LIST, AlertEvent, isAlertPosition } from './alert-event';
import type { AlertEventKind } from './alert.enums';

/**
 * Workflow events: what happened in a peer review, an intervention case or a governing body that someone
 * must hear of at once (a review scheduled for your school, an action assigned to you, a reviewer added,
 * your board's size set). They are rows of the
 * alert log (`alert_event` with no alert), written in the transaction of the change, so they share
 * its contract (README.md in this folder): stamped after commit by the one sequencer, delivered by
 * the one feed per instance, resumable with `since`, nothing announced for a change that rolled back.
 *
 * Reach: everyone who reaches the school (its governors, its groups' leaders, officers, admins) and
 * the people the event names (`person_ids`: the reviewers, an action's owner, a case's lead, a body's
 * sitting members), even
 * when they reach the school only through the review or case.
 */
export enum PartnershipEventKind {
  PEER_REVIEW_SCHEDULED = 'peer_review_scheduled',
  PEER_REVIEW_STATUS_CHANGED = 'peer_review_status_changed',
  PEER_REVIEW_ACTION_ASSIGNED = 'peer_review_action_assigned',
  PEER_REVIEW_REVIEWERS_CHANGED = 'peer_review_reviewers_changed',
  GOVERNING_BODY_SIZE_SET = 'governing_body_size_set',
  INTERVENTION_CASE_OPENED = 'intervention_case_opened',
  INTERVENTION_CASE_CLOSED = 'intervention_case_closed',
  MEMBERSHIP_LEAVE_REQUESTED = 'membership_leave_requested',
  MEMBERSHIP_LEAVE_DECIDED = 'membership_leave_decided',
  MEMBERSHIP_LEAVE_WITHDRAWN = 'membership_leave_withdrawn',
  MEMBERSHIP_ENDED_BY_CONSENT = 'membership_ended_by_consent',
  TRIGGER_RULE_AGREED = 'trigger_rule_agreed',
}
registerEnumType(PartnershipEventKind, {
  name: 'PartnershipEventKind',
  description: 'What happened in a peer review, an intervention case, a governing body or the governance of a partnership that the people concerned must hear of.',
  valuesConfig: {
    PEER_REVIEW_SCHEDULED: { description: 'A peer review of the school was scheduled.' },
    PEER_REVIEW_STATUS_CHANGED: { description: 'A peer review started, was completed, followed up or cancelled.' },
    PEER_REVIEW_ACTION_ASSIGNED: { description: 'An action agreed at a peer review was assigned to its owner.' },
    PEER_REVIEW_REVIEWERS_CHANGED: {
      description: "A reviewer joined or left a peer review's team (told to the whole team, the person added or removed included).",
    },
    GOVERNING_BODY_SIZE_SET: { description: "A governing body's set size (seats) was set or changed; told to each school it governs and its members." },
    INTERVENTION_CASE_OPENED: { description: 'An intervention case was opened for the school.' },
    INTERVENTION_CASE_CLOSED: { description: 'An intervention case was closed with its outcome.' },
    MEMBERSHIP_LEAVE_REQUESTED: { description: "The school's governing body asked to leave its federation or trust." },
    MEMBERSHIP_LEAVE_DECIDED: { description: 'A party (the school’s body or the group’s) consented to or refused a request to leave.' },
    MEMBERSHIP_LEAVE_WITHDRAWN: { description: 'A request to leave was withdrawn.' },
    MEMBERSHIP_ENDED_BY_CONSENT: { description: 'The school left its federation or trust on the agreed date.' },
    TRIGGER_RULE_AGREED: { description: "The school's governing body agreed a group's trigger rule, which now applies to it." },
  },
});

const KINDS = Object.values(PartnershipEventKind) as string[];

export interface PartnershipEventInput {
  kind: PartnershipEventKind;
  schoolId: number;
  /** Global ID of the review, action or case. */
  subjectId: string;
  /** People the event is for besides those who reach the school. */
  personIds: number[];
  summary: string;
  actor: string;
}

/** Appends a workflow event to the alert log, in the caller's transaction (published only if it commits). */
export async function recordPartnershipEvent(em: EntityManager, event: PartnershipEventInput): Promise<void> {
  await em.execute(
    `insert into alert_event (alert_id, kind, school_id, group_ids, severity_rank, actor, subject_id, person_ids, summary)
     values (null, ?, ?, coalesce((select array_agg(m.group_id order by m.group_id) from membership m
       where m.school_id = ? and ${currentMembership('m')}), '{}'), 0, ?, ?, ?::int[], ?)`,
    [event.kind, event.schoolId, event.schoolId, event.actor, event.subjectId, `{${event.personIds.join(',')}}`, event.summary],
  );
}

@ObjectType({ description: 'Something that happened in a peer review or an intervention case, at a position in the commit-ordered log.' })
export class PartnershipEvent {
  position!: number;
  schoolId!: number;
  personIds!: number[];
  subjectId!: string;

  @Field({ description: 'Opaque cursor of this event in the alert log: pass it as `since` when resubscribing.' })
  cursor!: string;

  @Field(() => PartnershipEventKind, { description: 'What happened.' })
  kind!: PartnershipEventKind;

  @Field({ description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => String, { nullable: true, description: 'Who made the change.' })
  actor!: string | null;

  @Field({ description: 'One line saying what happened, e.g. "Peer review scheduled for 2027-01-12".' })
  summary!: string;

  @Field({ description: 'Whether the event names the subscriber (a reviewer, the owner of an action, the lead of a case).' })
  forYou!: boolean;
}

function toPartnershipEvent(event: AlertEvent, personId: number | undefined): PartnershipEvent {
  const result = new PartnershipEvent();
  result.position = event.position;
  result.cursor = event.cursor;
  result.kind = event.kind as unknown as PartnershipEventKind;
  result.occurredAt = event.occurredAt;
  result.actor = event.actor;
  result.summary = event.summary ?? '';
  result.schoolId = event.schoolId;
  result.personIds = event.personIds ?? [];
  result.subjectId = event.subjectId ?? '';
  result.forYou = personId !== undefined && result.personIds.includes(personId);
  return result;
}

async function subscribe(ctx: Context, since: string | undefined | null, schoolId: string | undefined | null) {
  await requireSubscriber(ctx);
  if (!ctx.alertFeed) throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) on this path.');
  let after: number | undefined;
  if (since != null) {
    try {
      after = readPage(ALERT_CURSOR_LIST, { first: 1, after: since }, isAlertPosition).after;
    } catch {
      throw badInput('since is not a cursor of the alert log.', 'since');
    }
  }
  let school: number | undefined;
  if (schoolId != null) {
    const parsed = fromGlobalId(schoolId);
    if (!parsed || parsed.typeName !== 'School') throw badInput('schoolId is not the ID of a School.', 'schoolId');
    school = parsed.id;
  }
  const source = ctx.alertFeed.subscribe({ kinds: KINDS as unknown as AlertEventKind[], schoolId: school }, after);
  return reachable(ctx, source);
}

/**
 * Each event is checked against the subscriber's scope as it is when delivered (as alerts are, in
 * auth/subscriptions.ts): the school within reach, or the subscriber named by the event. Apps need read:alerts.
 */
async function* reachable(ctx: Context, source: AsyncIterableIterator<AlertEvent>): AsyncGenerator<PartnershipEvent> {
  const viewer = ctx.viewer;
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      // A session whose key was revoked, token expired or person deleted receives nothing more (auth/sessions.ts).
      if (ctx.session && !ctx.session.live) return;
      const event = next.value;
      let allowed = false;
      if (viewer.kind === 'app') allowed = viewer.hasScope(AppScope.READ_ALERTS);
      else if (viewer.kind === 'person') {
        const scope = await viewer.currentScope(ctx.em);
        allowed = scope.admin || scope.schoolIds.has(event.schoolId) || (event.personIds ?? []).includes(viewer.personId!);
      }
      if (allowed) yield toPartnershipEvent(event, viewer.personId);
    }
  } finally {
    await source.return?.();
  }
}

@Resolver(() => PartnershipEvent)
export class PartnershipEventResolver {
  @FieldResolver(() => School, { description: 'The school the review or case is about.' })
  async school(@Root() event: PartnershipEvent, @Ctx() ctx: Context): Promise<School | null> {
    return (await byId(ctx, School).load(event.schoolId)) ?? null;
  }

  @FieldResolver(() => ID, {
    description: 'Global ID of the peer review, action or intervention case the event is about (fetch it with `node`).',
  })
  subjectId(@Root() event: PartnershipEvent): string {
    return event.subjectId;
  }

  @Subscription(() => PartnershipEvent, {
    description:
      'Peer review, intervention and partnership governance events (a request to leave and each decision on it, a trigger rule agreed) for schools you reach and for you by name (a review scheduled for your school, an action assigned to you, a request your board must decide), in commit order. With `since` (a cursor already received), first everything after it, then live; no gap, no duplicate.',
    subscribe: ({ args, context }) => subscribe(context as Context, args.since, args.schoolId),
  })
  partnershipEvents(
    @Root() event: PartnershipEvent,
    @Arg('since', () => String, { nullable: true, description: 'Resume after this cursor of the alert log.' }) _since?: string,
    @Arg('schoolId', () => ID, { nullable: true, description: 'Only events about this school.' }) _schoolId?: string,
  ): PartnershipEvent {
    return event;
  }
}
