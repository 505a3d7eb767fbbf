import { defaultFieldResolver, GraphQLField, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { Extensions, getMetadataStorage } from 'type-graphql';
import type { Context } from '../core/context';
import { authChecker } from './auth-checker';

/**
 * `@Authorized(...)` for Trellis's fields and resolver classes: what a field asks of its caller
 * (auth-checker.ts's `Access`), checked before its resolver runs, as type-graphql's own decorator of
 * the same name does, but without type-graphql's middleware chain.
 *
 * Why our own: type-graphql runs every guarded field through an async middleware dispatcher, several
 * promises per field even when the guard passes at once; a large read passes thousands of guards (every
 * governor's person, every body of every school). Here the requirements ride on the field's
 * `extensions` and `applyGuards` wraps the built schema's resolvers in a plain function that calls
 * the same authChecker: a pass is a function call, a refusal or a scope not yet read is the checker's
 * own promise, with its own error.
 *
 * On a resolver class it guards every method that has no guard of its own (a method's own guard wins,
 * as with type-graphql's). On an object type's property it guards that field.
 */
export const GUARD = 'trellisGuard';

/** Methods and properties guarded on their own, so the class-level guard leaves them be. */
const ownGuards = new WeakMap<object, Set<string | symbol>>();
/** Classes guarded as a whole: resolver classes only (checked in applyGuards). */
const guardedClasses: { target: object; name: string }[] = [];

export function Authorized(...requirements: string[]): ClassDecorator & MethodDecorator & PropertyDecorator {
  if (requirements.length === 0) throw new Error('@Authorized needs at least one requirement (an Access value)');
  return ((target: object | (new (...args: never[]) => unknown), key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (key === undefined) {
      guardedClasses.push({ target, name: (target as { name: string }).name });
      const prototype = (target as { prototype: object }).prototype;
      const own = ownGuards.get(prototype);
      for (const name of Object.getOwnPropertyNames(prototype)) {
        if (name === 'constructor' || own?.has(name)) continue;
        Extensions({ [GUARD]: requirements })(prototype, name, Object.getOwnPropertyDescriptor(prototype, name)!);
      }
      return;
    }
    const own = ownGuards.get(target) ?? new Set();
    own.add(key);
    ownGuards.set(target, own);
    (Extensions({ [GUARD]: requirements }) as MethodDecorator)(target, key, descriptor as PropertyDescriptor);
  }) as ClassDecorator & MethodDecorator & PropertyDecorator;
}

/** The requirements a built field carries, if it is guarded. */
export function guardOf(field: GraphQLField<unknown, unknown>): readonly string[] | undefined {
  return field.extensions?.[GUARD] as readonly string[] | undefined;
}

/**
 * Wraps every guarded field's resolver in the check. Run once on the built schema, before anything
 * else wraps the resolvers (the mutation scope opens outside the guard, as it did with type-graphql's).
 */
export function applyGuards(schema: GraphQLSchema): void {
  // On a resolver class the guard covers its methods. type-graphql's own decorator on an object type
  // class guarded every field of the type; this one cannot reach plain property fields, so it refuses
  // rather than leave them open.
  const typeClasses = new Set<unknown>([...getMetadataStorage().objectTypes, ...getMetadataStorage().interfaceTypes].map((type) => type.target));
  for (const { target, name } of guardedClasses)
    if (typeClasses.has(target)) throw new Error(`@Authorized on the object type ${name}: put it on each field (or on a resolver class) instead`);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const requirements = guardOf(field);
      if (!requirements) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      const roles = [...requirements];
      field.resolve = (root, args, context: Context, info) => {
        const decision = authChecker({ root, context }, roles);
        if (decision === true) return resolve(root, args, context, info);
        // Otherwise a promise that resolves once every requirement passed, or rejects with the refusal.
        return decision.then(() => resolve(root, args, context, info));
      };
    }
  }
}
