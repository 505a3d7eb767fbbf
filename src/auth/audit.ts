import type { EntityManager } from '@mikro-orm/postgresql';
import { Args, Arg, Ctx, Field, ID, InputType, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { Authorized } from './guard';
import { connectionOf, ConnectionType, EdgeType, encodeCursor, PageArgs, readPage } from '../core/pagination';
import { toGlobalId } from '../core/node';
import type { Context } from '../core/context';
import { Access } from './auth-checker';
import type { MutationScope } from './request-scope';

export enum ActorKind {
  ANONYMOUS = 'anonymous',
  PERSON = 'person',
  APP = 'app',
  SYSTEM = 'system',
}
registerEnumType(ActorKind, {
  name: 'ActorKind',
  description: 'Who made a change.',
  valuesConfig: {
    ANONYMOUS: { description: 'Nobody signed in (only when the server lets anonymous callers write, which it does not).' },
    PERSON: { description: 'A person, from a signed token.' },
    APP: { description: 'A partner app, with an API key.' },
    SYSTEM: { description: 'Trellis itself (imports, sweeps).' },
  },
});

@ObjectType({ description: 'One committed mutation: who ran it, which, when, and the objects it touched.' })
export class AuditEvent {
  id!: number;

  @Field(() => Date, { description: 'When the change committed.' })
  at!: Date;

  @Field(() => ActorKind, { description: 'Kind of caller.' })
  actorKind!: ActorKind;

  @Field({ description: 'The caller: `person:<id>` or `app:<key id>:<key name>`.' })
  actor!: string;

  @Field(() => ID, { nullable: true, description: 'Global ID of the person, when a person made the change.' })
  personId?: string | null;

  @Field({ description: 'The mutation, e.g. `groupAddMember`.' })
  operation!: string;

  @Field(() => [ID], { description: 'Global IDs of the objects the mutation named or returned.' })
  nodeIds!: string[];
}

@ObjectType({ description: 'An edge in the audit log.' })
export class AuditEventEdge extends EdgeType(AuditEvent, 'The audit event.') {}

@ObjectType({ description: 'A page of the audit log, newest first.' })
export class AuditEventConnection extends ConnectionType(AuditEventEdge) {}

@InputType({ description: 'Conditions every audit event returned meets.' })
export class AuditEventFilter {
  @Field({ nullable: true, description: 'Only this mutation, e.g. `governorshipEnd`.' })
  operation?: string;

  @Field({ nullable: true, description: 'Only changes by this caller (`person:<id>` or `app:<id>:<name>`).' })
  actor?: string;

  @Field(() => ID, { nullable: true, description: 'Only changes that touched this object (a global ID).' })
  nodeId?: string;

  @Field(() => Date, { nullable: true, description: 'Only changes at or after this time.' })
  since?: Date;
}

/** Appends the audit row inside the mutation's own transaction: it commits or rolls back with the change. */
export async function recordAudit(em: EntityManager, scope: MutationScope): Promise<void> {
  const viewer = scope.viewer;
  await em
    .getConnection()
    .execute(`insert into audit_event (actor_kind, person_id, api_key_id, actor, operation, node_ids) values (?, ?, ?, ?, ?, ?::text[])`, [
      viewer.kind,
      viewer.personId ?? null,
      viewer.app?.id ?? null,
      viewer.label,
      scope.operation,
      `{${[...scope.touched].join(',')}}`,
    ]);
}

const isAuditKey = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

function conditions(filter: AuditEventFilter | undefined) {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (filter?.operation) (sql.push('operation = ?'), params.push(filter.operation));
  if (filter?.actor) (sql.push('actor = ?'), params.push(filter.actor));
  if (filter?.nodeId) (sql.push('node_ids @> array[?::text]'), params.push(filter.nodeId));
  if (filter?.since) (sql.push('at >= ?'), params.push(filter.since));
  return { sql, params };
}

@Resolver()
export class AuditResolver {
  @Authorized(Access.ADMIN)
  @Query(() => AuditEventConnection, { description: 'The audit log of committed mutations, newest first. Administrators only.' })
  async auditEvents(
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Arg('filter', () => AuditEventFilter, { nullable: true, description: 'Conditions every event returned meets.' })
    filter?: AuditEventFilter,
  ) {
    const page = readPage('auditEvents', pageArgs, isAuditKey);
    const { sql, params } = conditions(filter);
    const pageSql = [...sql, ...(page.after ? ['id < ?'] : [])];
    const rows: Record<string, any>[] = await ctx.em
      .getConnection()
      .execute(
        `select *, (extract(epoch from at) * 1000)::float8 as at_ms from audit_event ${pageSql.length ? `where ${pageSql.join(' and ')}` : ''} order by id desc limit ?`,
        [...params, ...(page.after ? [page.after] : []), page.size + 1],
      );
    const events = rows.map((row): AuditEvent => ({
      id: Number(row.id),
      at: new Date(Number(row.at_ms)),
      actorKind: row.actor_kind,
      actor: row.actor,
      personId: row.person_id ? toGlobalId('Person', row.person_id) : null,
      operation: row.operation,
      nodeIds: row.node_ids ?? [],
    }));
    return connectionOf(
      events,
      page,
      (event) => ({ node: event, cursor: encodeCursor('auditEvents', event.id) }),
      async () => {
        const [row] = await ctx.em
          .getConnection()
          .execute(`select count(*)::int as n from audit_event ${sql.length ? `where ${sql.join(' and ')}` : ''}`, params);
        return row.n as number;
      },
    );
  }
}
