import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Relay's Node interface. Every entity a client may refetch implements it; its `id` is an opaque
 * global ID (base64url of "Type:databaseId") so clients never build IDs or depend on table keys.
 */
/** The GraphQL type of a value: entities and plain rows (core/rows.ts) carry their entity class. */
export const nodeTypeName = (value: object): string => value.constructor.name;

@InterfaceType({
  description: 'An object with a stable, opaque global ID that can be refetched with `node(id)`.',
  resolveType: nodeTypeName,
})
export abstract class Node {
  @Field(() => ID, { name: 'id', description: 'Opaque global ID of this object.' })
  readonly nodeId!: string;
}

export interface GlobalId {
  typeName: string;
  id: number;
}

export function toGlobalId(typeName: string, id: number): string {
  return Buffer.from(`${typeName}:${id}`, 'utf8').toString('base64url');
}

/** Reads a global ID; returns undefined for anything that is not one (callers report it). */
export function fromGlobalId(globalId: string): GlobalId | undefined {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const match = /^([A-Za-z]+):([1-9][0-9]{0,9})$/.exec(decoded);
  if (!match || toGlobalId(match[1], Number(match[2])) !== globalId) return undefined;
  const id = Number(match[2]);
  if (id > 2_147_483_647) return undefined;
  return { typeName: match[1], id };
}
