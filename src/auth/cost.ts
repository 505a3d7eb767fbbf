import type { ApolloServerPlugin } from '@apollo/server';
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  GraphQLField,
  GraphQLObjectType,
  GraphQLSchema,
  isAbstractType,
  isListType,
  isObjectType,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  valueFromAST,
  ValidationContext,
  ASTVisitor,
} from 'graphql';
import { MAX_PAGE_SIZE } from '../core/pagination';

/**
 * The cost of an operation: how many objects it may return at most, the way GitHub's API bounds a
 * request by nodes. Every object a field can return counts once, multiplied by the size of every list
 * around it: a connection by its `first` (its argument, its variable's value, or its default), a
 * bounded list argument (`limit`, `ids`) by its value, and a plain list field with no bound (a
 * school's governing bodies, a person's posts) by PLAIN_LIST_SIZE, a generous guess of its length.
 * Scalars are free: they are bounded by the objects that hold them, and the depth, alias and token
 * limits bound the rest.
 *
 * Figures (README "Limits"): the executive head's query for 100 schools costs about 92,000; the
 * partner-app query of issue 10 (50 groups, their members first 100, each school's staff first 20)
 * about 316,000, within MAX_OBJECTS; three nested connections of 100 (groups, members, staff), or a
 * first:100 list under a plain list under two connections of 100, cost millions and are refused.
 */
export const MAX_OBJECTS = 500_000;
export const PLAIN_LIST_SIZE = 10;

type Variables = Record<string, unknown> | undefined;

/** Arguments that bound the list a field returns, in the order they are looked for. */
const BOUND_ARGUMENTS = ['first', 'last', 'limit'];

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
  variables?: Variables,
): number {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return 0;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return 0;
  return selectionCost(schema, root, operation.selectionSet, 1, 1, fragments, variables, new Set());
}

function selectionCost(
  schema: GraphQLSchema,
  parent: GraphQLObjectType,
  selectionSet: SelectionSetNode,
  multiplier: number,
  pageSize: number,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Variables,
  visiting: Set<string>,
): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      cost += fieldCost(schema, parent, selection, multiplier, pageSize, fragments, variables, visiting);
    } else {
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && visiting.has(selection.name.value))) continue;
      // A fragment on an interface or another member type is costed as if it applied: an upper bound.
      const typeName = fragment.typeCondition?.name.value;
      const type = typeName ? schema.getType(typeName) : parent;
      const on = isObjectType(type) ? type : parent;
      if (selection.kind === Kind.FRAGMENT_SPREAD) visiting.add(selection.name.value);
      cost += selectionCost(schema, on, fragment.selectionSet, multiplier, pageSize, fragments, variables, visiting);
      if (selection.kind === Kind.FRAGMENT_SPREAD) visiting.delete(selection.name.value);
    }
  }
  return cost;
}

function fieldCost(
  schema: GraphQLSchema,
  parent: GraphQLObjectType,
  node: FieldNode,
  multiplier: number,
  pageSize: number,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Variables,
  visiting: Set<string>,
): number {
  if (!node.selectionSet || node.name.value.startsWith('__')) return 0;
  const field = parent.getFields()[node.name.value];
  if (!field) return 0;
  const named = getNamedType(field.type);
  // An interface or union field (node, nodes) is costed against each selection's own type condition.
  const type = isObjectType(named) ? named : isAbstractType(named) ? schema.getPossibleTypes(named)[0] : undefined;
  const bound = boundOf(field, node, variables);
  if (type && bound !== undefined && isConnection(type)) {
    // A connection is one object per parent; its edges (or nodes) are `first` of them each.
    return multiplier + selectionCost(schema, type, node.selectionSet, multiplier, bound, fragments, variables, visiting);
  }
  const size =
    isConnection(parent) && (field.name === 'edges' || field.name === 'nodes')
      ? pageSize
      : (bound ?? (isListType(getNullableType(field.type)) ? PLAIN_LIST_SIZE : 1));
  const count = multiplier * size;
  if (!type) return count;
  return count + selectionCost(schema, type, node.selectionSet, count, 1, fragments, variables, visiting);
}

const isConnection = (type: GraphQLObjectType) => /Connection$/.test(type.name) && 'edges' in type.getFields();

/** The size a field's arguments give its list (`first`, `last`, `limit`, the length of `ids`), if any. */
function boundOf(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Variables): number | undefined {
  for (const name of BOUND_ARGUMENTS) {
    const value = argumentValue(field, node, name, variables);
    if (typeof value === 'number') return Math.max(0, value);
  }
  const ids = argumentValue(field, node, 'ids', variables);
  return Array.isArray(ids) ? ids.length : undefined;
}

/** An argument's value: literal, from the variables, or the schema's default; a variable without a value counts as the largest page. */
function argumentValue(field: GraphQLField<unknown, unknown>, node: FieldNode, name: string, variables: Variables): unknown {
  const definition = field.args.find((arg) => arg.name === name);
  if (!definition) return undefined;
  const argument = node.arguments?.find((arg) => arg.name.value === name);
  if (!argument) return definition.defaultValue;
  if (argument.value.kind === Kind.VARIABLE) {
    const value = variables?.[argument.value.name.value];
    if (value === undefined) return name === 'ids' ? undefined : MAX_PAGE_SIZE;
    return value;
  }
  return valueFromAST(argument.value, definition.type, variables as never);
}

export function costError(cost: number): GraphQLError {
  return new GraphQLError(`Query cost limit of ${MAX_OBJECTS} objects exceeded, found ${cost}.`, {
    // The code of the other limits (depth, aliases): clients and the protocol plugin treat it the same way.
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maxCost: MAX_OBJECTS, http: { status: 400 } },
  });
}

const COSTS_PER_DOCUMENT = 100;

/**
 * HTTP: the cost with the request's own variables, once the operation is known (after parse and
 * validation, which Apollo caches per document). Refused before anything runs.
 */
export function costLimitPlugin(): ApolloServerPlugin {
  const known = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operationName, request }) {
          // Kept per parsed document (Apollo keeps one per query text) and variables: the same
          // request shape is priced once, not walked again on every request.
          let costs = known.get(document);
          if (!costs) known.set(document, (costs = new Map()));
          const key = `${operationName ?? ''}:${JSON.stringify(request.variables ?? {})}`;
          let cost = costs.get(key);
          if (cost === undefined) {
            cost = operationCost(schema, document, operationName, request.variables);
            if (costs.size >= COSTS_PER_DOCUMENT) costs.clear();
            costs.set(key, cost);
          }
          if (cost > MAX_OBJECTS) throw costError(cost);
        },
      };
    },
  };
}

/**
 * The same limit as a validation rule, for transports that validate without variables (WebSocket):
 * a variable-valued page size counts as the largest page (MAX_PAGE_SIZE).
 */
export function costValidationRule(context: ValidationContext): ASTVisitor {
  return {
    Document: {
      leave(document) {
        for (const definition of document.definitions) {
          if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
          const cost = operationCost(context.getSchema(), document, definition.name?.value);
          if (cost > MAX_OBJECTS) context.reportError(costError(cost));
        }
      },
    },
  };
}
