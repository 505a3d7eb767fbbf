import DataLoader from 'dataloader';
import {
  Arg,
  Args,
  Ctx,
  Field,
  FieldResolver,
  Float,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  registerEnumType,
  Resolver,
  Root,
} from 'type-graphql';
import { Authorized } from '../auth/guard';
import { Access, forbidden, signInRequired } from '../auth/auth-checker';
import { AppScope, Viewer } from '../auth/viewer';
import type { Context } from '../core/context';
import { byId } from '../core/loaders';
import { loadByGlobalId, mutate } from '../core/mutation';
import { connectionOf, ConnectionType, EdgeType, encodeCursor, PageArgs, readPage } from '../core/pagination';
import { DateScalar } from '../core/scalars';
import { fail, UserError } from '../core/user-errors';
import { METRICS, OutcomeMetric } from '../evidence/evidence.enums';
import { Group, StrategicObjective } from '../groups/group.entity';
import { School } from '../schools/school.entity';
import { estimateImpact } from './impact.service';
import { ObjectiveProgress, ObjectiveProgressStatus, progressOf } from './progress';

export enum ImpactVerdict {
  IMPROVED = 'improved',
  NO_CLEAR_DIFFERENCE = 'no_clear_difference',
  WORSENED = 'worsened',
  TOO_LITTLE_DATA = 'too_little_data',
}
registerEnumType(ImpactVerdict, {
  name: 'ImpactVerdict',
  description: "What the difference in differences says about the members' change against similar schools.",
  valuesConfig: {
    IMPROVED: { description: 'The whole 95% interval is on the better side of zero.' },
    NO_CLEAR_DIFFERENCE: { description: 'The interval includes zero: no difference can be told.' },
    WORSENED: { description: 'The whole 95% interval is on the worse side of zero.' },
    TOO_LITTLE_DATA: { description: 'Too few schools with values before and after joining to conclude anything.' },
  },
});

export enum CriterionStatus {
  MET = 'met',
  IN_PROGRESS = 'in_progress',
  NOT_MET = 'not_met',
  TOO_LITTLE_DATA = 'too_little_data',
  NO_CRITERION = 'no_criterion',
}
registerEnumType(CriterionStatus, {
  name: 'CriterionStatus',
  description: 'Whether a success criterion is met.',
  valuesConfig: {
    MET: { description: "The members' mean, of evidence recent enough to count, reaches the target (progress MET)." },
    IN_PROGRESS: { description: 'Not reached yet, and the target date has not passed (progress ON_TRACK or OFF_TRACK says which).' },
    NOT_MET: { description: 'Not reached, and the target date has passed.' },
    TOO_LITTLE_DATA: { description: 'No member has a value of the metric recent enough to count (progress NO_DATA).' },
    NO_CRITERION: { description: 'The objective has no target as data (metric, target and date).' },
  },
});

@ObjectType({ description: 'A success criterion as data: the metric, where it started, the target and by when.' })
export class SuccessCriterion {
  @Field(() => OutcomeMetric, { description: 'The outcome metric.' })
  metric!: OutcomeMetric;

  @Field(() => Float, { nullable: true, description: "The members' mean when the objective was set, if recorded." })
  baseline!: number | null;

  @Field(() => Float, { description: "The members' mean to reach (at least, or at most for metrics where lower is better)." })
  target!: number;

  @Field(() => DateScalar, { description: 'By when.' })
  targetOn!: string;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'The day it was set: where the trajectory from baseline to target starts (StrategicObjective.progress).',
  })
  setOn!: string | null;
}

@InputType({ description: 'Sets the success criterion of a strategic objective as data.' })
export class SuccessCriterionSetInput {
  @Field(() => ID, { description: 'The strategic objective.' })
  objectiveId!: string;

  @Field(() => OutcomeMetric, { description: 'The outcome metric.' })
  metric!: OutcomeMetric;

  @Field(() => Float, { nullable: true, description: "The members' mean now (the baseline), within the metric's range." })
  baseline?: number;

  @Field(() => Float, { description: "The target, within the metric's range." })
  target!: number;

  @Field(() => DateScalar, { description: 'By when.' })
  targetOn!: string;
}

@ObjectType({ description: 'Result of setting a success criterion.' })
export class SuccessCriterionSetPayload {
  @Field(() => StrategicObjective, { nullable: true, description: 'The objective; null when nothing was written.' })
  strategicObjective?: StrategicObjective;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The change in one school over the years around its joining.' })
export class SchoolChange {
  schoolId!: number;

  @Field(() => Float, { description: 'Value in the latest year that ended before the member joined.' })
  before!: number;

  @Field(() => Float, { description: 'Value in the latest year that started after the member joined.' })
  after!: number;

  @Field(() => Float, { description: 'After less before.' })
  change!: number;
}

@ObjectType({ description: "A strategic objective's impact: difference in differences against similar schools, and its criterion." })
export class ObjectiveImpact {
  objectiveId!: number;

  @Field(() => OutcomeMetric, { description: 'The metric evaluated.' })
  metric!: OutcomeMetric;

  @Field(() => Int, { description: 'Member schools with the metric both before and after joining.' })
  memberSchoolCount!: number;

  @Field(() => Int, { description: 'Comparison schools (similar, never in the group) with the metric in the same years.' })
  comparisonSchoolCount!: number;

  @Field(() => Float, { nullable: true, description: "Members' mean change since joining." })
  memberMeanChange!: number | null;

  @Field(() => Float, { nullable: true, description: "Comparison schools' mean change over the same years." })
  comparisonMeanChange!: number | null;

  @Field(() => Float, { nullable: true, description: 'Difference in differences; null when there is too little data.' })
  difference!: number | null;

  @Field(() => Float, { nullable: true, description: 'Lower end of the 95% bootstrap interval of the difference.' })
  intervalLow!: number | null;

  @Field(() => Float, { nullable: true, description: 'Upper end of the 95% bootstrap interval of the difference.' })
  intervalHigh!: number | null;

  @Field(() => ImpactVerdict, { description: 'What it says, with the interval.' })
  verdict!: ImpactVerdict;

  @Field({ description: 'The finding in words, including "too little data" and the counts when so.' })
  summary!: string;

  @Field(() => [SchoolChange], { description: 'Each member school with values before and after joining.' })
  memberChanges!: SchoolChange[];

  @Field(() => CriterionStatus, {
    description: 'Whether the success criterion is met: the verdict of `progress` (the same as StrategicObjective.progress), as met, in progress, not met or too little data.',
  })
  criterionStatus!: CriterionStatus;

  @Field(() => ObjectiveProgress, {
    nullable: true,
    description: 'Progress against the success criterion, per member school and for the group, with reasons; null without a criterion.',
  })
  progress!: ObjectiveProgress | null;

  @Field(() => Float, { nullable: true, description: "Current members' mean in the latest year held." })
  latestMean!: number | null;

  @Field(() => String, { nullable: true, description: 'The latest academic year held for a current member.' })
  latestYear!: string | null;
}

@ObjectType({ description: "A group's impact on each of its objectives that names an outcome metric." })
export class GroupImpact {
  groupId!: number;

  @Field(() => [ObjectiveImpact], { description: 'One per objective with a metric.' })
  objectives!: ObjectiveImpact[];
}

@ObjectType({ description: 'An edge in a list of group impacts.' })
export class GroupImpactEdge extends EdgeType(GroupImpact, 'The group and its impact.') {}

@ObjectType({ description: 'A page of group impacts.' })
export class GroupImpactConnection extends ConnectionType(GroupImpactEdge) {}

interface ObjectiveRow {
  set_on?: string | null;
  id: number;
  group_id: number;
  metric: string | null;
  baseline: number | null;
  target: number | null;
  target_on: string | null;
}

const KNOWN_METRICS = new Set<string>(Object.values(OutcomeMetric));

/** A group's impact is its own business: its leaders and governors, officers of an authority it has members in, admins, apps with read:evidence. */
async function requireGroupReader(viewer: Viewer, groupId: number): Promise<void> {
  if (viewer.kind === 'app') {
    if (viewer.hasScope(AppScope.READ_EVIDENCE)) return;
    throw forbidden('This API key lacks the read:evidence scope.');
  }
  if (viewer.kind !== 'person') throw signInRequired("Sign in to see a group's impact.");
  const scope = await viewer.scope();
  if (scope.admin || scope.groupIds.has(groupId)) return;
  throw forbidden("A group's impact is shown to its leaders and governors, officers of its local authorities, and admins.");
}

async function requireAreaReader(viewer: Viewer, laCode: number): Promise<void> {
  if (viewer.kind === 'app') {
    if (viewer.hasScope(AppScope.READ_EVIDENCE)) return;
    throw forbidden('This API key lacks the read:evidence scope.');
  }
  if (viewer.kind !== 'person') throw signInRequired('Sign in to see an impact report.');
  const scope = await viewer.scope();
  if (scope.admin || scope.laCodes.includes(laCode)) return;
  throw forbidden(`The impact report of local authority ${laCode} is shown to its officers and to admins.`);
}

async function groupImpact(ctx: Context, groupId: number): Promise<GroupImpact> {
  const objectives: ObjectiveRow[] = await ctx.em.execute(
    `select id, group_id, metric, baseline, target, target_on::text as target_on, coalesce(criterion_set_on, current_date)::text as set_on
     from strategic_objective where group_id = ? and metric is not null order by id`,
    [groupId],
  );
  const today = new Date().toISOString().slice(0, 10);
  const result: ObjectiveImpact[] = [];
  for (const o of objectives) {
    if (!KNOWN_METRICS.has(o.metric!)) continue;
    const estimate = await estimateImpact(ctx.em, groupId, o.metric!);
    // One verdict for a criterion across the API: the impact report says what progress says.
    const progress =
      o.target != null && o.target_on != null
        ? await progressOf(ctx.em, { ...o, metric: o.metric!, target: o.target, target_on: o.target_on, set_on: o.set_on ?? today })
        : null;
    const criterionStatus = !progress
      ? CriterionStatus.NO_CRITERION
      : progress.status === ObjectiveProgressStatus.NO_DATA
        ? CriterionStatus.TOO_LITTLE_DATA
        : progress.status === ObjectiveProgressStatus.MET
          ? CriterionStatus.MET
          : o.target_on! < today
            ? CriterionStatus.NOT_MET
            : CriterionStatus.IN_PROGRESS;
    result.push({
      objectiveId: o.id,
      metric: o.metric as OutcomeMetric,
      memberSchoolCount: estimate.members.length,
      comparisonSchoolCount: estimate.comparisons.length,
      memberMeanChange: estimate.memberMeanChange,
      comparisonMeanChange: estimate.comparisonMeanChange,
      difference: estimate.difference,
      intervalLow: estimate.intervalLow,
      intervalHigh: estimate.intervalHigh,
      verdict: estimate.verdict as ImpactVerdict,
      summary: estimate.summary,
      memberChanges: estimate.members,
      criterionStatus,
      progress,
      latestMean: estimate.latestMean,
      latestYear: estimate.latestYear,
    });
  }
  return { groupId, objectives: result };
}

function criterionLoader(ctx: Context): DataLoader<number, SuccessCriterion | null> {
  return ctx.loaders.get(
    'SuccessCriterion.byObjective',
    () =>
      new DataLoader<number, SuccessCriterion | null>(async (ids) => {
        const rows: ObjectiveRow[] = await ctx.em.execute(
          `select id, metric, baseline, target, target_on::text as target_on, criterion_set_on::text as set_on from strategic_objective where id = any(?::int[])`,
          [`{${ids.join(',')}}`],
        );
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => {
          const row = byId.get(id);
          if (!row || row.target == null || row.target_on == null || !KNOWN_METRICS.has(row.metric ?? '')) return null;
          return { metric: row.metric as OutcomeMetric, baseline: row.baseline, target: row.target, targetOn: row.target_on, setOn: row.set_on ?? null };
        });
      }),
  );
}

@Resolver(() => StrategicObjective)
export class StrategicObjectiveCriterionResolver {
  @FieldResolver(() => SuccessCriterion, {
    nullable: true,
    description: 'The success criterion as data (metric, baseline, target, date), when set.',
  })
  successCriterion(@Root() objective: StrategicObjective, @Ctx() ctx: Context): Promise<SuccessCriterion | null> {
    return criterionLoader(ctx).load(objective.id);
  }

  @Authorized(Access.WRITE_GROUPS)
  @Mutation(() => SuccessCriterionSetPayload, {
    description: "Sets a strategic objective's success criterion as data (the group's leaders, governors and admins).",
  })
  successCriterionSet(@Arg('input', { description: 'The criterion.' }) input: SuccessCriterionSetInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      const objective = await loadByGlobalId(em, StrategicObjective, input.objectiveId, ['input', 'objectiveId']);
      const spec = METRICS[input.metric];
      for (const [field, value] of [
        ['baseline', input.baseline],
        ['target', input.target],
      ] as const) {
        if (value != null && !(Number.isFinite(value) && value >= spec.min && value <= spec.max))
          fail(['input', field], `must be within ${input.metric}'s range, ${spec.min} to ${spec.max}; got ${value}.`);
      }
      // The day it is set is where the trajectory from baseline to target starts (progress.ts).
      await em.execute(`update strategic_objective set metric = ?, baseline = ?, target = ?, target_on = ?, criterion_set_on = current_date where id = ?`, [
        input.metric,
        input.baseline ?? null,
        input.target,
        input.targetOn,
        objective.id,
      ]);
      await em.refresh(objective);
      return { strategicObjective: objective };
    });
  }
}

@Resolver(() => ObjectiveImpact)
export class ObjectiveImpactResolver {
  @FieldResolver(() => StrategicObjective, { description: 'The objective.' })
  async objective(@Root() impact: ObjectiveImpact, @Ctx() ctx: Context): Promise<StrategicObjective> {
    return (await byId(ctx, StrategicObjective).load(impact.objectiveId))!;
  }

  @FieldResolver(() => SuccessCriterion, { nullable: true, description: 'The success criterion, when set as data.' })
  criterion(@Root() impact: ObjectiveImpact, @Ctx() ctx: Context): Promise<SuccessCriterion | null> {
    return criterionLoader(ctx).load(impact.objectiveId);
  }
}

@Resolver(() => SchoolChange)
export class SchoolChangeResolver {
  @FieldResolver(() => School, { description: 'The school.' })
  async school(@Root() change: SchoolChange, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(change.schoolId))!;
  }
}

@Resolver(() => GroupImpact)
export class GroupImpactResolver {
  @FieldResolver(() => Group, { description: 'The group.' })
  async group(@Root() impact: GroupImpact, @Ctx() ctx: Context): Promise<Group> {
    return (await byId(ctx, Group).load(impact.groupId))!;
  }
}

@Resolver(() => Group)
export class GroupImpactFieldResolver {
  @FieldResolver(() => GroupImpact, {
    nullable: true,
    description:
      "Impact on each objective with a metric: members' change since joining against similar schools that did not join (difference in differences with a 95% bootstrap interval), and whether each criterion is met. The group's leaders and governors, its authorities' officers, admins.",
  })
  async impact(@Root() group: Group, @Ctx() ctx: Context): Promise<GroupImpact> {
    await requireGroupReader(ctx.viewer, group.id);
    return groupImpact(ctx, group.id);
  }
}

@Resolver()
export class ImpactReportQueries {
  @Query(() => GroupImpactConnection, {
    description:
      "Impact report of a local authority: every group with a current member school in it and an objective with a metric, by group name. The authority's officers and admins.",
  })
  async impactReport(
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('localAuthorityCode', () => Int, { description: 'Local authority code (e.g. 850).' }) localAuthorityCode: number,
  ) {
    const page = readPage('impactReport', pageArgs, (v): v is number => Number.isInteger(v));
    await requireAreaReader(ctx.viewer, localAuthorityCode);
    const groups: { id: number; position: number; total: number }[] = await ctx.em.execute(
      `with listed as (
         select g.id, row_number() over (order by g.name, g.id)::int as position
         from school_group g
         where exists (select 1 from strategic_objective o where o.group_id = g.id and o.metric is not null)
           and exists (select 1 from membership m join school s on s.id = m.school_id where m.group_id = g.id and s.la_code = ?
             and m.joined_on <= current_date and (m.left_on is null or m.left_on > current_date)))
       select id, position, (select count(*) from listed)::int as total from listed where position > ? order by position limit ?`,
      [localAuthorityCode, page.after ?? 0, page.size + 1],
    );
    const impacts: (GroupImpact & { position: number })[] = [];
    for (const g of groups.slice(0, page.size)) impacts.push({ ...(await groupImpact(ctx, g.id)), position: g.position });
    if (groups.length > page.size) impacts.push({ groupId: groups[page.size].id, objectives: [], position: groups[page.size].position });
    return connectionOf(
      impacts,
      page,
      (impact) => ({ node: impact, cursor: encodeCursor('impactReport', impact.position) }),
      () => groups[0]?.total ?? 0,
    );
  }
}

export const impactResolvers = [
  StrategicObjectiveCriterionResolver,
  ObjectiveImpactResolver,
  SchoolChangeResolver,
  GroupImpactResolver,
  GroupImpactFieldResolver,
  ImpactReportQueries,
] as const;
