import { createSourceEventStream, execute, ExecutionArgs, ExecutionResult } from 'graphql';

/**
 * Executes each subscription event once per distinct operation, not once per subscriber. The alert
 * feed hands the same event object to every subscriber; subscribers that sent the same operation
 * with the same variables (and, once authorization exists, the same viewer) get the same result, so
 * it is computed by the first and shared by the rest. This is graphql-js's `subscribe` with a cache in
 * the per-event `execute` step; the cache lives as long as the event object does (a WeakMap).
 */
const results = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();

/** What makes two subscribers' results identical: set by the server's graphql-ws context. */
export interface SharedExecutionContext {
  operationKey?: string;
}

export async function subscribeShared(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in (stream as object))) return stream as ExecutionResult;
  const source = stream as AsyncIterableIterator<unknown>;
  const key = (args.contextValue as SharedExecutionContext | undefined)?.operationKey;
  const run = (payload: unknown): Promise<ExecutionResult> | ExecutionResult => {
    if (key === undefined || typeof payload !== 'object' || payload === null) return execute({ ...args, rootValue: payload });
    let perEvent = results.get(payload);
    if (!perEvent) results.set(payload, (perEvent = new Map()));
    let result = perEvent.get(key);
    if (!result) perEvent.set(key, (result = execute({ ...args, rootValue: payload })));
    return result;
  };
  async function* mapped(): AsyncGenerator<ExecutionResult> {
    try {
      for await (const payload of source) yield await run(payload);
    } finally {
      await source.return?.();
    }
  }
  return mapped();
}

/**
 * The sharing key of a subscribe message: the operation, its variables, and who asks (results may
 * one day differ by viewer; until then 'anonymous' callers all share).
 */
export function operationKey(payload: { query: string; variables?: unknown; operationName?: string | null }, viewer: unknown): string {
  const who = (viewer as { label?: string } | undefined)?.label ?? String(viewer ?? 'anonymous');
  return JSON.stringify([payload.query, payload.variables ?? null, payload.operationName ?? null, who]);
}
