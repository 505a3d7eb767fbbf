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
/** The same from a row given as its columns' values, in `rowColumns` order (see `rowArraySql`). */
export type ArrayRowMapper<T> = (values: unknown[]) => T;

interface Compiled {
  keyed: RowMapper<unknown>;
  positional: ArrayRowMapper<unknown>;
  columns: string[];
  setters: Setter[];
  /** Column of each mapped property, by property name. */
  columnOf: Map<string, string>;
  /** The primary key, every many-to-one column and every other `*_id` column: what row rules, relations and loaders read. */
  keys: string[];
  /** The primary key's column. */
  primary: string;
  /** Positional mappers of column subsets, by the subset joined with commas. */
  subsets: Map<string, ArrayRowMapper<unknown>>;
  /** The same, by the column list itself (a plan's `columns`). */
  byArray: WeakMap<readonly string[], ArrayRowMapper<unknown>>;
  prototype: object;
}

const compiled = new WeakMap<EntityMetadata, Compiled>();

function compiledFor(em: EntityManager, entity: EntityClass<object>): Compiled {
  const meta = em.getMetadata().get(entity.name) as EntityMetadata;
  let found = compiled.get(meta);
  if (!found) compiled.set(meta, (found = compile(em, meta)));
  return found;
}

export function rowMapper<T extends object>(em: EntityManager, entity: EntityClass<T>): RowMapper<T> {
  return compiledFor(em, entity).keyed as RowMapper<T>;
}

/**
 * Maps a row given as its columns' values: all of them in `rowColumns` order, or only `columns` (a
 * subset in that order, as `columnsFor` gives it); properties of the columns left out stay undefined.
 */
export function arrayRowMapper<T extends object>(em: EntityManager, entity: EntityClass<T>, columns?: readonly string[]): ArrayRowMapper<T> {
  const found = compiledFor(em, entity);
  if (!columns) return found.positional as ArrayRowMapper<T>;
  // A plan's column list is one array, asked for on every row it primes: found by the array first.
  const known = found.byArray.get(columns);
  if (known) return known as ArrayRowMapper<T>;
  const key = columns.join(',');
  let mapper = found.subsets.get(key);
  if (!mapper) {
    const setters = columns.map((column) => found.setters[found.columns.indexOf(column)]);
    const { prototype } = found;
    const count = setters.length;
    mapper = (values) => {
      const object = Object.create(prototype) as Record<string, unknown>;
      for (let i = 0; i < count; i++) {
        const value = values[i];
        if (value !== undefined) setters[i](object, value);
      }
      return object;
    };
    found.subsets.set(key, mapper);
  }
  found.byArray.set(columns, mapper);
  return mapper as ArrayRowMapper<T>;
}

/** The columns a mapper reads, in the order a positional row lists them. */
export function rowColumns(em: EntityManager, entity: EntityClass<object>): readonly string[] {
  return compiledFor(em, entity).columns;
}

/**
 * The columns a read of `entity` needs for the given properties (GraphQL fields of the same name),
 * in `rowColumns` order, with the primary key and `also` (columns; by default every key: many-to-one
 * and other `*_id` columns); undefined when one of the properties is not a column, so the caller
 * reads them all.
 */
export function columnsFor(
  em: EntityManager,
  entity: EntityClass<object>,
  properties: Iterable<string>,
  also?: Iterable<string>,
): string[] | undefined {
  const found = compiledFor(em, entity);
  const wanted = new Set(also ? [found.primary, ...also] : found.keys);
  for (const property of properties) {
    const column = found.columnOf.get(property);
    if (!column) return undefined;
    wanted.add(column);
  }
  return found.columns.filter((column) => wanted.has(column));
}

/**
 * SQL for the row aliased `alias` as a JSON array of its columns' values in `rowColumns` order (or of
 * `columns` only): what look-ahead prefetch (core/prefetch.ts) reads rows as. `to_json(row)` wrote
 * every column's name again on every row, about a third of the bytes PostgreSQL built and Node
 * decoded; the values and their JSON forms are the same.
 */
export function rowArraySql(em: EntityManager, entity: EntityClass<object>, alias: string, columns?: readonly string[]): string {
  return `json_build_array(${rowValuesSql(em, entity, alias, columns)})`;
}

/** The same values as a list (`x."id", x."name"`), for an array that goes on with more values after them. */
export function rowValuesSql(em: EntityManager, entity: EntityClass<object>, alias: string, columns?: readonly string[]): string {
  const parts = (columns ?? rowColumns(em, entity)).map((column) => `${alias}."${column}"`);
  // PostgreSQL takes at most 100 arguments to a function, and an object's nested values follow its
  // columns in the same array; no Trellis table comes near.
  if (parts.length > 90) throw new Error(`${entity.name} has too many columns for json_build_array`);
  return parts.join(', ');
}

/** Sets the property of one column on a mapped object as the mappers do (a reference for a many-to-one). */
export function columnSetter(em: EntityManager, entity: EntityClass<object>, column: string): (object: object, value: unknown) => void {
  const found = compiledFor(em, entity);
  const setter = found.setters[found.columns.indexOf(column)];
  if (!setter) throw new Error(`${entity.name} has no column ${column}`);
  return setter as (object: object, value: unknown) => void;
}

/** How many values of a row's array (rowValuesSql) are its columns': `columns`, or all of them. */
export function rowWidth(em: EntityManager, entity: EntityClass<object>, columns?: readonly string[]): number {
  return (columns ?? rowColumns(em, entity)).length;
}

/** Maps every row; the usual call. */
export function mapRows<T extends object>(em: EntityManager, entity: EntityClass<T>, rows: Record<string, unknown>[]): T[] {
  const map = rowMapper(em, entity);
  return rows.map(map);
}

/** Sets one property of a mapped object from its column's value (never undefined here). */
type Setter = (object: Record<string, unknown>, value: unknown) => void;

function compile(em: EntityManager, meta: EntityMetadata): Compiled {
  const platform = em.getPlatform();
  const timezone = em.config.get('timezone');
  const setters: Setter[] = [];
  const columns: string[] = [];
  const names: string[] = [];
  const keys: string[] = [];
  for (const prop of Object.values(meta.properties) as EntityProperty[]) {
    if (prop.persist === false || !prop.fieldNames?.length) continue;
    const name = prop.name;
    if (prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) {
      const target = prop.targetMeta!;
      const targetPk = target.primaryKeys[0];
      const numericPk = target.properties[targetPk]?.runtimeType === 'number';
      // A reference is built by a constructor (one hidden class for all of them), not Object.create and a property added.
      const Reference = referenceClass(plainPrototype(target.class.prototype, [targetPk]), targetPk);
      keys.push(prop.fieldNames[0]);
      setters.push((object, id) => {
        object[name] = id === null ? null : new Reference(numericPk ? Number(id) : id);
      });
    } else if (prop.kind === ReferenceKind.SCALAR) {
      // Keys: the primary key, and ids of other rows kept as plain columns (alert.school_id): row rules and relations read them.
      if (prop.primary || prop.fieldNames[0].endsWith('_id')) keys.push(prop.fieldNames[0]);
      // The conversion is chosen once per column, not looked up for every value.
      const converter = converterFor(prop, platform, timezone);
      setters.push(
        converter
          ? (object, value) => {
              object[name] = value === null ? null : converter(value);
            }
          : (object, value) => {
              object[name] = value;
            },
      );
    } else continue;
    names.push(name);
    columns.push(prop.fieldNames[0]);
  }
  const prototype = plainPrototype(meta.class.prototype, names);
  const count = setters.length;
  return {
    columns,
    setters,
    columnOf: new Map(names.map((name, i) => [name, columns[i]])),
    keys,
    primary: meta.properties[meta.primaryKeys[0]].fieldNames[0],
    subsets: new Map(),
    byArray: new WeakMap(),
    prototype,
    keyed: (row) => {
      const object = Object.create(prototype) as Record<string, unknown>;
      for (let i = 0; i < count; i++) {
        const value = row[columns[i]];
        if (value !== undefined) setters[i](object, value);
      }
      return object;
    },
    positional: (values) => {
      const object = Object.create(prototype) as Record<string, unknown>;
      for (let i = 0; i < count; i++) {
        const value = values[i];
        if (value !== undefined) setters[i](object, value);
      }
      return object;
    },
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
