import { GraphQLError } from 'graphql';
import { ArgsType, ClassType, Extensions, Field, Int, ObjectType } from 'type-graphql';

/** Bounds on `first`, as GitHub's API has them: every list is paged, and no page is unbounded. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

@ObjectType({ description: 'Where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field({ description: 'Whether more items follow this page.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether items come before this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item on this page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item on this page; pass it as `after` for the next page.' })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { defaultValue: DEFAULT_PAGE_SIZE, description: `How many items to return (1 to ${MAX_PAGE_SIZE}).` })
  first: number = DEFAULT_PAGE_SIZE;

  @Field(() => String, { nullable: true, description: 'Return items after this cursor.' })
  after?: string | null;
}

/** A page request, checked: `size` is within bounds and `after` is the decoded cursor, if any. */
export interface Page<TKey> {
  size: number;
  after?: TKey;
}

export function badInput(message: string, argument: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

/** Cursors are opaque to clients: a tagged, base64url-encoded JSON of the sort key. */
export function encodeCursor(list: string, key: unknown): string {
  if (typeof key === 'number' && Number.isInteger(key) && key > 0 && key <= POSITIONS_KEPT) return positionCursor(list, key);
  return Buffer.from(JSON.stringify([list, key]), 'utf8').toString('base64url');
}

/**
 * Cursors of positions in nested lists (`encodeCursor(list, 3)`), kept per list: a large read writes
 * one per edge, hundreds per request, and there are only as many as a list's longest page.
 */
const POSITIONS_KEPT = 1_000;
const positionCursors = new Map<string, string[]>();
function positionCursor(list: string, position: number): string {
  let cursors = positionCursors.get(list);
  if (!cursors) positionCursors.set(list, (cursors = []));
  return (cursors[position] ??= Buffer.from(JSON.stringify([list, position]), 'utf8').toString('base64url'));
}

export function readPage<TKey>(list: string, args: PageArgs, isKey: (value: unknown) => value is TKey): Page<TKey> {
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}; got ${args.first}.`, 'first');
  }
  if (args.after == null) return { size: args.first };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(args.after, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded[0] !== list || !isKey(decoded[1])) {
    throw badInput(`after is not a cursor of this list (${list}).`, 'after');
  }
  return { size: args.first, after: decoded[1] };
}

export const isPosition = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

export interface EdgeShape<TNode> {
  node: TNode;
  cursor: string;
}

export interface ConnectionShape<TEdge> {
  edges: TEdge[];
  pageInfo: PageInfo;
  /** A getter, so the count (a query of its own for top-level lists) runs only when asked for. */
  readonly totalCount: Promise<number> | number;
}

/** Builds a connection from rows fetched with one extra row (size + 1) to learn whether more follow. */
export function connectionOf<TRow, TEdge extends { cursor: string }>(
  rows: TRow[],
  page: Page<unknown>,
  toEdge: (row: TRow) => TEdge,
  totalCount: () => Promise<number> | number,
): ConnectionShape<TEdge> {
  const edges = rows.slice(0, page.size).map(toEdge);
  const pageInfo = {
    hasNextPage: rows.length > page.size,
    hasPreviousPage: page.after !== undefined,
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges[edges.length - 1]?.cursor ?? null,
  };
  return new Connection(edges, pageInfo, totalCount);
}

/**
 * A page whose total is counted when first read. A class, not an object literal with a getter: V8
 * kept every literal's getter, and the request it closed over, alive through minor collections until
 * a full one (see server/executor.ts for the same pattern in Apollo's gateway).
 */
class Connection<TEdge> implements ConnectionShape<TEdge> {
  private counted: Promise<number> | number | undefined;

  constructor(
    readonly edges: TEdge[],
    readonly pageInfo: PageInfo,
    private readonly count: () => Promise<number> | number,
  ) {}

  get totalCount(): Promise<number> | number {
    return (this.counted ??= this.count());
  }
}

export function EdgeType<TNode extends object>(nodeType: ClassType<TNode>, nodeDescription: string) {
  @ObjectType()
  abstract class Edge {
    @Field(() => nodeType, { description: nodeDescription })
    node!: TNode;

    @Field({ description: 'Opaque cursor of this edge, for `after`.' })
    cursor!: string;
  }
  return Edge;
}

/**
 * Marks a field whose value may be a promise (a connection's total, counted only when asked for). The
 * compiled executor reads a field without a resolver inline and cannot wait for it, so such a field
 * keeps a plain resolver (server/schema.ts plainFields). An edge's node and cursor are values.
 */
export const MAY_WAIT = 'trellisMayWait';

export function ConnectionType<TEdge extends object>(edgeType: ClassType<TEdge>) {
  @ObjectType()
  abstract class Connection {
    @Field(() => [edgeType], { description: 'The items on this page, with their cursors.' })
    edges!: TEdge[];

    @Field(() => PageInfo, { description: 'Where this page sits in the list.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'How many items the whole list holds.' })
    @Extensions({ [MAY_WAIT]: true })
    totalCount!: number;
  }
  return Connection;
}
