import { ReferenceKind, type EntityClass, type EntityManager, type EntityMetadata, type EntityProperty } from '@mikro-orm/core';

/**
 * Plain SQL rows to read-only objects of an entity class, without MikroORM's entity factory, identity
 * map or unit of work. Reads (the loaders in core/loaders.ts) hydrated every row of every list through
 * `em.map`, which merges into the request's identity map and wires change tracking: on an
 * England-sized query that bookkeeping and its garbage were most of the CPU. Writes still go through
 * the EntityManager (mutations load what they change with `em.findOne`), so nothing read here is ever
 * flushed.
 *
 * What a resolver sees is the same as after `em.map`: an instance of the entity class (so its getters
 * such as `nodeId` work and `constructor.name` names its row rule in auth/policy.ts), scalar columns
 * converted the way MikroORM converts them (custom types such as decimals as numbers, timestamps as
 * Dates), and each many-to-one relation as a reference holding its primary key (`row.school.id`).
 */
export type RowMapper<T> = (row: Record<string, unknown>) => T;

const mappers = new WeakMap<EntityMetadata, RowMapper<unknown>>();

export function rowMapper<T extends object>(em: EntityManager, entity: EntityClass<T>): RowMapper<T> {
  const meta = em.getMetadata().get(entity.name) as EntityMetadata;
  let mapper = mappers.get(meta);
  if (!mapper) {
    mapper = compile(em, meta);
    mappers.set(meta, mapper);
  }
  return mapper as RowMapper<T>;
}

/** Maps every row; the usual call. */
export function mapRows<T extends object>(em: EntityManager, entity: EntityClass<T>, rows: Record<string, unknown>[]): T[] {
  const map = rowMapper(em, entity);
  return rows.map(map);
}

type Assign = (target: Record<string, unknown>, row: Record<string, unknown>) => void;

function compile(em: EntityManager, meta: EntityMetadata): RowMapper<unknown> {
  const platform = em.getPlatform();
  const timezone = em.config.get('timezone');
  const assigns: Assign[] = [];
  const names: string[] = [];
  for (const prop of Object.values(meta.properties) as EntityProperty[]) {
    if (prop.persist === false || !prop.fieldNames?.length) continue;
    const column = prop.fieldNames[0];
    const name = prop.name;
    if (prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) {
      const target = prop.targetMeta!;
      const targetPk = target.primaryKeys[0];
      const numericPk = target.properties[targetPk]?.runtimeType === 'number';
      // A reference is built by a constructor (one hidden class for all of them), not Object.create and a property added.
      const Reference = referenceClass(plainPrototype(target.class.prototype, [targetPk]), targetPk);
      names.push(name);
      assigns.push((object, row) => {
        const id = row[column];
        if (id === undefined) return;
        object[name] = id === null ? null : new Reference(numericPk ? Number(id) : id);
      });
    } else if (prop.kind === ReferenceKind.SCALAR) {
      names.push(name);
      // The conversion is chosen once per column, not looked up for every value.
      const converter = converterFor(prop, platform, timezone);
      assigns.push(
        converter
          ? (object, row) => {
              const value = row[column];
              if (value !== undefined) object[name] = value === null ? null : converter(value);
            }
          : (object, row) => {
              const value = row[column];
              if (value !== undefined) object[name] = value;
            },
      );
    }
  }
  const prototype = plainPrototype(meta.class.prototype, names);
  return (row) => {
    const object = Object.create(prototype) as Record<string, unknown>;
    for (const assign of assigns) assign(object, row);
    return object;
  };
}

/**
 * A prototype under the entity's own: MikroORM puts change-tracking accessors on the entity prototype
 * for every property, and this layer shadows them with plain writable slots, so assigning a column
 * creates an ordinary own property (fast, fixed-shape objects) while getters such as `nodeId`,
 * `instanceof` and `constructor.name` still come from the entity class.
 */
function plainPrototype(entityPrototype: object, names: string[]): object {
  const prototype = Object.create(entityPrototype);
  for (const name of names) Object.defineProperty(prototype, name, { value: undefined, writable: true, enumerable: false, configurable: true });
  return prototype;
}

/** A constructor of reference objects `{ [pk]: id }` under `prototype`. */
function referenceClass(prototype: object, pk: string): new (id: unknown) => Record<string, unknown> {
  function Reference(this: Record<string, unknown>, id: unknown) {
    this[pk] = id;
  }
  Reference.prototype = prototype;
  return Reference as unknown as new (id: unknown) => Record<string, unknown>;
}

/**
 * The conversion MikroORM's hydrator applies to a scalar column (custom types, booleans, timestamps),
 * or undefined when the value is used as it comes. Null stays null (the caller checks).
 */
function converterFor(
  prop: EntityProperty,
  platform: ReturnType<EntityManager['getPlatform']>,
  timezone: string | undefined,
): ((value: unknown) => unknown) | undefined {
  if (prop.customType) {
    const type = prop.customType;
    return (value) => type.convertToJSValue(value, platform);
  }
  if (prop.runtimeType === 'boolean') return (value) => !!value;
  if (prop.runtimeType === 'Date')
    return (value) => {
      if (value instanceof Date) return value;
      if (typeof value === 'number') return new Date(value);
      const text = String(value);
      if (!timezone || timezone === 'local' || text.includes('+') || text.lastIndexOf('-') > 10 || text.endsWith('Z')) return new Date(text);
      return new Date(text + timezone);
    };
  return undefined;
}
