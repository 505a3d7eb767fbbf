import { ApolloArmor } from '@escape.tech/graphql-armor';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';
import { DocumentNode, GraphQLError, GraphQLSchema, specifiedRules, validate, ValidationRule } from 'graphql';

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
  maxAliases: { n: LIMITS.maxAliases },
  maxDirectives: { n: LIMITS.maxDirectives },
  maxTokens: { n: LIMITS.maxTokens },
  // Keep "Did you mean ...?" hints in development; hide them in production so the schema cannot be guessed.
  blockFieldSuggestion: { enabled: false },
};

/** Apollo's plugins and validation rules for HTTP. */
export function apolloLimits(production: boolean) {
  return new ApolloArmor({ ...armorConfig, blockFieldSuggestion: { enabled: production } }).protect();
}

/** The same depth, cost, alias and directive rules for operations arriving over WebSocket. */
const wsRules: ValidationRule[] = [
  maxDepthRule(armorConfig.maxDepth),
  costLimitRule(armorConfig.costLimit),
  maxAliasesRule(armorConfig.maxAliases),
  maxDirectivesRule(armorConfig.maxDirectives),
];

export function validateWithLimits(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
  return validate(schema, document, [...specifiedRules, ...wsRules]);
}
