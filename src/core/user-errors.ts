import { validate, ValidationError } from 'class-validator';
import { Field, ObjectType, registerEnumType } from 'type-graphql';

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

/** Checks that `later` is not before `earlier` (dates as YYYY-MM-DD strings compare as text). */
export function requireOrder(earlier: string | undefined | null, later: string | undefined | null, field: string[], message: string): void {
  if (earlier && later && later < earlier) fail(field, message);
}
