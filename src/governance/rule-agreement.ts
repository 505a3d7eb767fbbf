import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Arg, Args, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { Access } from '../auth/auth-checker';
import { ACTOR_DESCRIPTION, actorFor } from '../auth/disclosure';
import { mayDecideForBody, refuseUnless } from '../auth/reach-rules';
import type { Viewer } from '../auth/viewer';
import type { Context } from '../core/context';
import { currentMembership } from '../core/current';
import { byId } from '../core/loaders';
import { loadByGlobalId, mutate } from '../core/mutation';
import { fromGlobalId } from '../core/node';
import { badInput, connectionOf, ConnectionType, EdgeType, encodeCursor, isPosition, PageArgs, readPage } from '../core/pagination';
import { fail, UserError, UserErrorCode } from '../core/user-errors';
import { GoverningBody } from './governance.entity';
import { Group } from '../groups/group.entity';
import { School } from '../schools/school.entity';
import { AlertSeverity } from '../alerts/alert.enums';
import { evaluate } from '../alerts/evaluation';
import { PartnershipEventKind, recordPartnershipEvent } from '../alerts/partnership-event';
import { AGREED_SEVERITIES, versionInEffect } from '../alerts/rule-agreement.sql';
import { TriggerRule } from '../alerts/trigger-rule.entity';
import { TriggerRuleParameters } from '../alerts/trigger-rule.inputs';

/**
 * Agreed triggers: a group's rule of severity PEER_REVIEW or INTERVENTION takes effect for a member
 * school once that school's governing body has agreed it, because intervention between partners works
 * only when they agreed in advance what triggers it. Each agreement names the version agreed and keeps
 * its severity and values, so when the group changes the rule the last agreed version goes on applying
 * until the school agrees the new one (rule-agreement.sql.ts has the SQL evaluation uses).
 *
 * Who agrees for a school: a member sitting on a body that governs it as a school, its own governing
 * body or local committee, or its federation's governing body. A trust board is the side that set the
 * rule, so it does not agree for its academies. Administrators may record an agreement for the body.
 */
@ObjectType({ description: "A school's governing body agreeing one version of a group's trigger rule." })
@Entity({ tableName: 'trigger_rule_agreement' })
export class TriggerRuleAgreement {
  [OptionalProps]?: 'agreedAt';

  @PrimaryKey()
  id!: number;

  @Property()
  ruleId!: number;

  @Property()
  schoolId!: number;

  @Property()
  governingBodyId!: number;

  @Field(() => Int, { description: 'The version of the rule agreed.' })
  @Property()
  version!: number;

  @Field(() => AlertSeverity, { description: 'The severity agreed (that version’s).' })
  @Property({ type: 'text' })
  severity!: AlertSeverity;

  @Property({ type: 'json' })
  parameters!: object;

  @Field({ description: 'When it was agreed.' })
  @Property()
  agreedAt: Date = new Date();

  /** Audit label of who recorded it; shown through actorFor. */
  @Property()
  agreedBy!: string;
}

@InputType({ description: "A school's governing body agrees the current version of a group's trigger rule." })
export class TriggerRuleAgreeInput {
  @Field(() => ID, { description: "The group's rule." })
  ruleId!: string;

  @Field(() => ID, { description: 'The member school the agreement is for.' })
  schoolId!: string;

  @Field(() => ID, { description: "The body agreeing: the school's governing body, its local committee or its federation's governing body." })
  governingBodyId!: string;
}

@ObjectType({ description: 'Result of agreeing a trigger rule.' })
export class TriggerRuleAgreementPayload {
  @Field(() => TriggerRuleAgreement, { nullable: true, description: 'The agreement; null when nothing was written.' })
  agreement?: TriggerRuleAgreement;

  @Field(() => TriggerRule, { nullable: true, description: 'The rule agreed.' })
  triggerRule?: TriggerRule;

  @Field(() => [UserError], { description: 'Why the change was refused; empty on success.' })
  userErrors!: UserError[];
}

@ObjectType({ description: 'The version of a rule that applies to one school, and why.' })
export class TriggerRuleInEffect {
  @Field(() => Int, { description: 'The version applied.' })
  version!: number;

  @Field(() => AlertSeverity, { description: 'Its severity.' })
  severity!: AlertSeverity;

  @Field(() => TriggerRuleParameters, { description: 'Its values.' })
  parameters!: TriggerRuleParameters;

  @Field({ description: "Whether it is the rule's current version (false: a changed rule waits to be agreed, the last agreed version applies)." })
  current!: boolean;
}

@ObjectType({ description: 'An edge in a list of agreements.' })
export class TriggerRuleAgreementEdge extends EdgeType(TriggerRuleAgreement, 'The agreement.') {}

@ObjectType({ description: "A page of a rule's agreements, oldest first." })
export class TriggerRuleAgreementConnection extends ConnectionType(TriggerRuleAgreementEdge) {}

/** Bodies that govern a school as a school: its own, its local committee, its current federation's. */
async function governsAsSchool(em: EntityManager, body: GoverningBody, schoolId: number): Promise<boolean> {
  const rows: unknown[] = await em.execute(
    `select 1 from governing_body b where b.id = ? and (
       (b.kind in ('school', 'local_committee') and b.school_id = ?)
       or (b.kind = 'federation' and exists (select 1 from membership m where m.group_id = b.group_id and m.school_id = ? and ${currentMembership('m')})))`,
    [body.id, schoolId, schoolId],
  );
  return rows.length > 0;
}

export async function agreeRule(em: EntityManager, input: TriggerRuleAgreeInput, viewer: Viewer): Promise<{ agreement: TriggerRuleAgreement; triggerRule: TriggerRule }> {
  const rule = await loadByGlobalId(em, TriggerRule, input.ruleId, ['input', 'ruleId'], 'see');
  const school = await loadByGlobalId(em, School, input.schoolId, ['input', 'schoolId'], 'see');
  const body = await loadByGlobalId(em, GoverningBody, input.governingBodyId, ['input', 'governingBodyId'], 'see');
  await refuseUnless(viewer, ['input', 'governingBodyId'], (scope) => mayDecideForBody(scope, body));
  if (rule.groupId == null) fail(['input', 'ruleId'], 'is a system default: it applies to every school without agreement.');
  if (!AGREED_SEVERITIES.includes(rule.severity))
    fail(['input', 'ruleId'], `is of severity ${rule.severity.toUpperCase()}: only PEER_REVIEW and INTERVENTION rules need agreeing.`);
  const group = await em.findOneOrFail(Group, { id: rule.groupId });
  const member: unknown[] = await em.execute(
    `select 1 from membership m where m.group_id = ? and m.school_id = ? and ${currentMembership('m')}`,
    [group.id, school.id],
  );
  if (!member.length) fail(['input', 'schoolId'], `${school.name} is not a current member of ${group.name}, whose rule this is.`, UserErrorCode.CONFLICT);
  if (!(await governsAsSchool(em, body, school.id)))
    fail(
      ['input', 'governingBodyId'],
      `${body.name} does not govern ${school.name} as a school: its own governing body, its local committee or its federation's governing body agrees.`,
    );
  const already = await em.findOne(TriggerRuleAgreement, { ruleId: rule.id, schoolId: school.id, version: rule.version });
  if (already)
    fail(['input', 'ruleId'], `version ${rule.version} of this rule was already agreed for ${school.name} on ${already.agreedAt.toISOString().slice(0, 10)}.`, UserErrorCode.CONFLICT);
  const agreement = em.create(TriggerRuleAgreement, {
    ruleId: rule.id,
    schoolId: school.id,
    governingBodyId: body.id,
    version: rule.version,
    severity: rule.severity,
    parameters: rule.parameters,
    agreedBy: viewer.label,
  });
  await em.flush();
  // In effect from now: evaluated for this school in the same transaction, so an alert it raises commits with the agreement.
  if (rule.enabled) await evaluate(em, [rule.kind], { schoolIds: [school.id], ruleId: rule.id });
  await recordPartnershipEvent(em, {
    kind: PartnershipEventKind.TRIGGER_RULE_AGREED,
    schoolId: school.id,
    subjectId: rule.nodeId,
    personIds: [],
    summary: `${body.name} agreed "${rule.name}" (version ${rule.version}, ${rule.severity.toUpperCase()}) of ${group.name}`,
    actor: viewer.label,
  });
  return { agreement, triggerRule: rule };
}

@Resolver(() => TriggerRuleAgreement)
export class TriggerRuleAgreementResolver {
  @FieldResolver(() => School, { nullable: true, description: 'The school it is for.' })
  async school(@Root() agreement: TriggerRuleAgreement, @Ctx() ctx: Context): Promise<School | null> {
    return (await byId(ctx, School).load(agreement.schoolId)) ?? null;
  }

  @FieldResolver(() => GoverningBody, { nullable: true, description: 'The body that agreed (null when outside what you may see).' })
  async governingBody(@Root() agreement: TriggerRuleAgreement, @Ctx() ctx: Context): Promise<GoverningBody | null> {
    return (await byId(ctx, GoverningBody).load(agreement.governingBodyId)) ?? null;
  }

  @FieldResolver(() => TriggerRuleParameters, { description: 'The values agreed.' })
  parameters(@Root() agreement: TriggerRuleAgreement): TriggerRuleParameters {
    return agreement.parameters as TriggerRuleParameters;
  }

  @FieldResolver(() => String, { nullable: true, description: `Who recorded it: ${ACTOR_DESCRIPTION}` })
  agreedBy(@Root() agreement: TriggerRuleAgreement, @Ctx() ctx: Context): Promise<string | null> {
    return actorFor(ctx.viewer, agreement.agreedBy);
  }
}

@Resolver(() => TriggerRule)
export class TriggerRuleAgreementFieldResolver {
  @FieldResolver(() => Boolean, {
    description: "Whether member schools must agree the rule before it applies to them (a group's rule of severity PEER_REVIEW or INTERVENTION).",
  })
  needsAgreement(@Root() rule: TriggerRule): boolean {
    return rule.groupId != null && AGREED_SEVERITIES.includes(rule.severity);
  }

  @FieldResolver(() => TriggerRuleAgreementConnection, { description: "Every school's agreement to each version, oldest first." })
  async agreements(@Root() rule: TriggerRule, @Ctx() ctx: Context, @Args() pageArgs: PageArgs) {
    const page = readPage('triggerRuleAgreements', pageArgs, isPosition);
    const rows = await ctx.em.find(
      TriggerRuleAgreement,
      { ruleId: rule.id, id: { $gt: page.after ?? 0 } },
      { orderBy: { id: 'asc' }, limit: page.size + 1 },
    );
    return connectionOf(
      rows,
      page,
      (agreement) => ({ node: agreement, cursor: encodeCursor('triggerRuleAgreements', agreement.id) }),
      () => ctx.em.count(TriggerRuleAgreement, { ruleId: rule.id }),
    );
  }

  @FieldResolver(() => TriggerRuleInEffect, {
    nullable: true,
    description:
      "The version of this group rule that applies to a member school: the current one, or while a change waits to be agreed the last version the school agreed; null when none applies (not a member, or never agreed: the system default then applies).",
  })
  async inEffectFor(
    @Root() rule: TriggerRule,
    @Ctx() ctx: Context,
    @Arg('schoolId', () => ID, { description: 'The school.' }) schoolId: string,
  ): Promise<TriggerRuleInEffect | null> {
    const parsed = fromGlobalId(schoolId);
    if (!parsed || parsed.typeName !== 'School') throw badInput('schoolId is not the ID of a School.', 'schoolId');
    if (rule.groupId == null) return null;
    const rows: { severity: AlertSeverity; parameters: TriggerRuleParameters; version: number; current: boolean }[] = await ctx.em.execute(
      `select v.* from trigger_rule r join membership m on m.group_id = r.group_id and m.school_id = ? and ${currentMembership('m')}
       cross join lateral ${versionInEffect('r', 'm.school_id')} v where r.id = ?`,
      [parsed.id, rule.id],
    );
    return rows[0] ?? null;
  }

  @Authorized(Access.WRITE_ALERTS)
  @Mutation(() => TriggerRuleAgreementPayload, {
    description:
      "A member school's governing body agrees the current version of its group's PEER_REVIEW or INTERVENTION rule: from now on it applies to the school (evaluated at once, in the same transaction), and a later change needs agreeing again.",
  })
  triggerRuleAgree(@Arg('input', () => TriggerRuleAgreeInput, { description: 'The rule, the school and the body.' }) input: TriggerRuleAgreeInput, @Ctx() ctx: Context) {
    return mutate(ctx, (em) => agreeRule(em, input, ctx.viewer));
  }
}
