import { Args, Arg, Ctx, Field, FieldResolver, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { Alert } from '../alerts/alert.entity';
import { Access } from '../auth/auth-checker';
import { intArray } from '../auth/viewer';
import type { Context } from '../core/context';
import { byId, childConnection, childPages, ChildList, listsByParent, selectByParent } from '../core/loaders';
import { mutate } from '../core/mutation';
import { registerNodeTypes } from '../core/node.resolver';
import { ConnectionType, EdgeType, isPosition, PageArgs, readPage } from '../core/pagination';
import { check, UserError } from '../core/user-errors';
import { Group } from '../groups/group.entity';
import { Person } from '../people/person.entity';
import { School } from '../schools/school.entity';
import { PeerReview, PeerReviewAction, PeerReviewFinding, PeerReviewReviewer } from './review.entity';
import {
  PeerReviewActionAddInput,
  PeerReviewActionUpdateInput,
  PeerReviewFindingRecordInput,
  PeerReviewScheduleInput,
  PeerReviewReviewerAddInput,
  PeerReviewReviewerRemoveInput,
  PeerReviewStatusUpdateInput,
} from './review.inputs';
import { addAction, addReviewer, recordFinding, removeReviewer, scheduleReview, updateAction, updateReviewStatus } from './review.service';
import './review.rules';

registerNodeTypes(PeerReview, PeerReviewAction);

@ObjectType({ description: 'An edge in a list of peer reviews.' })
export class PeerReviewEdge extends EdgeType(PeerReview, 'The peer review.') {}

@ObjectType({ description: 'A page of peer reviews.' })
export class PeerReviewConnection extends ConnectionType(PeerReviewEdge) {}

@ObjectType({ description: 'An edge in a list of agreed actions.' })
export class PeerReviewActionEdge extends EdgeType(PeerReviewAction, 'The action.') {}

@ObjectType({ description: 'A page of agreed actions.' })
export class PeerReviewActionConnection extends ConnectionType(PeerReviewActionEdge) {}

@ObjectType({ description: 'Result of scheduling a peer review or moving it on.' })
export class PeerReviewPayload {
  @Field(() => PeerReview, { nullable: true, description: 'The review after the change; null when nothing was written.' })
  peerReview?: PeerReview;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of recording a finding.' })
export class PeerReviewFindingPayload {
  @Field(() => PeerReviewFinding, { nullable: true, description: 'The finding; null when nothing was written.' })
  finding?: PeerReviewFinding;

  @Field(() => PeerReview, { nullable: true, description: 'The review it belongs to.' })
  peerReview?: PeerReview;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of agreeing or changing an action.' })
export class PeerReviewActionPayload {
  @Field(() => PeerReviewAction, { nullable: true, description: 'The action after the change; null when nothing was written.' })
  peerReviewAction?: PeerReviewAction;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

const actionList: ChildList = {
  list: 'peerReview.actions',
  table: 'peer_review_action',
  parentColumn: 'peer_review_id',
  orderBy: 't.due_on, t.id',
};
const schoolReviewList: ChildList = {
  list: 'school.peerReviews',
  table: 'peer_review',
  parentColumn: 'school_id',
  orderBy: 't.started_on desc, t.id desc',
};

@Resolver(() => PeerReview)
@Authorized(Access.ALERTS)
export class PeerReviewResolver {
  @FieldResolver(() => School, { description: 'The school reviewed.' })
  async school(@Root() review: PeerReview, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(review.schoolId)) as School;
  }

  @FieldResolver(() => Group, { nullable: true, description: 'The group that scheduled it.' })
  async group(@Root() review: PeerReview, @Ctx() ctx: Context): Promise<Group | null> {
    return review.groupId ? ((await byId(ctx, Group).load(review.groupId)) ?? null) : null;
  }

  @FieldResolver(() => Alert, {
    nullable: true,
    description: 'The alert that raised it, when it was raised by one (null also when outside what you may see).',
  })
  async alert(@Root() review: PeerReview, @Ctx() ctx: Context): Promise<Alert | null> {
    return review.alertId ? ((await byId(ctx, Alert).load(review.alertId)) ?? null) : null;
  }

  @FieldResolver(() => [PeerReviewReviewer], {
    description: 'The lead reviewer, reviewers and external adviser (at most 12: one lead, 10 reviewers, one adviser).',
  })
  reviewers(@Root() review: PeerReview, @Ctx() ctx: Context): Promise<PeerReviewReviewer[]> {
    return listsByParent(ctx, 'PeerReview.reviewers', (ids) =>
      selectByParent(
        ctx.em,
        PeerReviewReviewer,
        `select r.*, r.peer_review_id as _parent from peer_review_reviewer r where r.peer_review_id = any(?::int[])
         order by case r.role when 'lead_reviewer' then 0 when 'reviewer' then 1 else 2 end, r.id`,
        [intArray(ids)],
      ),
    ).load(review.id);
  }

  @FieldResolver(() => [PeerReviewFinding], { description: 'Findings by evidence area (at most one per area), in area order.' })
  findings(@Root() review: PeerReview, @Ctx() ctx: Context): Promise<PeerReviewFinding[]> {
    return listsByParent(ctx, 'PeerReview.findings', (ids) =>
      selectByParent(
        ctx.em,
        PeerReviewFinding,
        `select f.*, f.peer_review_id as _parent from peer_review_finding f where f.peer_review_id = any(?::int[]) order by f.area`,
        [intArray(ids)],
      ),
    ).load(review.id);
  }

  @FieldResolver(() => PeerReviewActionConnection, { description: 'Actions agreed at the review, soonest due first.' })
  async actions(@Root() review: PeerReview, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const page = readPage(actionList.list, pageArgs, isPosition);
    const result = await childPages(ctx, PeerReviewAction, actionList, page).load(review.id);
    return childConnection(actionList, page, result, (node, cursor) => ({ node, cursor }));
  }
}

@Resolver(() => PeerReviewReviewer)
export class PeerReviewReviewerResolver {
  @FieldResolver(() => Person, { nullable: true, description: 'The person (null when outside what you may see).' })
  async person(@Root() reviewer: PeerReviewReviewer, @Ctx() ctx: Context): Promise<Person | null> {
    return (await byId(ctx, Person).load(reviewer.personId)) ?? null;
  }

  @FieldResolver(() => School, {
    nullable: true,
    description: 'The partner school whose post or seat qualifies them; null for the external adviser.',
  })
  async school(@Root() reviewer: PeerReviewReviewer, @Ctx() ctx: Context): Promise<School | null> {
    return reviewer.schoolId ? ((await byId(ctx, School).load(reviewer.schoolId)) ?? null) : null;
  }
}

@Resolver(() => PeerReviewAction)
@Authorized(Access.ALERTS)
export class PeerReviewActionResolver {
  @FieldResolver(() => PeerReview, { nullable: true, description: 'The review that agreed it (null when outside what you may see).' })
  async peerReview(@Root() action: PeerReviewAction, @Ctx() ctx: Context): Promise<PeerReview | null> {
    return (await byId(ctx, PeerReview).load(action.peerReviewId)) ?? null;
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who owns it (null when outside what you may see).' })
  async owner(@Root() action: PeerReviewAction, @Ctx() ctx: Context): Promise<Person | null> {
    return (await byId(ctx, Person).load(action.ownerId)) ?? null;
  }
}

@Resolver(() => School)
export class SchoolPeerReviewResolver {
  @Authorized(Access.ALERTS)
  @FieldResolver(() => PeerReviewConnection, { description: 'Peer reviews of this school, newest first (those you may see).' })
  async peerReviews(@Root() school: School, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const page = readPage(schoolReviewList.list, pageArgs, isPosition);
    const result = await childPages(ctx, PeerReview, schoolReviewList, page).load(school.id);
    return childConnection(schoolReviewList, page, result, (node, cursor) => ({ node, cursor }));
  }
}

@Resolver(() => Alert)
export class AlertPeerReviewResolver {
  @FieldResolver(() => PeerReview, {
    nullable: true,
    description: 'The peer review raised from this alert, if any (the latest not cancelled).',
  })
  async peerReview(@Root() alert: Alert, @Ctx() ctx: Context): Promise<PeerReview | null> {
    const reviews = await listsByParent(ctx, 'Alert.peerReview', (ids) =>
      selectByParent(
        ctx.em,
        PeerReview,
        `select pr.*, pr.alert_id as _parent from peer_review pr where pr.alert_id = any(?::int[]) and pr.status <> 'cancelled' order by pr.id desc`,
        [intArray(ids)],
      ),
    ).load(alert.id);
    return reviews[0] ?? null;
  }
}

/*
 * Scheduling needs a standing to write (a lead or governing role). The other changes are made by the
 * review's participants, who may hold no such role (a reviewer who is a peer review lead, a teacher who
 * owns an action): they need only be signed in, and the row rules in review.policy.ts decide, through
 * loadByGlobalId, as they do for apps (which need write:alerts).
 */
@Resolver()
export class PeerReviewMutations {
  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => PeerReviewPayload, {
    description:
      'Schedules a peer review of a member school by its group, or from an alert of severity PEER_REVIEW (acknowledged and linked), with reviewers from partner schools.',
  })
  peerReviewSchedule(
    @Arg('input', { description: 'The group, the school or alert, the date and the reviewers.' }) input: PeerReviewScheduleInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new PeerReviewScheduleInput(), input));
      return { peerReview: await scheduleReview(em, input, ctx.viewer.label) };
    });
  }

  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => PeerReviewPayload, {
    description:
      "Adds a person to a peer review's team before it is completed, on the terms of scheduling (never from the reviewed school); by those who may change the scheduling group. A new lead makes the old one a reviewer.",
  })
  peerReviewReviewerAdd(
    @Arg('input', { description: 'The review, the person and their part.' }) input: PeerReviewReviewerAddInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new PeerReviewReviewerAddInput(), input));
      return { peerReview: await addReviewer(em, input, ctx.viewer.label) };
    });
  }

  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => PeerReviewPayload, {
    description:
      "Removes a person from a peer review's team before it is completed (not the lead, not while they own open actions); by those who may change the scheduling group.",
  })
  peerReviewReviewerRemove(
    @Arg('input', { description: 'The review and the reviewer.' }) input: PeerReviewReviewerRemoveInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new PeerReviewReviewerRemoveInput(), input));
      return { peerReview: await removeReviewer(em, input, ctx.viewer.label) };
    });
  }

  @Authorized(Access.ALERTS)
  @Mutation(() => PeerReviewPayload, {
    description:
      'Moves a peer review on: start it, complete it (needs findings; resolves the alert that raised it and any PEER_REVIEW_OVERDUE alert), follow it up (every action done or dropped) or cancel it.',
  })
  peerReviewStatusUpdate(
    @Arg('input', { description: 'The review and its new status.' }) input: PeerReviewStatusUpdateInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new PeerReviewStatusUpdateInput(), input));
      return { peerReview: await updateReviewStatus(em, input, ctx.viewer.label) };
    });
  }

  @Authorized(Access.ALERTS)
  @Mutation(() => PeerReviewFindingPayload, {
    description:
      "Records the reviewers' grade for an area; a grade worse than the school's own self-evaluation is flagged and evaluated by the PEER_REVIEW_FINDING_WORSE rules.",
  })
  peerReviewFindingRecord(
    @Arg('input', { description: 'The review, the area, the grade and the evidence.' }) input: PeerReviewFindingRecordInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new PeerReviewFindingRecordInput(), input));
      return recordFinding(em, input, ctx.viewer.label);
    });
  }

  @Authorized(Access.ALERTS)
  @Mutation(() => PeerReviewActionPayload, { description: 'Agrees an action at a peer review, with its owner (who is told) and due date.' })
  peerReviewActionAdd(
    @Arg('input', { description: 'The review, what is to be done, by whom and when.' }) input: PeerReviewActionAddInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new PeerReviewActionAddInput(), input));
      return { peerReviewAction: await addAction(em, input, ctx.viewer.label) };
    });
  }

  @Authorized(Access.ALERTS)
  @Mutation(() => PeerReviewActionPayload, {
    description: 'Takes up, completes or drops an agreed action (its owner, or those who run the review).',
  })
  peerReviewActionUpdate(
    @Arg('input', { description: 'The action and its new status.' }) input: PeerReviewActionUpdateInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new PeerReviewActionUpdateInput(), input));
      return { peerReviewAction: await updateAction(em, input, ctx.viewer.label) };
    });
  }
}

export const reviewResolvers = [
  PeerReviewResolver,
  PeerReviewReviewerResolver,
  PeerReviewActionResolver,
  SchoolPeerReviewResolver,
  AlertPeerReviewResolver,
  PeerReviewMutations,
];
