import { Arg, Args, Ctx, Field, FieldResolver, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { Alert } from '../alerts/alert.entity';
import { AlertConnection } from '../alerts/alert.resolver';
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
import { SupportLink } from '../support/support-link.entity';
import { SupportLinkConnection } from '../support/support.resolver';
import { InterventionCase, InterventionMilestone, InterventionReview } from './intervention.entity';
import {
  InterventionCaseCloseInput,
  InterventionCaseOpenInput,
  InterventionMilestoneAddInput,
  InterventionMilestoneMeetInput,
  InterventionReviewRecordInput,
} from './intervention.inputs';
import { addMilestone, closeCase, meetMilestone, openCase, recordTermlyReview } from './intervention.service';
import './intervention.policy';
import './intervention.rules';

registerNodeTypes(InterventionCase, InterventionMilestone);

@ObjectType({ description: 'An edge in a list of intervention cases.' })
export class InterventionCaseEdge extends EdgeType(InterventionCase, 'The case.') {}

@ObjectType({ description: 'A page of intervention cases.' })
export class InterventionCaseConnection extends ConnectionType(InterventionCaseEdge) {}

@ObjectType({ description: 'An edge in a list of milestones.' })
export class InterventionMilestoneEdge extends EdgeType(InterventionMilestone, 'The milestone.') {}

@ObjectType({ description: 'A page of milestones.' })
export class InterventionMilestoneConnection extends ConnectionType(InterventionMilestoneEdge) {}

@ObjectType({ description: 'An edge in a list of termly reviews.' })
export class InterventionReviewEdge extends EdgeType(InterventionReview, 'The termly review.') {}

@ObjectType({ description: 'A page of termly reviews.' })
export class InterventionReviewConnection extends ConnectionType(InterventionReviewEdge) {}

@ObjectType({ description: 'Result of opening or closing an intervention case.' })
export class InterventionCasePayload {
  @Field(() => InterventionCase, { nullable: true, description: 'The case after the change; null when nothing was written.' })
  interventionCase?: InterventionCase;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of adding or meeting a milestone.' })
export class InterventionMilestonePayload {
  @Field(() => InterventionMilestone, { nullable: true, description: 'The milestone after the change; null when nothing was written.' })
  interventionMilestone?: InterventionMilestone;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'Result of recording a termly review.' })
export class InterventionReviewPayload {
  @Field(() => InterventionReview, { nullable: true, description: 'The termly review; null when nothing was written.' })
  interventionReview?: InterventionReview;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

const milestoneList: ChildList = {
  list: 'interventionCase.milestones',
  table: 'intervention_milestone',
  parentColumn: 'case_id',
  orderBy: 't.due_on, t.id',
};
const reviewList: ChildList = {
  list: 'interventionCase.reviews',
  table: 'intervention_review',
  parentColumn: 'case_id',
  orderBy: `t.academic_year, case t.term when 'autumn' then 1 when 'spring' then 2 else 3 end`,
};
const schoolCaseList: ChildList = {
  list: 'school.interventionCases',
  table: 'intervention_case',
  parentColumn: 'school_id',
  orderBy: 't.opened_on desc, t.id desc',
};

/** The case's alerts: the one that opened it, and every alert raised for the school while it was open. */
const caseAlerts = (c: InterventionCase): ChildList => ({
  list: 'interventionCase.alerts',
  table: 'alert',
  parentColumn: 'school_id',
  where: `t.id = ? or (t.raised_at >= ?::date and t.raised_at < coalesce(?::date + 1, 'infinity'))`,
  params: [c.alertId ?? 0, c.openedOn, c.closedOn ?? null],
  orderBy: 't.raised_at, t.id',
});

/** Support the school received while the case was open. */
const caseSupport = (c: InterventionCase): ChildList => ({
  list: 'interventionCase.supportLinks',
  table: 'support_link',
  parentColumn: 'receiver_id',
  where: `t.started_on <= coalesce(?::date, current_date) and (t.ends_on is null or t.ends_on >= ?::date)`,
  params: [c.closedOn ?? null, c.openedOn],
  orderBy: 't.started_on, t.id',
});

@Resolver(() => InterventionCase)
@Authorized(Access.ALERTS)
export class InterventionCaseResolver {
  @FieldResolver(() => School, { description: 'The school in intervention.' })
  async school(@Root() c: InterventionCase, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(c.schoolId)) as School;
  }

  @FieldResolver(() => School, { nullable: true, description: 'The school that supports it.' })
  async supportingSchool(@Root() c: InterventionCase, @Ctx() ctx: Context): Promise<School | null> {
    return c.supportingSchoolId ? ((await byId(ctx, School).load(c.supportingSchoolId)) ?? null) : null;
  }

  @FieldResolver(() => Group, { nullable: true, description: 'The group that supports it.' })
  async supportingGroup(@Root() c: InterventionCase, @Ctx() ctx: Context): Promise<Group | null> {
    return c.supportingGroupId ? ((await byId(ctx, Group).load(c.supportingGroupId)) ?? null) : null;
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who leads it (null when outside what you may see).' })
  async lead(@Root() c: InterventionCase, @Ctx() ctx: Context): Promise<Person | null> {
    return (await byId(ctx, Person).load(c.leadId)) ?? null;
  }

  @FieldResolver(() => Alert, { nullable: true, description: 'The alert of severity INTERVENTION it was opened from, if any.' })
  async openingAlert(@Root() c: InterventionCase, @Ctx() ctx: Context): Promise<Alert | null> {
    return c.alertId ? ((await byId(ctx, Alert).load(c.alertId)) ?? null) : null;
  }

  @FieldResolver(() => InterventionMilestoneConnection, { description: 'The support plan: its milestones, soonest due first.' })
  async milestones(@Root() c: InterventionCase, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const page = readPage(milestoneList.list, pageArgs, isPosition);
    const result = await childPages(ctx, InterventionMilestone, milestoneList, page).load(c.id);
    return childConnection(milestoneList, page, result, (node, cursor) => ({ node, cursor }));
  }

  @FieldResolver(() => InterventionReviewConnection, { description: 'Termly reviews, in term order.' })
  async termlyReviews(@Root() c: InterventionCase, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const page = readPage(reviewList.list, pageArgs, isPosition);
    const result = await childPages(ctx, InterventionReview, reviewList, page).load(c.id);
    return childConnection(reviewList, page, result, (node, cursor) => ({ node, cursor }));
  }

  @FieldResolver(() => AlertConnection, {
    description: "The case's alerts: the one it was opened from and every alert raised for the school while it was open, oldest first.",
  })
  async alerts(@Root() c: InterventionCase, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const spec = caseAlerts(c);
    const page = readPage(spec.list, pageArgs, isPosition);
    const result = await childPages(ctx, Alert, spec, page).load(c.schoolId);
    return childConnection(spec, page, result, (node, cursor) => ({ node, cursor }));
  }

  @FieldResolver(() => SupportLinkConnection, { description: 'Support the school received while the case was open, oldest first.' })
  async supportLinks(@Root() c: InterventionCase, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const spec = caseSupport(c);
    const page = readPage(spec.list, pageArgs, isPosition);
    const result = await childPages(ctx, SupportLink, spec, page).load(c.schoolId);
    return childConnection(spec, page, result, (node, cursor) => ({ node, cursor }));
  }
}

@Resolver(() => InterventionMilestone)
@Authorized(Access.ALERTS)
export class InterventionMilestoneResolver {
  @FieldResolver(() => InterventionCase, { nullable: true, description: 'The case whose plan it belongs to.' })
  async interventionCase(@Root() m: InterventionMilestone, @Ctx() ctx: Context): Promise<InterventionCase | null> {
    return (await byId(ctx, InterventionCase).load(m.caseId)) ?? null;
  }
}

@Resolver(() => School)
export class SchoolInterventionResolver {
  @Authorized(Access.ALERTS)
  @FieldResolver(() => InterventionCaseConnection, { description: 'Intervention cases of this school, newest first (those you may see).' })
  async interventionCases(@Root() school: School, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const page = readPage(schoolCaseList.list, pageArgs, isPosition);
    const result = await childPages(ctx, InterventionCase, schoolCaseList, page).load(school.id);
    return childConnection(schoolCaseList, page, result, (node, cursor) => ({ node, cursor }));
  }
}

@Resolver(() => Alert)
export class AlertInterventionResolver {
  @FieldResolver(() => InterventionCase, { nullable: true, description: 'The intervention case opened from this alert, if any.' })
  async interventionCase(@Root() alert: Alert, @Ctx() ctx: Context): Promise<InterventionCase | null> {
    const cases = await listsByParent(ctx, 'Alert.interventionCase', (ids) =>
      selectByParent(
        ctx.em,
        InterventionCase,
        `select c.*, c.alert_id as _parent from intervention_case c where c.alert_id = any(?::int[]) order by c.id desc`,
        [intArray(ids)],
      ),
    ).load(alert.id);
    return cases[0] ?? null;
  }
}

/*
 * Opening needs a standing to write (a lead or governing role). The rest is done by those who run the
 * case, who may hold no such role (a lead who is a deputy head): they need only be signed in, and the
 * row rules in intervention.policy.ts decide through loadByGlobalId (apps need write:alerts).
 */
@Resolver()
export class InterventionMutations {
  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => InterventionCasePayload, {
    description:
      "Opens an intervention case, from an alert of severity INTERVENTION (acknowledged and linked) or by the supporting group's leaders, with a lead and a support plan.",
  })
  interventionCaseOpen(
    @Arg('input', { description: 'The alert or school, the supporter, the lead and the plan.' }) input: InterventionCaseOpenInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new InterventionCaseOpenInput(), input));
      return { interventionCase: await openCase(em, input, ctx.viewer.label) };
    });
  }

  @Authorized(Access.ALERTS)
  @Mutation(() => InterventionMilestonePayload, { description: "Adds a milestone to an open case's support plan." })
  interventionMilestoneAdd(
    @Arg('input', { description: 'The case, what and by when.' }) input: InterventionMilestoneAddInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new InterventionMilestoneAddInput(), input));
      return { interventionMilestone: await addMilestone(em, input) };
    });
  }

  @Authorized(Access.ALERTS)
  @Mutation(() => InterventionMilestonePayload, { description: 'Records that a milestone was met.' })
  interventionMilestoneMeet(
    @Arg('input', { description: 'The milestone and the day it was met.' }) input: InterventionMilestoneMeetInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new InterventionMilestoneMeetInput(), input));
      return { interventionMilestone: await meetMilestone(em, input) };
    });
  }

  @Authorized(Access.ALERTS)
  @Mutation(() => InterventionReviewPayload, {
    description: 'Records the termly review of an open case: a red, amber or green rating with notes (one per term).',
  })
  interventionReviewRecord(
    @Arg('input', { description: 'The case, the term, the rating and the notes.' }) input: InterventionReviewRecordInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new InterventionReviewRecordInput(), input));
      return { interventionReview: await recordTermlyReview(em, input, ctx.viewer.label) };
    });
  }

  @Authorized(Access.ALERTS)
  @Mutation(() => InterventionCasePayload, {
    description:
      'Closes an open case with its outcome (needs a termly review); resolves the alert it was opened from and its missed-milestone alerts.',
  })
  interventionCaseClose(
    @Arg('input', { description: 'The case and its outcome.' }) input: InterventionCaseCloseInput,
    @Ctx() ctx: Context,
  ) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new InterventionCaseCloseInput(), input));
      return { interventionCase: await closeCase(em, input, ctx.viewer.label) };
    });
  }
}

export const interventionResolvers = [
  InterventionCaseResolver,
  InterventionMilestoneResolver,
  SchoolInterventionResolver,
  AlertInterventionResolver,
  InterventionMutations,
];
