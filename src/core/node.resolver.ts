import type { EntityClass } from '@mikro-orm/postgresql';
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { Context } from './context';
import { byId } from './loaders';
import { badInput } from './pagination';
import { fromGlobalId, Node } from './node';

/** Every type `node(id)` can fetch, by its GraphQL name. Domain folders add theirs at import time. */
const nodeTypes = new Map<string, EntityClass<{ id: number }>>();

export function registerNodeTypes(...entities: EntityClass<{ id: number }>[]): void {
  for (const entity of entities) nodeTypes.set(entity.name, entity);
}

async function loadNode(ctx: Context, globalId: string): Promise<object | null> {
  const parsed = fromGlobalId(globalId);
  const entity = parsed && nodeTypes.get(parsed.typeName);
  if (!parsed || !entity) return null;
  return (await byId(ctx, entity).load(parsed.id)) ?? null;
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Fetches any object by its global ID; null when there is none.' })
  node(@Arg('id', () => ID, { description: 'A global ID.' }) id: string, @Ctx() ctx: Context): Promise<object | null> {
    return loadNode(ctx, id);
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: 'Fetches up to 100 objects by global ID, in order; null for each that does not exist.',
  })
  nodes(
    @Arg('ids', () => [ID], { description: 'Global IDs (at most 100).' }) ids: string[],
    @Ctx() ctx: Context,
  ): Promise<(object | null)[]> {
    if (ids.length > 100) throw badInput(`ids may hold at most 100 IDs; got ${ids.length}.`, 'ids');
    return Promise.all(ids.map((id) => loadNode(ctx, id)));
  }
}
