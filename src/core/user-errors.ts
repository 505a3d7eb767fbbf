import type { EntityClass, EntityManager } from '@mikro-orm/postgresql';
import { validate, ValidationError } from 'class-validator';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { recordAudit } from '../auth/audit';
import { mayChange } from '../auth/policy';
import { currentMutation } from '../auth/request-scope';
import { ACCESS_CHANGED, ACCESS_CHANNEL, bumpAccessEpoch } from '../auth/viewer';
import { logger } from '../logger';
import type { Context } from '../server/context';
import { CONSTRAINT_ERRORS } from './constraints';
import { fromGlobalId } from './node';

export enum UserErrorCode {
  INVALID = 'invalid',
  NOT_FOUND = 'not_found',
  CONFLICT = 'conflict',
  NOT_ALLOWED = 'not_allowed',
}
registerEnumType(UserErrorCode, {
  name: 'UserErrorCode',
  description: 'Kind of business error a mutation reports.',
  valuesConfig: {
    INVALID: { description: 'A value is malformed or out of range.' },
    NOT_FOUND: { description: 'An ID names nothing that exists.' },
    CONFLICT: { description: 'The change clashes with the current state, e.g. a school already in a trust.' },
    NOT_ALLOWED: { description: 'The viewer may not make this change.' },
  },
});

/** A business error: what is wrong, and the input field it concerns (Shopify-style `userErrors`). */
@ObjectType({ description: 'Why a mutation could not be carried out. Nothing was written.' })
export class UserError {
  @Field(() => [String], { description: 'Path to the input field at fault, e.g. ["input", "joinedOn"].' })
  field!: string[];

  @Field({ description: 'What is wrong, in words a person can act on.' })
  message!: string;

  @Field(() => UserErrorCode, { description: 'Kind of error.' })
  code!: UserErrorCode;
}

/** Thrown inside a mutation to roll it back and report the errors in its payload. */
export class UserInputFailure extends Error {
  constructor(readonly userErrors: UserError[]) {
    super(userErrors.map((e) => `${e.field.join('.')}: ${e.message}`).join('; '));
  }
}

export function userError(field: string[], message: string, code = UserErrorCode.INVALID): UserError {
  return { field, message, code };
}

export function fail(field: string[], message: string, code = UserErrorCode.INVALID): never {
  throw new UserInputFailure([userError(field, message, code)]);
}

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
      const done = await work(em as EntityManager);
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
    return { ...result, userErrors: [] };
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

/** Checks an input object's class-validator rules; each failure names its field path. */
export async function check(input: object, path: string[] = ['input']): Promise<void> {
  const errors = await validate(input, { forbidUnknownValues: false });
  if (errors.length > 0) throw new UserInputFailure(errors.flatMap((e) => flatten(e, path)));
}

function flatten(error: ValidationError, path: string[]): UserError[] {
  const field = [...path, error.property];
  const own = Object.values(error.constraints ?? {}).map((message) => userError(field, message));
  return [...own, ...(error.children ?? []).flatMap((child) => flatten(child, field))];
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
): Promise<T> {
  const parsed = fromGlobalId(globalId);
  if (!parsed || parsed.typeName !== entity.name) fail(field, `is not the ID of a ${entity.name}.`, UserErrorCode.INVALID);
  const found = await em.findOne(entity, { id: parsed.id } as never);
  if (!found) fail(field, `no ${entity.name} has this ID.`, UserErrorCode.NOT_FOUND);
  const mutation = currentMutation();
  if (mutation) {
    const verdict = await mayChange(mutation.viewer, entity.name, found, field);
    if (verdict === 'hidden') fail(field, `no ${entity.name} has this ID.`, UserErrorCode.NOT_FOUND);
    if (verdict === 'forbidden')
      fail(field, `you may not change this ${entity.name}: it is outside what you govern, lead or oversee.`, UserErrorCode.NOT_ALLOWED);
    mutation.touched.add(globalId);
  }
  return found as T;
}

/** Checks that `later` is not before `earlier` (dates as YYYY-MM-DD strings compare as text). */
export function requireOrder(earlier: string | undefined | null, later: string | undefined | null, field: string[], message: string): void {
  if (earlier && later && later < earlier) fail(field, message);
}
