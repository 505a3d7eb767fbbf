import fs from 'node:fs';
import { isObjectType, isInterfaceType, isInputObjectType, isEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printTrellisSchema, schemaFile, trellisSchema } from '../src/server/schema';

describe('schema/schema.graphql', () => {
  it('is the schema the code builds (run `npm run schema` when this fails)', async () => {
    const committed = fs.readFileSync(schemaFile, 'utf8');
    expect(committed).toBe(printTrellisSchema(await trellisSchema()));
  });

  it('describes every type, field, argument and enum value', async () => {
    const schema = await trellisSchema();
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
