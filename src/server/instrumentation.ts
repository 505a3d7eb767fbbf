import type { ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';

/**
 * Apollo's per-field work, off unless asked for. Apollo installs its cache-control plugin by default,
 * and any plugin with a `willResolveField` hook makes Apollo wrap every resolver of the schema (HTTP
 * and WebSocket share it) with per-field bookkeeping; Trellis sets no cache hints, so it bought nothing.
 * Usage reporting and inline traces are Apollo GraphOS features: with APOLLO_KEY set, Apollo's own
 * defaults apply (it turns them on itself); without it they stay off explicitly.
 */
export function instrumentationPlugins(env: NodeJS.ProcessEnv = process.env): ApolloServerPlugin[] {
  const plugins: ApolloServerPlugin[] = [ApolloServerPluginCacheControlDisabled()];
  if (!env.APOLLO_KEY) plugins.push(ApolloServerPluginUsageReportingDisabled(), ApolloServerPluginInlineTraceDisabled());
  return plugins;
}
