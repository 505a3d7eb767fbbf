import { ApolloArmor } from '@escape.tech/graphql-armor';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';
import { DocumentNode, ExecutionArgs, GraphQLError, GraphQLSchema, parse, specifiedRules, validate, ValidationRule } from 'graphql';
import { findUnsafeText, noUnsafeTextRule } from '../server/protocol-errors';

/**
 * Limits on what one operation may ask, in the spirit of graphql-armor's defaults. Depth is higher
 * than armor's 6 because every Relay connection costs two levels (edges, node): the executive head's
 * query is 10 deep. Cost is armor's per-field complexity (objects 2, scalars 1) multiplied by each
 * list's literal `first`, so it estimates the fields a query could return: the executive head's
 * query for up to 100 schools is about 80,000; nesting three lists of 100 is refused. Armor's extra
 * factor of 1.5 per level is off: with list multipliers it would count depth twice.
 */
export const LIMITS = {
  maxDepth: 12,
  maxCost: 200_000,
  maxAliases: 15,
  maxDirectives: 50,
  maxTokens: 2_000,
};

/** Refusals name the limit and what was found, e.g. "Query depth limit of 12 exceeded, found 14." */
const armorConfig: GraphQLArmorConfig = {
  maxDepth: { n: LIMITS.maxDepth },
  costLimit: { maxCost: LIMITS.maxCost, depthCostFactor: 1 },
  // Aliases of __typename count too (armor lets them through by default: 200 of them passed).
  maxAliases: { n: LIMITS.maxAliases, allowList: [] },
  maxDirectives: { n: LIMITS.maxDirectives },
  // The token limit is graphql's own parse option (below): armor's plugin throws from a hook, which Apollo answers with 500.
  maxTokens: { enabled: false },
  // Keep "Did you mean ...?" hints in development; hide them in production so the schema cannot be guessed.
  blockFieldSuggestion: { enabled: false },
};

/** graphql's parser stops at the token limit with a syntax error, which Apollo answers with 400. */
export const PARSE_OPTIONS = { maxTokens: LIMITS.maxTokens };

/** Apollo's plugins, validation rules and parse options for HTTP. */
export function apolloLimits(production: boolean) {
  const armor = new ApolloArmor({ ...armorConfig, blockFieldSuggestion: { enabled: production } }).protect();
  return { ...armor, validationRules: [...armor.validationRules, noUnsafeTextRule], parseOptions: PARSE_OPTIONS };
}

/** The same depth, cost, alias and directive rules for operations arriving over WebSocket. */
const wsRules: ValidationRule[] = [
  maxDepthRule(armorConfig.maxDepth),
  costLimitRule(armorConfig.costLimit),
  maxAliasesRule(armorConfig.maxAliases),
  maxDirectivesRule(armorConfig.maxDirectives),
  noUnsafeTextRule,
];

export function validateWithLimits(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  try {
    return validate(schema, document, [...specifiedRules, ...wsRules]);
  } catch (error) {
    // Armor's rules throw their refusal rather than report it.
    if (error instanceof GraphQLError) return [error];
    throw error;
  }
}

/**
 * A graphql-ws subscribe message checked as an HTTP request is: no NUL or lone surrogate anywhere,
 * the token limit while parsing, then the validation rules with every limit. Returns the errors to
 * send back, or the arguments to run it with.
 */
export function prepareWsOperation(
  schema: GraphQLSchema,
  payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null; extensions?: unknown },
): readonly GraphQLError[] | ExecutionArgs {
  const unsafe = findUnsafeText(payload);
  if (unsafe) return [new GraphQLError(unsafe, { extensions: { code: 'BAD_USER_INPUT' } })];
  let document: DocumentNode;
  try {
    document = parse(payload.query, PARSE_OPTIONS);
  } catch (error) {
    if (error instanceof GraphQLError) return [new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
    throw error;
  }
  const errors = validateWithLimits(schema, document);
  if (errors.length) return errors;
  return { schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined };
}
