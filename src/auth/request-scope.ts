import { AsyncLocalStorage } from 'node:async_hooks';
import type { Viewer } from './viewer';

/** What the mutation being run knows: who runs it, its name, and the global IDs it has touched so far. */
export interface MutationScope {
  operation: string;
  viewer: Viewer;
  touched: Set<string>;
}

/**
 * Carries the current mutation from the field middleware (schema.ts) down to `mutate()` and
 * `loadByGlobalId()` without threading it through every resolver.
 */
export const mutationScope = new AsyncLocalStorage<MutationScope>();

export const currentMutation = (): MutationScope | undefined => mutationScope.getStore();
