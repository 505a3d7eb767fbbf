import { GraphQLFieldResolver, GraphQLObjectType, GraphQLScalarType, GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';

/**
 * Calls `@FieldResolver` methods directly, without type-graphql's per-call machinery, where that
 * machinery does nothing for the field.
 *
 * type-graphql resolves every call to a field resolver by sorting the method's parameter list, running
 * each argument through its asynchronous validator (validation is off in Trellis: it only waits a
 * turn), and applying the method after a `Promise.all`. So every field with an argument (a page of
 * governors, a school's bodies of some kinds) answers with a promise even when its value is already
 * loaded, and a large read resolves thousands of them. Here the parameter getters are worked out once
 * per field, and the method is applied at once to the same values type-graphql would pass.
 *
 * Taken over: methods of `@Resolver` classes with no middleware, whose parameters are the root, the
 * context, the resolve info, arguments of scalar or enum type (`@Arg`), and argument classes whose
 * fields are all such (`@Args`, e.g. PageArgs). Anything else (input objects, custom parameter
 * decorators, a root that is not yet an instance of its class) stays with type-graphql, per field or
 * per call.
 */
export function leanFieldResolvers(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const typeNames = new Map<unknown, string>(storage.objectTypes.map((type) => [type.target, type.name]));
  const instances = new Map<unknown, Record<string, (...values: unknown[]) => unknown>>();
  for (const resolver of storage.fieldResolvers) {
    if (resolver.kind !== 'external' || resolver.middlewares?.length || resolver.roles?.length) continue;
    const typeName = typeNames.get(resolver.getObjectType?.());
    const type = typeName ? schema.getType(typeName) : undefined;
    if (!(type instanceof GraphQLObjectType)) continue;
    const field = type.getFields()[resolver.schemaName];
    const original = field?.resolve;
    if (!original) continue;
    const getters = parameterGetters(storage, resolver.params ?? []);
    if (!getters) continue;
    // One instance per resolver class, as type-graphql's default container keeps (resolver classes hold no state).
    let instance = instances.get(resolver.target);
    if (!instance) instances.set(resolver.target, (instance = new (resolver.target as new () => Record<string, never>)()));
    const method = instance[resolver.methodName];
    const target = instance;
    const count = getters.length;
    field.resolve = (root, args, context, info) => {
      const values = new Array<unknown>(count);
      for (let i = 0; i < count; i++) {
        const value = getters[i](root, args, context, info);
        if (value === TYPE_GRAPHQL) return original(root, args, context, info);
        values[i] = value;
      }
      return method.apply(target, values);
    };
  }
}

/** A getter's answer when type-graphql must resolve this call itself (a root it would convert). */
const TYPE_GRAPHQL = Symbol('type-graphql');

type Getter = GraphQLFieldResolver<any, any, Record<string, unknown>>;
type Storage = ReturnType<typeof getMetadataStorage>;
type Param = NonNullable<Storage['fieldResolvers'][number]['params']>[number];

/** Values type-graphql passes through unchanged (its `convertToType` returns them as they are). */
const SIMPLE = new Set<unknown>([String, Boolean, Number, Date]);

/** Whether an argument of this type reaches the method as GraphQL coerced it: scalars and enums, not input classes. */
function passesThrough(storage: Storage, target: unknown): boolean {
  if (target instanceof GraphQLScalarType || SIMPLE.has(target)) return true;
  // An enum is its TypeScript object; an input type is a class with metadata.
  return typeof target === 'object' && target !== null && !storage.inputTypes.some((input) => input.target === target);
}

/** The getter of each parameter, in the order type-graphql applies them; undefined when one is not ours to take. */
function parameterGetters(storage: Storage, params: Param[]): Getter[] | undefined {
  const getters: Getter[] = [];
  for (const param of [...params].sort((a, b) => a.index - b.index)) {
    const getter = parameterGetter(storage, param);
    if (!getter) return undefined;
    getters.push(getter);
  }
  return getters;
}

function parameterGetter(storage: Storage, param: Param): Getter | undefined {
  switch (param.kind) {
    case 'context': {
      const property = param.propertyName;
      return property ? (_root, _args, context) => context[property] : (_root, _args, context) => context;
    }
    case 'info':
      return (_root, _args, _context, info) => info;
    case 'root': {
      if (param.propertyName) return undefined;
      const Target = param.getType?.();
      if (!Target || Target instanceof GraphQLScalarType) return (root) => root;
      if (typeof Target !== 'function') return undefined;
      // type-graphql copies a root that is not an instance into a new one; those calls stay with it.
      return (root) => (root == null || root instanceof Target || SIMPLE.has(root.constructor) ? root : TYPE_GRAPHQL);
    }
    case 'arg': {
      if (param.validateSettings !== undefined || param.validateFn) return undefined;
      if (!passesThrough(storage, param.getType())) return undefined;
      const name = param.name;
      return (_root, args) => args[name];
    }
    case 'args': {
      if (param.validateSettings !== undefined || param.validateFn) return undefined;
      const ArgsClass = param.getType() as new () => Record<string, unknown>;
      const fields: string[] = [];
      // The class's own fields and its superclasses', as type-graphql collects them.
      for (let target: unknown = ArgsClass; target && target !== Function.prototype; target = Object.getPrototypeOf(target)) {
        const argsType = storage.argumentTypes.find((type) => type.target === target);
        for (const field of argsType?.fields ?? []) {
          if (!passesThrough(storage, field.getType())) return undefined;
          fields.push(field.name);
        }
      }
      // type-graphql's convertToType: a new instance, its initialised-but-undefined properties dropped
      // unless given, then the arguments given assigned over it.
      return (_root, args) => {
        const given: Record<string, unknown> = {};
        for (const name of fields) if (args[name] !== undefined) given[name] = args[name];
        const instance = new ArgsClass();
        for (const key of Object.keys(instance)) if (instance[key] === undefined && !(key in given)) delete instance[key];
        return Object.assign(instance, given);
      };
    }
    default:
      return undefined;
  }
}
