import 'reflect-metadata';
import { graphql, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { Arg, Args, ArgsType, buildSchema, Ctx, Field, FieldResolver, InputType, Int, ObjectType, Query, registerEnumType, Resolver, Root } from 'type-graphql';
import { describe, expect, it } from 'vitest';
import { leanFieldResolvers } from '../src/server/lean-resolvers';

// A schema of its own (this file runs in its own worker, so these types never reach Trellis's).
enum Colour {
  RED = 'red',
  BLUE = 'blue',
}
registerEnumType(Colour, { name: 'Colour' });

@ArgsType()
class Paging {
  @Field(() => Int, { defaultValue: 20 })
  first: number = 20;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@InputType()
class Filter {
  @Field()
  name!: string;
}

@ObjectType()
class Box {
  @Field()
  id!: number;
}

const seen: unknown[][] = [];

@Resolver(() => Box)
class BoxResolver {
  @Query(() => [Box])
  boxes(): Box[] {
    return [Object.assign(new Box(), { id: 1 }), { id: 2 } as Box];
  }

  @FieldResolver(() => String)
  described(@Root() box: Box, @Ctx() context: { label: string }, @Args() paging: Paging, @Arg('colour', () => [Colour], { nullable: true }) colour?: Colour[]): string {
    seen.push([box, paging, colour]);
    return `${context.label} ${box.id} ${paging.first} ${paging.after ?? '-'} ${colour?.join('+') ?? 'any'} ${box instanceof Box} ${paging instanceof Paging}`;
  }

  @FieldResolver(() => String)
  filtered(@Root() box: Box, @Arg('filter', () => Filter) filter: Filter): string {
    return `${box.id} ${filter.name} ${filter instanceof Filter}`;
  }
}

async function schemas(): Promise<{ typeGraphql: GraphQLSchema; lean: GraphQLSchema }> {
  const build = () => buildSchema({ resolvers: [BoxResolver], validate: false });
  const lean = await build();
  leanFieldResolvers(lean);
  return { typeGraphql: await build(), lean };
}

describe('lean field resolvers (server/lean-resolvers.ts)', () => {
  it('pass the method what type-graphql passes, at once, and leave input objects and plain roots to type-graphql', async () => {
    const { typeGraphql, lean } = await schemas();
    const query = `{ boxes { id all: described described(first: 5, after: "x", colour: [RED, BLUE]) filtered(filter: { name: "f" }) } }`;
    const answers = [];
    for (const schema of [typeGraphql, lean]) {
      seen.length = 0;
      answers.push(await graphql({ schema, source: query, contextValue: { label: 'L' } }));
    }
    expect(answers[0].errors).toBeUndefined();
    // The same answer; the plain-object root ({ id: 2 }) became a Box on both (type-graphql converted it).
    expect(answers[1]).toEqual(answers[0]);
    expect((answers[1].data as any).boxes[1].all).toBe('L 2 20 - any true true');
    expect((answers[1].data as any).boxes[0].described).toBe('L 1 5 x red+blue true true');

    const fields = (lean.getType('Box') as GraphQLObjectType).getFields();
    const root = Object.assign(new Box(), { id: 3 });
    // Taken over: answers at once, with a Paging instance (defaults applied by GraphQL arrive as given).
    const described = fields.described.resolve!(root, { first: 7 }, { label: 'now' }, {} as never);
    expect(described).toBe('now 3 7 - any true true');
    // An input object argument: still type-graphql's resolver, which answers with a promise.
    const filtered = fields.filtered.resolve!(root, { filter: { name: 'g' } }, {}, {} as never);
    expect(filtered).toBeInstanceOf(Promise);
    expect(await filtered).toBe('3 g true');
  });
});
