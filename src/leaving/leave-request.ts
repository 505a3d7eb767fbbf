import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { IsOptional, Length, MaxLength } from 'class-validator';
import { Arg, Args, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, registerEnumType, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { PartnershipEventKind, recordPartnershipEvent } from '../alerts/partnership-event';
import { registerSweepStep } from '../alerts/sweep';
import { Access } from '../auth/auth-checker';
import { ACTOR_DESCRIPTION, actorFor } from '../auth/disclosure';
import { registerRowRule, rowFilter, visibleRows } from '../auth/policy';
import { mayDecideForBody, refuseUnless } from '../auth/reach-rules';
import { AppScope, intArray, type Viewer } from '../auth/viewer';
import type { Context } from '../core/context';
import { publish } from '../core/domain-events';
import { byId } from '../core/loaders';
import { loadByGlobalId, mutate } from '../core/mutation';
import { Node, toGlobalId } from '../core/node';
import { registerNodeTypes } from '../core/node.resolver';
import { connectionOf, ConnectionType, EdgeType, encodeCursor, isPosition, PageArgs, readPage } from '../core/pagination';
import { LED_GROUP_KINDS } from '../core/reach';
import { mapRows } from '../core/rows';
import { DateScalar } from '../core/scalars';
import { check, fail, UserError, UserErrorCode } from '../core/user-errors';
import { GoverningBody } from '../governance/governance.entity';
import { School } from '../schools/school.entity';
import { Group, Membership } from '../groups/group.entity';

/*
 * Leaving a federation or trust by mutual consent (DESIGN.md, Membership): the school's governing body
 * asks, naming a date; each party's body, the school's own and the group's (federation governing body
 * or trust board), consents or refuses with its reasons; once both consent the membership ends on the
 * agreed date: at once if that date has come, otherwise by the periodic sweep on the day. Nothing is
 * overwritten: the request, each decision, a refusal or a withdrawal stay readable by those who reach
 * the school or the group, and the membership keeps its dates.
 *
 *   pending --(both consent)--> agreed --(effective date reached)--> effective
 *   pending --(either refuses)--> refused
 *   pending | agreed --(the school's body withdraws)--> withdrawn
 */

export enum LeaveRequestStatus {
  PENDING = 'pending',
  AGREED = 'agreed',
  REFUSED = 'refused',
  WITHDRAWN = 'withdrawn',
  EFFECTIVE = 'effective',
}
registerEnumType(LeaveRequestStatus, {
  name: 'LeaveRequestStatus',
  description: 'Where a request to leave a federation or trust stands.',
  valuesConfig: {
    PENDING: { description: 'Waiting for one or both parties to decide.' },
    AGREED: { description: 'Both parties consented; the membership ends on the effective date.' },
    REFUSED: { description: 'A party refused, with its reasons. The school stays.' },
    WITHDRAWN: { description: "The school's governing body withdrew the request before it took effect." },
    EFFECTIVE: { description: 'The membership ended on the effective date.' },
  },
});

export enum LeaveDecisionKind {
  CONSENT = 'consent',
  REFUSE = 'refuse',
}
registerEnumType(LeaveDecisionKind, {
  name: 'LeaveDecisionKind',
  description: "A party's answer to a request to leave.",
  valuesConfig: { CONSENT: { description: 'The body consents.' }, REFUSE: { description: 'The body refuses (a reason is required).' } },
});

export enum LeaveParty {
  SCHOOL = 'school',
  GROUP = 'group',
}
registerEnumType(LeaveParty, {
  name: 'LeaveParty',
  description: 'Which side of the membership a body decides for.',
  valuesConfig: {
    SCHOOL: { description: "The school's own governing body or local committee." },
    GROUP: { description: "The federation's governing body or the trust board." },
  },
});

@ObjectType({ implements: Node, description: 'A request by a school’s governing body to leave its federation or trust, with each party’s decision.' })
@Entity({ tableName: 'membership_leave_request' })
export class MembershipLeaveRequest implements Node {
  [OptionalProps]?: 'nodeId' | 'status' | 'requestedOn' | 'requestedAt';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('MembershipLeaveRequest', this.id);
  }

  @Property()
  membershipId!: number;

  @Property()
  schoolId!: number;

  @Property()
  groupId!: number;

  @Property()
  schoolBodyId!: number;

  @Property()
  groupBodyId!: number;

  @Field({ description: 'Why the school asks to leave.' })
  @Property({ type: 'text' })
  reason!: string;

  @Field(() => DateScalar, { description: 'The date the school would leave.' })
  @Property({ type: 'date' })
  effectiveOn!: string;

  @Field(() => DateScalar, { description: 'The day it was asked.' })
  @Property({ type: 'date' })
  requestedOn: string = new Date().toISOString().slice(0, 10);

  @Property()
  requestedAt: Date = new Date();

  @Property()
  requestedBy!: string;

  @Field(() => LeaveRequestStatus, { description: 'Where it stands.' })
  @Enum({ items: () => LeaveRequestStatus })
  status: LeaveRequestStatus = LeaveRequestStatus.PENDING;

  @Field(() => Date, { nullable: true, description: 'When it was refused, withdrawn or took effect.' })
  @Property({ type: 'datetime', nullable: true })
  closedAt?: Date | null;

  @Property({ nullable: true })
  closedBy?: string | null;

  @Field(() => String, { nullable: true, description: 'Why it was withdrawn.' })
  @Property({ type: 'text', nullable: true })
  withdrawalReason?: string | null;
}

@ObjectType({ description: "One party's consent or refusal, with its reasons." })
@Entity({ tableName: 'membership_leave_decision' })
export class MembershipLeaveDecision {
  [OptionalProps]?: 'decidedAt';

  @PrimaryKey()
  id!: number;

  @Property()
  requestId!: number;

  @Property()
  governingBodyId!: number;

  @Field(() => LeaveDecisionKind, { description: 'Consent or refusal.' })
  @Enum({ items: () => LeaveDecisionKind })
  decision!: LeaveDecisionKind;

  @Field(() => String, { nullable: true, description: 'The reasons given (required for a refusal).' })
  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Field({ description: 'When it was recorded.' })
  @Property()
  decidedAt: Date = new Date();

  @Property()
  decidedBy!: string;
}

registerNodeTypes(MembershipLeaveRequest);

// Visible to those who reach the school or the group: its governors, leaders, officers (refusals included).
registerRowRule('MembershipLeaveRequest', 'membership_leave_request', {
  readScope: AppScope.READ_GOVERNANCE,
  writeScope: AppScope.WRITE_GROUPS,
  sees: (scope, row) => scope.schoolIds.has(row.schoolId) || scope.groupIds.has(row.groupId),
  sql: (scope) => ({ sql: `(t.school_id = any(?::int[]) or t.group_id = any(?::int[]))`, params: [intArray(scope.schoolIds), intArray(scope.groupIds)] }),
});

@InputType({ description: "A school's governing body asks to leave its federation or trust." })
export class MembershipLeaveRequestInput {
  @Field(() => ID, { description: 'The membership to end.' })
  membershipId!: string;

  @Field(() => ID, { description: "The body asking: the school's own governing body or local committee." })
  requestingBodyId!: string;

  @Field(() => DateScalar, { description: 'The date the school would leave: today or later.' })
  effectiveOn!: string;

  @Field({ description: 'Why (1 to 2000 characters).' })
  @Length(1, 2000, { message: 'must be 1 to 2000 characters long.' })
  reason!: string;
}

@InputType({ description: "A party's body consents to or refuses a request to leave." })
export class MembershipLeaveDecideInput {
  @Field(() => ID, { description: 'The request.' })
  requestId!: string;

  @Field(() => ID, { description: "The body deciding: the school's body or the group's." })
  governingBodyId!: string;

  @Field(() => LeaveDecisionKind, { description: 'Consent or refusal.' })
  decision!: LeaveDecisionKind;

  @Field(() => String, { nullable: true, description: 'The reasons (required to refuse; at most 2000 characters).' })
  @IsOptional()
  @MaxLength(2000, { message: 'must be at most 2000 characters long.' })
  reason?: string;
}

@InputType({ description: "The school's governing body withdraws its request before it takes effect." })
export class MembershipLeaveWithdrawInput {
  @Field(() => ID, { description: 'The request.' })
  requestId!: string;

  @Field({ description: 'Why (1 to 2000 characters).' })
  @Length(1, 2000, { message: 'must be 1 to 2000 characters long.' })
  reason!: string;
}

@ObjectType({ description: 'Result of a change to a request to leave.' })
export class MembershipLeaveRequestPayload {
  @Field(() => MembershipLeaveRequest, { nullable: true, description: 'The request after the change; null when nothing was written.' })
  leaveRequest?: MembershipLeaveRequest;

  @Field(() => Membership, { nullable: true, description: 'The membership (ended when the request took effect).' })
  membership?: Membership;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'An edge in a list of requests to leave.' })
export class MembershipLeaveRequestEdge extends EdgeType(MembershipLeaveRequest, 'The request.') {}

@ObjectType({ description: 'A page of requests to leave, newest first.' })
export class MembershipLeaveRequestConnection extends ConnectionType(MembershipLeaveRequestEdge) {}

const today = (): string => new Date().toISOString().slice(0, 10);

/** Everyone sitting today on the group's body: they hear that the school left even once they no longer reach it. */
async function groupBodyMembers(em: EntityManager, bodyId: number): Promise<number[]> {
  const rows: { person_id: number }[] = await em.execute(
    `select distinct g.person_id from governorship g where g.governing_body_id = ?
       and g.term_started_on <= current_date and (g.ended_on is null or g.ended_on > current_date)
       and (g.term_ends_on is null or g.term_ends_on >= current_date)`,
    [bodyId],
  );
  return rows.map((r) => r.person_id);
}

async function announce(em: EntityManager, request: MembershipLeaveRequest, kind: PartnershipEventKind, summary: string, actor: string) {
  await recordPartnershipEvent(em, {
    kind,
    schoolId: request.schoolId,
    subjectId: request.nodeId,
    personIds: await groupBodyMembers(em, request.groupBodyId),
    summary,
    actor,
  });
}

/** Ends the membership on the agreed date and marks the request effective, in the caller's transaction. */
async function takeEffect(em: EntityManager, request: MembershipLeaveRequest, actor: string): Promise<Membership> {
  const membership = await em.findOneOrFail(Membership, { id: request.membershipId });
  // History is never rewritten: a membership that already ended (the group closed, or its board ended it) keeps its date.
  if (!membership.leftOn || membership.leftOn > request.effectiveOn) membership.leftOn = request.effectiveOn;
  request.status = LeaveRequestStatus.EFFECTIVE;
  request.closedAt = new Date();
  request.closedBy = actor;
  await em.flush();
  await publish(em, { type: 'membership.ended', schoolId: request.schoolId, groupId: request.groupId });
  const [names] = await em.execute<{ school: string; grp: string }[]>(
    `select s.name as school, g.name as grp from school s, school_group g where s.id = ? and g.id = ?`,
    [request.schoolId, request.groupId],
  );
  await announce(em, request, PartnershipEventKind.MEMBERSHIP_ENDED_BY_CONSENT, `${names.school} left ${names.grp} on ${request.effectiveOn}, by consent of both`, actor);
  return membership;
}

function requireOpen(request: MembershipLeaveRequest, field: string[], also: LeaveRequestStatus[] = []): void {
  if (request.status === LeaveRequestStatus.PENDING || also.includes(request.status)) return;
  const when = request.closedAt ? ` on ${request.closedAt.toISOString().slice(0, 10)}` : '';
  const words: Record<LeaveRequestStatus, string> = {
    pending: 'is pending',
    agreed: `was agreed by both parties (effective ${request.effectiveOn})`,
    refused: `was refused${when}`,
    withdrawn: `was withdrawn${when}`,
    effective: `took effect on ${request.effectiveOn}`,
  };
  fail(field, `the request ${words[request.status]}; it can no longer be decided or withdrawn.`, UserErrorCode.CONFLICT);
}

/** A request whose membership ended some other way (the group closed, its board ended it) is not decided any more. */
async function requireLiveMembership(em: EntityManager, request: MembershipLeaveRequest): Promise<void> {
  const membership = await em.findOneOrFail(Membership, { id: request.membershipId });
  if (membership.leftOn && membership.leftOn <= today())
    fail(
      ['input', 'requestId'],
      `the membership it would end already ended on ${membership.leftOn}; the request no longer applies.`,
      UserErrorCode.CONFLICT,
    );
}

/**
 * Loads a request the caller may see, then locks its row and reads it again: the two parties deciding at
 * once (or a decision racing a withdrawal or the sweep) take turns, so the second sees the first's
 * decision and the request becomes AGREED exactly once.
 */
async function lockedRequest(em: EntityManager, requestId: string): Promise<MembershipLeaveRequest> {
  const request = await loadByGlobalId(em, MembershipLeaveRequest, requestId, ['input', 'requestId'], 'see');
  await em.execute(`select 1 from membership_leave_request where id = ? for update`, [request.id]);
  await em.refresh(request);
  return request;
}

export async function requestLeave(em: EntityManager, input: MembershipLeaveRequestInput, viewer: Viewer) {
  await check(Object.assign(new MembershipLeaveRequestInput(), input));
  const membership = await loadByGlobalId(em, Membership, input.membershipId, ['input', 'membershipId'], 'see');
  const body = await loadByGlobalId(em, GoverningBody, input.requestingBodyId, ['input', 'requestingBodyId'], 'see');
  await refuseUnless(viewer, ['input', 'requestingBodyId'], (scope) => mayDecideForBody(scope, body));
  const school = await em.findOneOrFail(School, { id: membership.school.id });
  const group = await em.findOneOrFail(Group, { id: membership.group.id });
  const bodySchool = body.school?.id;
  if (!['school', 'local_committee'].includes(body.kind) || bodySchool !== school.id) {
    const own = await em.count(GoverningBody, { school: school.id, kind: { $in: ['school', 'local_committee'] } } as never);
    fail(
      ['input', 'requestingBodyId'],
      `${body.name} is not the governing body of ${school.name}: a school asks to leave through its own governing body or local committee` +
        (own ? '.' : `, and ${school.name} has none recorded (a federated school is governed by the federation's body alone: its board ends the membership with membershipEnd).`),
      UserErrorCode.NOT_ALLOWED,
    );
  }
  if (membership.leftOn)
    fail(['input', 'membershipId'], `the membership of ${school.name} in ${group.name} has ended (left on ${membership.leftOn}).`, UserErrorCode.CONFLICT);
  if (!LED_GROUP_KINDS.includes(group.kind))
    fail(
      ['input', 'membershipId'],
      `${group.name} is a ${group.kind.replace(/_/g, ' ')}: leaving by consent is for federations and trusts; a school leaves other groups with membershipEnd.`,
    );
  const now = today();
  if (input.effectiveOn < now) fail(['input', 'effectiveOn'], `must not be before the request (${now}); got ${input.effectiveOn}.`);
  if (input.effectiveOn <= membership.joinedOn)
    fail(['input', 'effectiveOn'], `must be after the school joined (${membership.joinedOn}); got ${input.effectiveOn}.`);
  const [groupBody] = await em.execute<{ id: number }[]>(
    `select id from governing_body where group_id = ? and kind in ('federation', 'trust_board') order by id limit 1`,
    [group.id],
  );
  if (!groupBody)
    fail(['input', 'membershipId'], `${group.name} has no governing body or trust board recorded to consent; record it first.`, UserErrorCode.CONFLICT);
  const live = await em.findOne(MembershipLeaveRequest, { membershipId: membership.id, status: { $in: [LeaveRequestStatus.PENDING, LeaveRequestStatus.AGREED] } });
  if (live)
    fail(['input', 'membershipId'], `a request to leave is already ${live.status} (asked on ${live.requestedOn}); withdraw it first.`, UserErrorCode.CONFLICT);
  const leaveRequest = em.create(MembershipLeaveRequest, {
    membershipId: membership.id,
    schoolId: school.id,
    groupId: group.id,
    schoolBodyId: body.id,
    groupBodyId: groupBody.id,
    reason: input.reason,
    effectiveOn: input.effectiveOn,
    requestedOn: now,
    requestedBy: viewer.label,
  });
  await em.flush();
  await announce(em, leaveRequest, PartnershipEventKind.MEMBERSHIP_LEAVE_REQUESTED, `${body.name} asked for ${school.name} to leave ${group.name} on ${input.effectiveOn}`, viewer.label);
  return { leaveRequest, membership };
}

export async function decideLeave(em: EntityManager, input: MembershipLeaveDecideInput, viewer: Viewer) {
  await check(Object.assign(new MembershipLeaveDecideInput(), input));
  const request = await lockedRequest(em, input.requestId);
  const body = await loadByGlobalId(em, GoverningBody, input.governingBodyId, ['input', 'governingBodyId'], 'see');
  await refuseUnless(viewer, ['input', 'governingBodyId'], (scope) => mayDecideForBody(scope, body));
  if (body.id !== request.schoolBodyId && body.id !== request.groupBodyId)
    fail(
      ['input', 'governingBodyId'],
      `${body.name} is not a party to this request: only the school's body and the group's body decide.`,
      UserErrorCode.NOT_ALLOWED,
    );
  requireOpen(request, ['input', 'requestId']);
  await requireLiveMembership(em, request);
  const earlier = await em.findOne(MembershipLeaveDecision, { requestId: request.id, governingBodyId: body.id });
  if (earlier)
    fail(
      ['input', 'governingBodyId'],
      `${body.name} already decided (${earlier.decision === LeaveDecisionKind.CONSENT ? 'consented' : 'refused'} on ${earlier.decidedAt.toISOString().slice(0, 10)}); a body decides once.`,
      UserErrorCode.CONFLICT,
    );
  const reason = input.reason?.trim() || null;
  if (input.decision === LeaveDecisionKind.REFUSE && !reason) fail(['input', 'reason'], 'must be given to refuse: the school and the group read why.');
  em.create(MembershipLeaveDecision, { requestId: request.id, governingBodyId: body.id, decision: input.decision, reason, decidedBy: viewer.label });
  await em.flush();
  const consents = await em.count(MembershipLeaveDecision, { requestId: request.id, decision: LeaveDecisionKind.CONSENT });
  let membership: Membership | undefined;
  if (input.decision === LeaveDecisionKind.REFUSE) {
    request.status = LeaveRequestStatus.REFUSED;
    request.closedAt = new Date();
    request.closedBy = viewer.label;
  } else if (consents === 2) request.status = LeaveRequestStatus.AGREED;
  await em.flush();
  await announce(
    em,
    request,
    PartnershipEventKind.MEMBERSHIP_LEAVE_DECIDED,
    `${body.name} ${input.decision === LeaveDecisionKind.CONSENT ? 'consented to' : 'refused'} the request to leave${reason ? `: ${reason}` : ''}`,
    viewer.label,
  );
  // Both consented and the date has come (or passed while they decided): the membership ends now, as of that date.
  if (request.status === LeaveRequestStatus.AGREED && request.effectiveOn <= today()) membership = await takeEffect(em, request, viewer.label);
  return { leaveRequest: request, membership: membership ?? (await em.findOneOrFail(Membership, { id: request.membershipId })) };
}

export async function withdrawLeave(em: EntityManager, input: MembershipLeaveWithdrawInput, viewer: Viewer) {
  await check(Object.assign(new MembershipLeaveWithdrawInput(), input));
  const request = await lockedRequest(em, input.requestId);
  const body = await em.findOneOrFail(GoverningBody, { id: request.schoolBodyId });
  await refuseUnless(viewer, ['input', 'requestId'], (scope) => mayDecideForBody(scope, body));
  requireOpen(request, ['input', 'requestId'], [LeaveRequestStatus.AGREED]);
  request.status = LeaveRequestStatus.WITHDRAWN;
  request.withdrawalReason = input.reason;
  request.closedAt = new Date();
  request.closedBy = viewer.label;
  await em.flush();
  await announce(em, request, PartnershipEventKind.MEMBERSHIP_LEAVE_WITHDRAWN, `${body.name} withdrew the request to leave: ${input.reason}`, viewer.label);
  return { leaveRequest: request, membership: await em.findOneOrFail(Membership, { id: request.membershipId }) };
}

/**
 * The sweep's part: agreed requests whose date has come end their memberships, each in the sweep's
 * transaction (one at a time across instances: the sweep holds its advisory lock). Returns how many.
 */
export async function completeDueLeaves(em: EntityManager): Promise<number> {
  // Locked first (a withdrawal committed meanwhile is seen, and skipped), then read as they now are.
  const ids: { id: number }[] = await em.execute(
    `select id from membership_leave_request where status = 'agreed' and effective_on <= ? order by id for update`,
    [today()],
  );
  if (!ids.length) return 0;
  const due = await em.find(
    MembershipLeaveRequest,
    { id: { $in: ids.map((row) => row.id) }, status: LeaveRequestStatus.AGREED },
    { orderBy: { id: 'asc' }, refresh: true },
  );
  for (const request of due) await takeEffect(em, request, 'system:sweep');
  return due.length;
}

registerSweepStep(completeDueLeaves);

async function requestsWhere(ctx: Context, column: 'membership_id' | 'group_id' | 'school_id', id: number, pageArgs: PageArgs, list: string) {
  const page = readPage(list, pageArgs, isPosition);
  const filter = await rowFilter(ctx.viewer, 'membership_leave_request');
  const where = `t.${column} = ?${filter ? ` and (${filter.sql})` : ''}`;
  const params = [id, ...(filter?.params ?? [])];
  const selected: Record<string, unknown>[] = await ctx.em
    .getConnection()
    .execute(`select t.* from membership_leave_request t where ${where} and t.id < ? order by t.id desc limit ?`, [
      ...params,
      page.after ?? 2 ** 31 - 1,
      page.size + 1,
    ]);
  const rows = await visibleRows(ctx.viewer, mapRows(ctx.em, MembershipLeaveRequest, selected));
  return connectionOf(
    rows,
    page,
    (row) => ({ node: row, cursor: encodeCursor(list, row.id) }),
    async () => {
      const [counted] = await ctx.em.getConnection().execute(`select count(*)::int as n from membership_leave_request t where ${where}`, params);
      return counted.n;
    },
  );
}

@Resolver(() => MembershipLeaveRequest)
export class MembershipLeaveRequestResolver {
  @FieldResolver(() => Membership, { description: 'The membership it would end.' })
  async membership(@Root() request: MembershipLeaveRequest, @Ctx() ctx: Context): Promise<Membership> {
    return (await byId(ctx, Membership).load(request.membershipId))!;
  }

  @FieldResolver(() => School, { description: 'The school asking to leave.' })
  async school(@Root() request: MembershipLeaveRequest, @Ctx() ctx: Context): Promise<School> {
    return (await byId(ctx, School).load(request.schoolId))!;
  }

  @FieldResolver(() => Group, { description: 'The federation or trust.' })
  async group(@Root() request: MembershipLeaveRequest, @Ctx() ctx: Context): Promise<Group> {
    return (await byId(ctx, Group).load(request.groupId))!;
  }

  @FieldResolver(() => GoverningBody, { nullable: true, description: "The school's body, which asked (null when outside what you may see)." })
  async schoolBody(@Root() request: MembershipLeaveRequest, @Ctx() ctx: Context): Promise<GoverningBody | null> {
    return (await byId(ctx, GoverningBody).load(request.schoolBodyId)) ?? null;
  }

  @FieldResolver(() => GoverningBody, { nullable: true, description: "The group's body (null when outside what you may see)." })
  async groupBody(@Root() request: MembershipLeaveRequest, @Ctx() ctx: Context): Promise<GoverningBody | null> {
    return (await byId(ctx, GoverningBody).load(request.groupBodyId)) ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: `Who recorded the request: ${ACTOR_DESCRIPTION}` })
  requestedBy(@Root() request: MembershipLeaveRequest, @Ctx() ctx: Context): Promise<string | null> {
    return actorFor(ctx.viewer, request.requestedBy);
  }

  @FieldResolver(() => [MembershipLeaveDecision], { description: 'Each party’s decision so far (at most two), in the order made.' })
  async decisions(@Root() request: MembershipLeaveRequest, @Ctx() ctx: Context): Promise<MembershipLeaveDecision[]> {
    const selected: Record<string, unknown>[] = await ctx.em
      .getConnection()
      .execute(`select * from membership_leave_decision where request_id = ? order by id`, [request.id]);
    return mapRows(ctx.em, MembershipLeaveDecision, selected);
  }
}

@Resolver(() => MembershipLeaveDecision)
export class MembershipLeaveDecisionResolver {
  @FieldResolver(() => GoverningBody, { nullable: true, description: 'The body that decided (null when outside what you may see).' })
  async governingBody(@Root() decision: MembershipLeaveDecision, @Ctx() ctx: Context): Promise<GoverningBody | null> {
    return (await byId(ctx, GoverningBody).load(decision.governingBodyId)) ?? null;
  }

  @FieldResolver(() => LeaveParty, { description: 'Which side it decided for.' })
  async party(@Root() decision: MembershipLeaveDecision, @Ctx() ctx: Context): Promise<LeaveParty> {
    const [row] = await ctx.em
      .getConnection()
      .execute(`select school_body_id from membership_leave_request where id = ?`, [decision.requestId]);
    return row?.school_body_id === decision.governingBodyId ? LeaveParty.SCHOOL : LeaveParty.GROUP;
  }

  @FieldResolver(() => String, { nullable: true, description: `Who recorded it: ${ACTOR_DESCRIPTION}` })
  decidedBy(@Root() decision: MembershipLeaveDecision, @Ctx() ctx: Context): Promise<string | null> {
    return actorFor(ctx.viewer, decision.decidedBy);
  }
}

@Resolver(() => Membership)
export class MembershipLeaveRequestsResolver {
  @FieldResolver(() => MembershipLeaveRequestConnection, {
    description: 'Requests to leave by consent, newest first, refused and withdrawn ones included (those you may see).',
  })
  leaveRequests(@Root() membership: Membership, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    return requestsWhere(ctx, 'membership_id', membership.id, pageArgs, 'membership.leaveRequests');
  }
}

@Resolver(() => Group)
export class GroupLeaveRequestsResolver {
  @FieldResolver(() => MembershipLeaveRequestConnection, {
    description: "Member schools' requests to leave by consent, newest first, refused and withdrawn ones included (those you may see).",
  })
  leaveRequests(@Root() group: Group, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    return requestsWhere(ctx, 'group_id', group.id, pageArgs, 'group.leaveRequests');
  }
}

@Resolver()
@Authorized(Access.WRITE_GROUPS)
export class MembershipLeaveMutations {
  @Mutation(() => MembershipLeaveRequestPayload, {
    description:
      "A school's governing body asks to leave its federation or trust on a date. Both parties' bodies then decide with membershipLeaveDecide.",
  })
  membershipLeaveRequest(@Arg('input', { description: 'The membership, the body asking, the date and why.' }) input: MembershipLeaveRequestInput, @Ctx() ctx: Context) {
    return mutate(ctx, (em) => requestLeave(em, input, ctx.viewer));
  }

  @Mutation(() => MembershipLeaveRequestPayload, {
    description:
      'A party (the school’s body or the group’s) consents to or refuses a request to leave. A refusal closes it; the second consent agrees it, and the membership ends on the effective date (at once if the date has come).',
  })
  membershipLeaveDecide(@Arg('input', { description: 'The request, the body and its decision.' }) input: MembershipLeaveDecideInput, @Ctx() ctx: Context) {
    return mutate(ctx, (em) => decideLeave(em, input, ctx.viewer));
  }

  @Mutation(() => MembershipLeaveRequestPayload, { description: "The school's governing body withdraws its request before it takes effect." })
  membershipLeaveWithdraw(@Arg('input', { description: 'The request and why.' }) input: MembershipLeaveWithdrawInput, @Ctx() ctx: Context) {
    return mutate(ctx, (em) => withdrawLeave(em, input, ctx.viewer));
  }
}

export const leaveRequestResolvers = [
  MembershipLeaveRequestResolver,
  MembershipLeaveDecisionResolver,
  MembershipLeaveRequestsResolver,
  GroupLeaveRequestsResolver,
  MembershipLeaveMutations,
] as const;
