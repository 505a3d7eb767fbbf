import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { getMetadataStorage } from 'type-graphql';
import { LoaderRegistry } from '../src/core/context';
import { Loader } from '../src/core/loaders';
import { trellisSchema } from '../src/server/schema';

/**
 * Two ways the read path answers without per-field promises (issue 10): plain property fields have no
 * resolver (graphql-jit reads them inline), and a loader hands back what a prefetch primed at once.
 */
describe('plain fields (server/schema.ts plainFields)', () => {
  it('leave every property field without a resolver, keep every computed and guarded one', async () => {
    const schema = await trellisSchema();
    const storage = getMetadataStorage();
    const computed = new Set(storage.fieldResolvers.map((r) => `${(r.getObjectType?.() as { name?: string } | undefined)?.name}.${r.methodName}`));
    let plain = 0;
    for (const type of storage.objectTypes) {
      const built = schema.getType(type.name);
      if (!isObjectType(built)) continue;
      for (const field of type.fields ?? []) {
        const resolve = built.getFields()[field.schemaName]?.resolve;
        const guarded = !!built.getFields()[field.schemaName]?.extensions?.trellisGuard;
        if (computed.has(`${(field.target as { name: string }).name}.${field.name}`) || guarded) expect(resolve, `${type.name}.${field.schemaName}`).toBeTypeOf('function');
        else if (field.name === field.schemaName) {
          expect(resolve, `${type.name}.${field.schemaName}`).toBeUndefined();
          plain += 1;
        } else expect(resolve!({ [field.name]: 'value' }, {}, {}, {} as never), `${type.name}.${field.schemaName}`).toBe('value');
      }
    }
    // Names, kinds, dates and the like across the schema: hundreds of them.
    expect(plain).toBeGreaterThan(200);
    // Fields a type inherits (every connection's edges, pageInfo and totalCount, every edge's node
    // and cursor come from the generic classes in core/pagination.ts) are plain too; a total, which
    // may be a promise (counted on demand), is read by a resolver as plain as one can be.
    const resolvedFor = new Set(storage.fieldResolvers.map((r) => `${(r.getObjectType?.() as { name?: string } | undefined)?.name}.${r.schemaName}`));
    let inherited = 0;
    for (const type of storage.objectTypes) {
      const built = schema.getType(type.name);
      if (!isObjectType(built) || !/(Edge|Connection)$/.test(type.name)) continue;
      for (const name of ['node', 'cursor', 'edges', 'pageInfo', 'totalCount']) {
        const field = built.getFields()[name];
        const own = (type.fields ?? []).some((f) => f.schemaName === name);
        if (!field || own || resolvedFor.has(`${type.name}.${name}`) || field.extensions?.trellisGuard) continue;
        if (name === 'totalCount') {
          expect(field.resolve!({ [name]: 'value' }, {}, {}, {} as never), `${type.name}.${name}`).toBe('value');
          expect(field.resolve!.length, `${type.name}.${name}: a plain read`).toBe(1);
        } else expect(field.resolve, `${type.name}.${name}`).toBeUndefined();
        inherited += 1;
      }
    }
    expect(inherited).toBeGreaterThan(50);
    const school = schema.getType('School');
    if (!isObjectType(school)) throw new Error('School is an object type');
    for (const name of ['name', 'urn', 'phase']) expect(school.getFields()[name].resolve, `School.${name}`).toBeUndefined();
  });
});

describe('Loader (core/loaders.ts)', () => {
  it('answers a primed key at once, an unprimed key with the batch, and forgets what is cleared', async () => {
    const batches: number[][] = [];
    const loader = new Loader<number, string | undefined>(async (keys) => {
      batches.push([...keys]);
      return keys.map((key) => `loaded ${key}`);
    });
    loader.prime(1, 'primed 1');
    loader.prime(2, undefined); // primed as not found (a row the viewer may not read)
    expect(loader.loadNow(1)).toBe('primed 1');
    expect(loader.loadNow(2)).toBeUndefined();
    // The first value primed is kept, as DataLoader keeps it.
    loader.prime(1, 'primed again');
    expect(loader.loadNow(1)).toBe('primed 1');
    expect(await loader.load(1)).toBe('primed 1');
    const three = loader.loadNow(3);
    expect(three).toBeInstanceOf(Promise);
    expect(await three).toBe('loaded 3');
    expect(batches).toEqual([[3]]);
    loader.clear(1);
    expect(await loader.loadNow(1)).toBe('loaded 1');
    loader.prime(4, 'primed 4');
    loader.clearAll();
    expect(loader.loadNow(4)).toBeInstanceOf(Promise);
    // An error primed is not a value: it is loaded (and rejected) as DataLoader does.
    loader.clearAll();
    loader.prime(5, new Error('no'));
    await expect(loader.loadNow(5) as Promise<unknown>).rejects.toThrow('no');
  });
});

describe('LoaderRegistry.atPosition (core/context.ts)', () => {
  it('works a value out once per position, and again after a failure', () => {
    const loaders = new LoaderRegistry();
    const here: readonly unknown[] = [{}];
    const there: readonly unknown[] = [{}];
    let made = 0;
    const make = () => ({ made: ++made });
    expect(loaders.atPosition(here, make)).toBe(loaders.atPosition(here, make));
    expect(loaders.atPosition(there, make)).not.toBe(loaders.atPosition(here, make));
    expect(made).toBe(2);
    // A bad argument (a cursor that does not decode) throws at every call, as without the cache.
    const failing: readonly unknown[] = [{}];
    for (let i = 0; i < 2; i++)
      expect(() =>
        loaders.atPosition(failing, () => {
          throw new Error('bad cursor');
        }),
      ).toThrow('bad cursor');
    // Each request has its own registry.
    expect(new LoaderRegistry().atPosition(here, make)).toEqual({ made: 3 });
  });
});
