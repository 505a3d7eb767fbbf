import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { GraphQLInterfaceType, GraphQLObjectType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import '../database/entities';
import { buildSchema, getMetadataStorage, NonEmptyArray } from 'type-graphql';
import { nodeTypeName } from '../core/node';
import { MAY_WAIT } from '../core/pagination';
import { AuditResolver } from '../auth/audit';
import { applyGuards } from '../auth/guard';
import { leanFieldResolvers } from './lean-resolvers';
import { mutationScope } from '../auth/request-scope';
import type { Context } from '../core/context';
import { projectRoot } from '../config';
import { AlertEventResolver, AlertResolver } from '../alerts/alert.resolver';
import { analyticsResolvers } from '../analytics/analytics.resolvers';
import { TriggerRuleChangeResolver, TriggerRuleResolver } from '../alerts/trigger-rule.resolver';
import { NodeResolver } from '../core/node.resolver';
import { evidenceResolvers } from '../evidence/evidence.resolver';
import {
  GoverningBodyResolver,
  GovernanceMutations,
  GovernorshipResolver,
  GroupGovernanceResolver,
  PersonGovernanceResolver,
  SchoolGovernanceResolver,
} from '../governance/governance.resolver';
import { GroupMutations } from '../groups/group.mutations';
import {
  GroupLinkResolver,
  GroupResolver,
  MembershipResolver,
  SchoolMembershipResolver,
  StrategicObjectiveResolver,
} from '../groups/group.resolver';
import { GroupLeadersResolver, PeopleMutations, PersonResolver, PostResolver, SchoolStaffResolver } from '../people/people.resolver';
import { PartnershipEventResolver } from '../alerts/partnership-event';
import { interventionResolvers } from '../interventions/intervention.resolver';
import { meResolvers } from '../me/me.resolver';
import { governanceHealthResolvers } from '../governance/governance-health';
import { staffDaysResolvers } from '../support/staff-days';
import { reviewResolvers } from '../reviews/review.resolver';
import { TriggerRuleAgreementFieldResolver, TriggerRuleAgreementResolver } from '../governance/rule-agreement';
import { leaveRequestResolvers } from '../leaving/leave-request';
import { SchoolResolver } from '../schools/school.resolver';
import { SchoolAlertsResolver } from '../alerts/school-alerts.resolver';
import { SchoolLatestMeasuresResolver } from '../evidence/latest-measures.resolver';
import { SchoolSupportResolver, SupportLinkResolver, SupportMutations } from '../support/support.resolver';

/** Every resolver class. A domain folder's resolvers are added here once. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  NodeResolver,
  SchoolResolver,
  GroupResolver,
  MembershipResolver,
  GroupLinkResolver,
  StrategicObjectiveResolver,
  SchoolMembershipResolver,
  GroupMutations,
  GoverningBodyResolver,
  GovernorshipResolver,
  SchoolGovernanceResolver,
  GroupGovernanceResolver,
  PersonGovernanceResolver,
  GovernanceMutations,
  PersonResolver,
  PostResolver,
  SchoolStaffResolver,
  GroupLeadersResolver,
  PeopleMutations,
  SupportLinkResolver,
  SchoolSupportResolver,
  SupportMutations,
  ...evidenceResolvers,
  TriggerRuleResolver,
  TriggerRuleChangeResolver,
  AlertResolver,
  AlertEventResolver,
  AuditResolver,
  ...analyticsResolvers,
  SchoolAlertsResolver,
  SchoolLatestMeasuresResolver,
  PartnershipEventResolver,
  ...reviewResolvers,
  ...interventionResolvers,
  TriggerRuleAgreementResolver,
  TriggerRuleAgreementFieldResolver,
  ...leaveRequestResolvers,
  ...meResolvers,
  ...governanceHealthResolvers,
  ...staffDaysResolvers,
];

/**
 * Opens the audit scope of each mutation field: mutate() and loadByGlobalId() read it (auth/request-scope.ts).
 * Wrapped around the Mutation type's own resolvers only: a type-graphql global middleware would run on
 * every field of every query too, and turn each plain field into a promise (CPU and garbage on reads).
 */
function openMutationScopes(schema: GraphQLSchema): void {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve;
    if (!resolve) continue;
    field.resolve = (root, args, context: Context, info) =>
      mutationScope.run({ operation: info.fieldName, viewer: context.viewer, touched: new Set() }, () => resolve(root, args, context, info));
  }
}

/**
 * Leaves plain property fields (a `@Field` on a column or getter, no field resolver, no middleware)
 * without a resolver, as type-graphql's `simpleResolvers` option would, for every type at once.
 * type-graphql gives each such field a resolver that only reads `root[name]` through its middleware
 * dispatcher; graphql-jit (server/executor.ts) reads a field without a resolver inline, in the
 * compiled code, where a resolver is a call, a resolve-info and a deferred value per field per row.
 * A large read resolves thousands of names, roles and dates. Guards are applied after this, and wrap
 * graphql-js's default resolver where a guarded field has no resolver of its own.
 */
function plainFields(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  // Fields computed by a resolver method, per class (type-graphql matches them by class and method name).
  const withResolver = new Map<unknown, Set<string>>();
  for (const resolver of storage.fieldResolvers) {
    const target = resolver.getObjectType?.();
    if (!withResolver.has(target)) withResolver.set(target, new Set());
    withResolver.get(target)!.add(resolver.methodName);
  }
  const byTarget = new Map<unknown, (typeof storage.objectTypes)[number] | (typeof storage.interfaceTypes)[number]>(
    [...storage.objectTypes, ...storage.interfaceTypes].map((type) => [type.target, type]),
  );
  // A type's fields as type-graphql built them: its superclass's (a connection's edges, an edge's
  // node and cursor come from the generic classes in core/pagination.ts, and had type-graphql's
  // resolver with its middleware dispatch on every edge) and its interfaces' first, its own
  // overriding them.
  const fieldsOf = (target: unknown): NonNullable<(typeof storage.objectTypes)[number]['fields']> => {
    const type = byTarget.get(target);
    const parent = typeof target === 'function' ? Object.getPrototypeOf(target) : undefined;
    const inherited = parent && parent !== Function.prototype ? fieldsOf(parent) : [];
    if (!type) return inherited;
    return [...inherited, ...(type.interfaceClasses ?? []).flatMap((face) => fieldsOf(face)), ...(type.fields ?? [])];
  };
  for (const type of storage.objectTypes) {
    const built = schema.getType(type.name);
    if (!(built instanceof GraphQLObjectType)) continue;
    const fields = built.getFields();
    for (const field of fieldsOf(type.target)) {
      const graphqlField = fields[field.schemaName];
      // A field resolver may be declared for the class that declares the field or for this subclass.
      if (!graphqlField || withResolver.get(field.target)?.has(field.name) || withResolver.get(type.target)?.has(field.name)) continue;
      if (field.middlewares?.length || field.roles?.length) continue;
      const property = field.name;
      // A field that may hold a promise (MAY_WAIT: a total counted on demand) needs a resolver to return it.
      const inline = property === field.schemaName && !graphqlField.extensions?.[MAY_WAIT];
      graphqlField.resolve = inline ? undefined : (root: Record<string, unknown>) => root[property];
    }
  }
}

let built: GraphQLSchema | undefined;

export async function trellisSchema(): Promise<GraphQLSchema> {
  // Validation is done inside mutations (core/user-errors.ts) so failures come back as userErrors.
  if (!built) {
    // Subscriptions bring their own `subscribe` (the alert feed); type-graphql still asks for a pub/sub.
    built = await buildSchema({
      resolvers,
      validate: false,
      // No authChecker here: @Authorized is auth/guard.ts's (applied below), so a stray type-graphql
      // @Authorized makes this build fail rather than go unguarded.
      pubSub: {
        publish: () => undefined,
        subscribe: () => {
          throw new Error('no topics: subscriptions use their own subscribe');
        },
      },
    });
    // type-graphql has no option for the root types' descriptions; the schema test wants every type described.
    const roots: [GraphQLObjectType | null | undefined, string][] = [
      [built.getQueryType(), 'Reads: schools, groups, people and everything that hangs off them.'],
      [built.getMutationType(), "Changes, each one transaction; business errors come back in the payload's `userErrors`."],
      [built.getSubscriptionType(), 'Live events over graphql-ws on the same path as HTTP.'],
    ];
    for (const [type, description] of roots) if (type) type.description = description;
    plainFields(built);
    leanFieldResolvers(built);
    // Who may see and do what: @Authorized requirements are decided in auth/auth-checker.ts, rows in auth/policy.ts.
    applyGuards(built);
    openMutationScopes(built);
    // type-graphql wraps resolveType in an async function; graphql-jit (executor.ts) needs the type
    // name at once, so Node gets its own synchronous rule back (graphql-js accepts either).
    (built.getType('Node') as GraphQLInterfaceType).resolveType = nodeTypeName;
  }
  return built;
}

export const schemaFile = path.join(projectRoot, 'schema', 'schema.graphql');

/** The SDL as checked in: sorted, so the file changes only when the schema does. */
export function printTrellisSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}

export async function writeSchemaFile(): Promise<string> {
  const sdl = printTrellisSchema(await trellisSchema());
  fs.mkdirSync(path.dirname(schemaFile), { recursive: true });
  fs.writeFileSync(schemaFile, sdl);
  return schemaFile;
}
