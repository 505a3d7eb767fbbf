import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { Max, Min } from 'class-validator';
import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { PartnershipEventKind, recordPartnershipEvent } from '../alerts/partnership-event';
import { Access } from '../auth/auth-checker';
import { rowFilter } from '../auth/policy';
import { laCodesOf, mayChangeSeat, refuseUnless } from '../auth/reach-rules';
import { intArray } from '../auth/viewer';
import type { Context } from '../core/context';
import { currentMembership, sittingGovernor } from '../core/current';
import { byId } from '../core/loaders';
import { loadByGlobalId, mutate } from '../core/mutation';
import { badInput } from '../core/pagination';
import { mapRows } from '../core/rows';
import { check, fail, UserError, UserErrorCode } from '../core/user-errors';
import { Group } from '../groups/group.entity';
import { Person } from '../people/person.entity';
import { GoverningBody, Governorship } from './governance.entity';
import { NOT_SEATS } from './governance.enums';

/*
 * Governance health (issue 11 item 4): is a board full, stable and renewing itself? Per governing body,
 * and rolled up per group. Everything is computed in SQL for a whole batch of bodies at once, over the
 * same definition of a sitting governor as reach and the alert rules (core/current.ts), and shown only
 * for bodies the caller may read (the GoverningBody row rule); people's names follow the Person rule.
 *
 *  - seats filled: people sitting now in a seat, that is in any role but the governance professional
 *    (the clerk), a trust's members (who appoint the board but do not sit on it), the accounting
 *    officer and the chief financial officer (officers, not seats);
 *  - vacancies: set size minus seats filled (never below 0); unknown while the set size is unknown;
 *  - terms ending: sitting governors whose term ends in the next N days;
 *  - turnover over the last 12 months: (appointments + departures) / seats filled now, where an
 *    appointment is a seat whose term started in the window and a departure a seat that ended in it
 *    (stood down, or a term that ran out);
 *  - on several boards: sitting governors of the body who also sit, now, on other bodies.
 */

/** The day a seat ended: stood down, or the day after its term ran out. */
const LEFT_ON = `least(g.ended_on, g.term_ends_on + 1)`;

@ObjectType({ description: 'A governor of a body who also sits, now, on other governing bodies.' })
export class BoardOverlap {
  personId!: number;

  @Field(() => Int, { description: 'How many bodies they sit on now, this one included.' })
  bodyCount!: number;
}

@ObjectType({ description: "How healthy a governing body is: seats filled against its set size, terms ending, turnover, people on several boards." })
export class GovernanceHealth {
  bodyId!: number;

  @Field(() => Int, { nullable: true, description: 'Seats it has by its instrument of government or articles; null until set.' })
  setSize!: number | null;

  @Field(() => Int, { description: 'People sitting now in a seat (not the clerk, trust members or officers).' })
  seatsFilled!: number;

  @Field(() => Int, { nullable: true, description: 'Set size minus seats filled, never below 0; null while the set size is unknown.' })
  vacancies!: number | null;

  @Field(() => Int, { description: 'Sitting governors whose term ends within the days asked for.' })
  termsEndingCount!: number;

  termsEndingIds!: number[];

  @Field(() => Int, { description: 'Seats whose term started in the last 12 months.' })
  appointmentsLast12Months!: number;

  @Field(() => Int, { description: 'Seats that ended in the last 12 months (stood down, or the term ran out).' })
  departuresLast12Months!: number;

  @Field(() => Float, {
    nullable: true,
    description: '(appointments + departures in the last 12 months) / seats filled now, to 2 places; null with no one sitting.',
  })
  turnover!: number | null;

  @Field(() => [BoardOverlap], { description: 'Sitting governors who also sit on other bodies now, most bodies first.' })
  governorsOnSeveralBoards!: BoardOverlap[];
}

@ObjectType({ description: "Governance health of a group's bodies rolled up: its own (federation body, trust board, local committees) and its member schools' bodies, those you may read." })
export class GroupGovernanceHealth {
  @Field(() => Int, { description: 'Bodies counted (those you may read).' })
  bodyCount!: number;

  @Field(() => Int, { description: 'Bodies whose set size is unknown (their vacancies are not in `vacancies`).' })
  bodiesWithoutSetSize!: number;

  @Field(() => Int, { description: 'Sum of the known set sizes.' })
  setSize!: number;

  @Field(() => Int, { description: 'Seats filled, over all the bodies.' })
  seatsFilled!: number;

  @Field(() => Int, { description: 'Vacancies of the bodies whose set size is known.' })
  vacancies!: number;

  @Field(() => Int, { description: 'Terms ending within the days asked for.' })
  termsEndingCount!: number;

  @Field(() => Int, { description: 'Appointments in the last 12 months.' })
  appointmentsLast12Months!: number;

  @Field(() => Int, { description: 'Departures in the last 12 months.' })
  departuresLast12Months!: number;

  @Field(() => Float, { nullable: true, description: '(appointments + departures) / seats filled over all the bodies; null with no one sitting.' })
  turnover!: number | null;

  @Field(() => Int, { description: 'People who sit now on two or more of these bodies.' })
  peopleOnSeveralBoards!: number;

  bodies!: GovernanceHealth[];
}

/** Health of many bodies, in one statement. */
export async function healthOf(em: EntityManager, bodyIds: number[], withinDays: number): Promise<Map<number, GovernanceHealth>> {
  const rows: {
    id: number;
    set_size: number | null;
    filled: number;
    ending: number[] | null;
    appointed: number;
    departed: number;
    overlaps: { personId: number; bodyCount: number }[] | null;
  }[] = await em.execute(
    `with bodies as (select b.id, b.set_size from governing_body b where b.id = any(?::int[])),
       seats as (select g.* from governorship g join bodies b on b.id = g.governing_body_id where g.role not in ${NOT_SEATS}),
       sitting as (select g.* from seats g where ${sittingGovernor('g')}),
       elsewhere as (
         select s.governing_body_id, s.person_id, count(distinct o.governing_body_id)::int + 1 as body_count
         from sitting s join governorship o on o.person_id = s.person_id and o.governing_body_id <> s.governing_body_id
           and o.role not in ${NOT_SEATS} and ${sittingGovernor('o')}
         group by s.governing_body_id, s.person_id)
     select b.id, b.set_size,
       (select count(distinct s.person_id)::int from sitting s where s.governing_body_id = b.id) as filled,
       array(select s.id from sitting s where s.governing_body_id = b.id and s.term_ends_on is not null
         and s.term_ends_on <= current_date + ?::int order by s.term_ends_on, s.id) as ending,
       (select count(*)::int from seats g where g.governing_body_id = b.id
         and g.term_started_on > current_date - interval '12 months' and g.term_started_on <= current_date) as appointed,
       (select count(*)::int from seats g where g.governing_body_id = b.id
         and ${LEFT_ON} > current_date - interval '12 months' and ${LEFT_ON} <= current_date) as departed,
       (select jsonb_agg(jsonb_build_object('personId', e.person_id, 'bodyCount', e.body_count) order by e.body_count desc, e.person_id)
         from elsewhere e where e.governing_body_id = b.id) as overlaps
     from bodies b`,
    [intArray(bodyIds), withinDays],
  );
  const result = new Map<number, GovernanceHealth>();
  for (const row of rows) {
    const health = new GovernanceHealth();
    health.bodyId = row.id;
    health.setSize = row.set_size;
    health.seatsFilled = row.filled;
    health.vacancies = row.set_size == null ? null : Math.max(row.set_size - row.filled, 0);
    health.termsEndingIds = (row.ending ?? []).map(Number);
    health.termsEndingCount = health.termsEndingIds.length;
    health.appointmentsLast12Months = row.appointed;
    health.departuresLast12Months = row.departed;
    health.turnover = row.filled > 0 ? Math.round(((row.appointed + row.departed) / row.filled) * 100) / 100 : null;
    health.governorsOnSeveralBoards = (row.overlaps ?? []).map((o) => Object.assign(new BoardOverlap(), o));
    result.set(row.id, health);
  }
  return result;
}

function checkDays(withinDays: number): void {
  if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > 3660)
    throw badInput(`withinDays must be a whole number from 0 to 3660; got ${withinDays}.`, 'withinDays');
}

function healthLoader(ctx: Context, withinDays: number): DataLoader<number, GovernanceHealth | undefined> {
  return ctx.loaders.get(`GoverningBody.health:${withinDays}`, () => new DataLoader(async (ids) => {
    const found = await healthOf(ctx.em, [...ids], withinDays);
    return ids.map((id) => found.get(id));
  }));
}

@Resolver(() => GoverningBody)
@Authorized(Access.GOVERNANCE)
export class GoverningBodyHealthResolver {
  @FieldResolver(() => GovernanceHealth, { description: 'How healthy the body is: seats filled against its set size, terms ending, turnover, people on several boards.' })
  async health(
    @Root() body: GoverningBody,
    @Ctx() ctx: Context,
    @Arg('termsEndingWithinDays', () => Int, { defaultValue: 60, description: 'Count terms ending within this many days (0 to 3660).' }) withinDays: number,
  ): Promise<GovernanceHealth> {
    checkDays(withinDays);
    return (await healthLoader(ctx, withinDays).load(body.id))!;
  }
}

@Resolver(() => GovernanceHealth)
export class GovernanceHealthResolver {
  @FieldResolver(() => [Governorship], { description: 'The seats whose term ends within the days asked for, soonest first (those you may read).' })
  async termsEnding(@Root() health: GovernanceHealth, @Ctx() ctx: Context): Promise<Governorship[]> {
    const seats = await byId(ctx, Governorship).loadMany(health.termsEndingIds);
    return seats.filter((seat): seat is Governorship => seat instanceof Governorship);
  }
}

@Resolver(() => BoardOverlap)
export class BoardOverlapResolver {
  @FieldResolver(() => Person, { nullable: true, description: 'The person (null when outside what you may see).' })
  async person(@Root() overlap: BoardOverlap, @Ctx() ctx: Context): Promise<Person | null> {
    return (await byId(ctx, Person).load(overlap.personId)) ?? null;
  }
}

/** A group's bodies (those the caller may read) and how many people sit on two or more of them. */
interface GroupBodies {
  bodies: GoverningBody[];
  peopleOnSeveralBoards: number;
}

/**
 * Bodies of each group now: its own, and its current member schools' own bodies and local committees,
 * with the people sitting on several of them, for a whole batch of groups in two statements.
 */
async function groupBodies(ctx: Context, groupIds: number[]): Promise<Map<number, GroupBodies>> {
  const visible = await rowFilter(ctx.viewer, 'governing_body');
  const rows: Record<string, unknown>[] = await ctx.em.getConnection().execute(
    `select distinct on (x._parent, t.id) x._parent, t.* from (
       select b.group_id as _parent, b.id from governing_body b where b.group_id = any(?::int[])
       union select m.group_id, b.id from membership m join governing_body b on b.school_id = m.school_id
         where m.group_id = any(?::int[]) and ${currentMembership('m')}) x
     join governing_body t on t.id = x.id${visible ? ` where (${visible.sql})` : ''}
     order by x._parent, t.id`,
    [intArray(groupIds), intArray(groupIds), ...(visible?.params ?? [])],
  );
  // The SQL keeps to the bodies the caller may read (the GoverningBody row rule), so every row counts.
  const bodies = mapRows(ctx.em, GoverningBody, rows);
  const result = new Map<number, GroupBodies>();
  rows.forEach((row, i) => {
    const parent = Number(row._parent);
    const entry = result.get(parent) ?? { bodies: [], peopleOnSeveralBoards: 0 };
    entry.bodies.push(bodies[i]);
    result.set(parent, entry);
  });
  const pairs = [...result].flatMap(([groupId, entry]) => entry.bodies.map((body) => [groupId, body.id]));
  if (pairs.length) {
    const counts: { group_id: number; n: number }[] = await ctx.em.getConnection().execute(
      `select gb.group_id, count(*)::int as n from (
         select gb.group_id, g.person_id from unnest(?::int[], ?::int[]) gb(group_id, body_id)
         join governorship g on g.governing_body_id = gb.body_id and g.role not in ${NOT_SEATS} and ${sittingGovernor('g')}
         group by gb.group_id, g.person_id having count(distinct g.governing_body_id) > 1) gb
       group by gb.group_id`,
      [intArray(pairs.map((p) => p[0])), intArray(pairs.map((p) => p[1]))],
    );
    for (const count of counts) result.get(count.group_id)!.peopleOnSeveralBoards = count.n;
  }
  return result;
}

@Resolver(() => Group)
@Authorized(Access.GOVERNANCE)
export class GroupGovernanceHealthResolver {
  @FieldResolver(() => GroupGovernanceHealth, {
    description: "Governance health rolled up over the group's bodies and its member schools' bodies (those you may read).",
  })
  async governanceHealth(
    @Root() group: Group,
    @Ctx() ctx: Context,
    @Arg('termsEndingWithinDays', () => Int, { defaultValue: 60, description: 'Count terms ending within this many days (0 to 3660).' }) withinDays: number,
  ): Promise<GroupGovernanceHealth> {
    checkDays(withinDays);
    const { bodies, peopleOnSeveralBoards } = await ctx.loaders
      .get(
        `Group.governanceBodies`,
        () =>
          new DataLoader<number, GroupBodies>(async (ids) => {
            const found = await groupBodies(ctx, [...ids]);
            return ids.map((id) => found.get(id) ?? { bodies: [], peopleOnSeveralBoards: 0 });
          }),
      )
      .load(group.id);
    const loader = healthLoader(ctx, withinDays);
    const healths = (await loader.loadMany(bodies.map((b) => b.id))).filter((h): h is GovernanceHealth => h instanceof GovernanceHealth);
    const sum = (pick: (h: GovernanceHealth) => number) => healths.reduce((total, h) => total + pick(h), 0);
    const filled = sum((h) => h.seatsFilled);
    const moves = sum((h) => h.appointmentsLast12Months + h.departuresLast12Months);
    return Object.assign(new GroupGovernanceHealth(), {
      bodyCount: healths.length,
      bodiesWithoutSetSize: healths.filter((h) => h.setSize == null).length,
      setSize: sum((h) => h.setSize ?? 0),
      seatsFilled: filled,
      vacancies: sum((h) => h.vacancies ?? 0),
      termsEndingCount: sum((h) => h.termsEndingCount),
      appointmentsLast12Months: sum((h) => h.appointmentsLast12Months),
      departuresLast12Months: sum((h) => h.departuresLast12Months),
      turnover: filled > 0 ? Math.round((moves / filled) * 100) / 100 : null,
      peopleOnSeveralBoards,
      bodies: healths,
    });
  }
}

@Resolver(() => GroupGovernanceHealth)
export class GroupGovernanceHealthBodiesResolver {
  @FieldResolver(() => [GoverningBody], { description: 'The bodies counted, by id.' })
  async bodies(@Root() health: GroupGovernanceHealth, @Ctx() ctx: Context): Promise<GoverningBody[]> {
    const bodies = await byId(ctx, GoverningBody).loadMany(health.bodies.map((h) => h.bodyId));
    return bodies.filter((b): b is GoverningBody => b instanceof GoverningBody);
  }
}

@InputType({ description: "A governing body's set size: the seats its instrument of government (or a trust's articles) provides." })
export class GoverningBodySetSizeInput {
  @Field(() => ID, { description: 'The governing body.' })
  governingBodyId!: string;

  @Field(() => Int, { description: 'Seats, 1 to 40.' })
  @Min(1, { message: 'must be at least 1; got $value.' })
  @Max(40, { message: 'must be at most 40; got $value.' })
  setSize!: number;
}

@ObjectType({ description: "Result of setting a governing body's size." })
export class GoverningBodySetSizePayload {
  @Field(() => GoverningBody, { nullable: true, description: 'The body after the change; null when nothing was written.' })
  governingBody?: GoverningBody;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@Resolver()
export class GoverningBodySetSizeMutation {
  @Authorized(Access.WRITE_GOVERNANCE)
  @Mutation(() => GoverningBodySetSizePayload, {
    description:
      "Sets a governing body's size (seats), which its vacancies are counted against; by whoever appoints to it. Told to each school it governs and its sitting members.",
  })
  governingBodySetSize(@Arg('input', { description: 'The body and its size.' }) input: GoverningBodySetSizeInput, @Ctx() ctx: Context) {
    return mutate(ctx, async (em) => {
      await check(Object.assign(new GoverningBodySetSizeInput(), input));
      if (!Number.isInteger(input.setSize)) fail(['input', 'setSize'], `must be a whole number; got ${input.setSize}.`);
      const body = await loadByGlobalId(em, GoverningBody, input.governingBodyId, ['input', 'governingBodyId'], 'see');
      const facts = { id: body.id, kind: body.kind, schoolId: body.school?.id, groupId: body.group?.id, laCodes: await laCodesOf(em, body.school?.id, body.group?.id) };
      // The size goes with the power to appoint: whoever appoints its (non-LA) governors sets it.
      await refuseUnless(ctx.viewer, ['input', 'governingBodyId'], (scope) =>
        mayChangeSeat(scope, facts, { personId: 0, appointingBody: 'co_opted' }, 'appoint', ctx.viewer.personId),
      );
      const before = body.setSize ?? null;
      if (before === input.setSize) fail(['input', 'setSize'], `is already ${before}; nothing to change.`, UserErrorCode.CONFLICT);
      body.setSize = input.setSize;
      await em.flush();
      const [health] = [...(await healthOf(em, [body.id], 0)).values()];
      const schools: { school_id: number }[] = body.school
        ? [{ school_id: body.school.id }]
        : await em.execute(`select m.school_id from membership m where m.group_id = ? and ${currentMembership('m')} order by m.school_id`, [
            body.group!.id,
          ]);
      const members: { person_id: number }[] = await em.execute(
        `select distinct g.person_id from governorship g where g.governing_body_id = ? and ${sittingGovernor('g')}`,
        [body.id],
      );
      for (const { school_id } of schools)
        await recordPartnershipEvent(em, {
          kind: PartnershipEventKind.GOVERNING_BODY_SIZE_SET,
          schoolId: school_id,
          subjectId: body.nodeId,
          personIds: members.map((m) => m.person_id),
          summary: `${body.name} has ${input.setSize} seats${before != null && before !== input.setSize ? ` (was ${before})` : ''}: ${health.seatsFilled} filled, ${health.vacancies} vacant.`,
          actor: ctx.viewer.label,
        });
      return { governingBody: body };
    });
  }
}

export const governanceHealthResolvers = [
  GoverningBodyHealthResolver,
  GovernanceHealthResolver,
  BoardOverlapResolver,
  GroupGovernanceHealthResolver,
  GroupGovernanceHealthBodiesResolver,
  GoverningBodySetSizeMutation,
];
