import type { EntityClass, EntityManager } from '@mikro-orm/postgresql';
import { recordAudit } from '../auth/audit';
import { mayChange, maySee } from '../auth/policy';
import { checkOwnReach, ownReachBefore } from '../auth/reach-rules';
import { currentMutation } from '../auth/request-scope';
import { ACCESS_CHANGED, ACCESS_CHANNEL, bumpAccessEpoch } from '../auth/viewer';
import { logger } from '../logger';
import type { Context } from './context';
import { CONSTRAINT_ERRORS } from './constraints';
import { fromGlobalId } from './node';
import { fail, UserError, userError, UserErrorCode, UserInputFailure } from './user-errors';

/*
 * The mutation pipeline, in the order every change goes through it:
 *   1. authorize: each object a mutation names is loaded through loadByGlobalId(), which asks
 *      auth/policy.ts whether the caller may change it (hidden -> not found, visible -> not allowed);
 *      writes that change reach also ask auth/reach-rules.ts, and every change is refused if it
 *      would enlarge the caller's own reach (compared before and after, in the transaction);
 *   2. one transaction: the change, the rules it can affect and the alerts they raise;
 *   3. audit: who, which mutation, when and the IDs touched, in that same transaction;
 *   4. publish: an `access` NOTIFY at commit so every instance re-reads scopes; alerts wake
 *      subscribers through their own sequencer (alerts/README.md). A rollback publishes nothing.
 */

/**
 * Runs a mutation in one transaction. A UserInputFailure or a broken database constraint rolls
 * everything back and comes out as `userErrors`; anything else is a server error.
 * The audit row (who, which mutation, when, the IDs it named and returned) is written in the same
 * transaction, so it exists exactly when the change does.
 */
export async function mutate<T extends object>(
  ctx: Context,
  work: (em: EntityManager) => Promise<T>,
): Promise<Partial<T> & { userErrors: UserError[] }> {
  try {
    const audit = currentMutation();
    const result = await ctx.em.transactional(async (em) => {
      // Nobody enlarges their own reach, whatever the mutation (auth/reach-rules.ts).
      const reachBefore = await ownReachBefore(em as EntityManager, ctx.viewer);
      const done = await work(em as EntityManager);
      await em.flush();
      await checkOwnReach(em as EntityManager, ctx.viewer, reachBefore);
      if (audit) {
        for (const value of Object.values(done)) {
          const nodeId = (value as { nodeId?: unknown } | null)?.nodeId;
          if (typeof nodeId === 'string') audit.touched.add(nodeId);
        }
        await recordAudit(em as EntityManager, audit);
      }
      // Who sees what may have changed (a seat, a post, a membership): tell every instance, at commit,
      // so live subscriptions re-read their scope (auth/viewer.ts); a rollback tells no one.
      await (em as EntityManager).getConnection().execute(`select pg_notify('${ACCESS_CHANNEL}', '${ACCESS_CHANGED}')`);
      return done;
    });
    bumpAccessEpoch();
    // The payload is read like any query, by the caller as they are after the change: what they wrote
    // but may not read (a key without read:people giving a post) comes back as null.
    ctx.viewer = ctx.viewer.refreshed(ctx.em);
    const shown = { ...result } as Record<string, unknown>;
    for (const [key, value] of Object.entries(shown))
      if (value && typeof value === 'object' && !(await maySee(ctx.viewer, value.constructor.name, value))) shown[key] = null;
    return { ...(shown as T), userErrors: [] };
  } catch (error) {
    ctx.em.clear();
    if (error instanceof UserInputFailure) return { userErrors: error.userErrors } as Partial<T> & { userErrors: UserError[] };
    const known = constraintError(error);
    if (known) return { userErrors: [known] } as Partial<T> & { userErrors: UserError[] };
    logger.error({ err: error }, 'mutation failed');
    throw error;
  }
}

function constraintError(error: unknown): UserError | undefined {
  const constraint = (error as { constraint?: string }).constraint;
  if (!constraint) return undefined;
  const known = CONSTRAINT_ERRORS[constraint];
  if (!known) return undefined;
  return userError(known.field, known.message, UserErrorCode.CONFLICT);
}

/**
 * Loads the entity a global ID names, or fails naming the input field. Inside a mutation this is
 * where the caller's right to change (or name) each object is checked (auth/policy.ts): one they may
 * not read is reported as not found, one they may read but not change as not allowed.
 */
export async function loadByGlobalId<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  globalId: string,
  field: string[],
  /** 'see' when a reach rule (auth/reach-rules.ts) decides the change: the object need only be visible. */
  check: 'change' | 'see' = 'change',
): Promise<T> {
  const parsed = fromGlobalId(globalId);
  if (!parsed || parsed.typeName !== entity.name) fail(field, `is not the ID of a ${entity.name}.`, UserErrorCode.INVALID);
  const found = await em.findOne(entity, { id: parsed.id } as never);
  if (!found) fail(field, `no ${entity.name} has this ID.`, UserErrorCode.NOT_FOUND);
  const mutation = currentMutation();
  if (mutation && check === 'see') {
    if (!(await maySee(mutation.viewer, entity.name, found))) fail(field, `no ${entity.name} has this ID.`, UserErrorCode.NOT_FOUND);
    mutation.touched.add(globalId);
  } else if (mutation) {
    const verdict = await mayChange(mutation.viewer, entity.name, found, field);
    if (verdict === 'hidden') fail(field, `no ${entity.name} has this ID.`, UserErrorCode.NOT_FOUND);
    if (verdict === 'forbidden')
      fail(field, `you may not change this ${entity.name}: it is outside what you govern, lead or oversee.`, UserErrorCode.NOT_ALLOWED);
    mutation.touched.add(globalId);
  }
  return found as T;
}
