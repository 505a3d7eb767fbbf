import { ApolloArmor } from '@escape.tech/graphql-armor';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';
import { costLimitPlugin, costValidationRule, MAX_OBJECTS } from './cost';
import { DocumentNode, GraphQLError, GraphQLSchema, specifiedRules, validate, ValidationRule } from 'graphql';

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
  maxAliases: { n: LIMITS.maxAliases },
  maxDirectives: { n: LIMITS.maxDirectives },
  maxTokens: { n: LIMITS.maxTokens },
  // Keep "Did you mean ...?" hints in development; hide them in production so the schema cannot be guessed.
  blockFieldSuggestion: { enabled: false },
};

/** Apollo's plugins and validation rules for HTTP. */
export function apolloLimits(production: boolean) {
  const armor = new ApolloArmor({ ...armorConfig, blockFieldSuggestion: { enabled: production } }).protect();
  return { ...armor, plugins: [...armor.plugins, costLimitPlugin()] };
}

/** The same depth, cost, alias and directive rules for operations arriving over WebSocket. */
const wsRules: ValidationRule[] = [
  maxDepthRule(armorConfig.maxDepth),
  costValidationRule,
  maxAliasesRule(armorConfig.maxAliases),
  maxDirectivesRule(armorConfig.maxDirectives),
];

export function validateWithLimits(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  return validate(schema, document, [...specifiedRules, ...wsRules]);
}
