import { ApolloArmor } from '@escape.tech/graphql-armor';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';
import { costLimitPlugin, costValidationRule, MAX_OBJECTS } from './cost';
import { DocumentNode, GraphQLError, GraphQLSchema, specifiedRules, validate, ValidationRule } from 'graphql';
import { noUnsafeTextRule } from '../core/text';

/**
 * Limits on what one operation may ask, in the spirit of graphql-armor's defaults. Depth is higher
 * than armor's 6 because every Relay connection costs two levels (edges, node): the executive head's
 * query is 10 deep. Cost is Trellis's own (auth/cost.ts): the objects a query may return, with each
 * list's `first` read from literals and variables alike; armor's cost rule is off, since it read
 * only literal `first`s (a `first: $n` cost 1) and refused realistic partner queries.
 */
export const LIMITS = {
  maxDepth: 12,
  maxCost: MAX_OBJECTS,
  maxAliases: 15,
  maxDirectives: 50,
  maxTokens: 2_000,
};

/** Refusals name the limit and what was found, e.g. "Query depth limit of 12 exceeded, found 14." */
const armorConfig: GraphQLArmorConfig = {
  maxDepth: { n: LIMITS.maxDepth },
  costLimit: { enabled: false },
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
  return {
    ...armor,
    validationRules: [...armor.validationRules, noUnsafeTextRule],
    parseOptions: PARSE_OPTIONS,
    plugins: [...armor.plugins, costLimitPlugin()],
  };
}

/** The same depth, cost, alias and directive rules for operations arriving over WebSocket. */
const wsRules: ValidationRule[] = [
  maxDepthRule(armorConfig.maxDepth),
  costValidationRule,
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
