import { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, ObjectType, Resolver, Root } from 'type-graphql';
import { childConnection, ChildList, childPages, whenReady } from '../core/loaders';
import { ConnectionType, EdgeType, PageArgs, readPage } from '../core/pagination';
import { pagePrefetcher, pageVariant, registerPrefetch, relationPrefetcher, rowVariant } from '../core/prefetch';
import { TriggerRule } from './trigger-rule.entity';
import type { Context } from '../core/context';
import { School } from '../schools/school.entity';
import { Alert } from './alert.entity';
import { AlertStatus } from './alert.enums';

@ObjectType({ description: "An edge in a school's list of alerts; its cursor is the alert's position in that list (newest first)." })
export class SchoolAlertEdge extends EdgeType(Alert, 'The alert.') {}

@ObjectType({ description: "A page of one school's alerts, newest first." })
export class SchoolAlertConnection extends ConnectionType(SchoolAlertEdge) {}

const isPosition = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

/** A list spec per set of statuses, so each distinct filter gets its own loader (and its own cursors). */
function schoolAlertList(statuses?: AlertStatus[] | null): ChildList {
  const wanted = statuses?.length ? [...new Set(statuses)].sort() : undefined;
  return {
    // The statuses are part of the list's name: a cursor of one filtered list is refused by another.
    list: wanted ? `School.alerts:${wanted.join(',')}` : 'School.alerts',
    table: 'alert',
    parentColumn: 'school_id',
    where: wanted ? 't.status = any(?::text[])' : undefined,
    params: wanted ? [`{${wanted.join(',')}}`] : undefined,
    orderBy: 't.raised_at desc, t.id desc',
  };
}

// The same pages in the statement of the list above the school, under the same row rule (core/prefetch.ts).
registerPrefetch('School', 'alerts', pagePrefetcher(Alert, 'Alert', (args) => schoolAlertList(args.status)));
registerPrefetch('Alert', 'rule', relationPrefetcher(TriggerRule, 'trigger_rule', 'rule_id', (alert) => alert.ruleId, 'TriggerRule'));

/**
 * A school's alerts, for the executive head's morning view of every member school. One statement per
 * page of schools (a window per school); alerts the viewer may not read (auth/policy.ts's rule for
 * `alert`) are left out of edges, cursors and totals, as in the `alerts` inbox.
 */
@Resolver(() => School)
export class SchoolAlertsResolver {
  @FieldResolver(() => SchoolAlertConnection, {
    description:
      "This school's alerts that the caller may read, newest first (empty for callers who do not reach the school's alerts).",
  })
  alerts(
    @Root() school: School,
    @Ctx() ctx: Context,
    @Args() pageArgs: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('status', () => [AlertStatus], { nullable: true, description: 'Only alerts in these states (all when left out).' })
    status?: AlertStatus[] | null,
  ) {
    const { spec, page, loader } = ctx.loaders.atPosition(info.fieldNodes, () => {
      const spec = schoolAlertList(status);
      const page = readPage(spec.list, pageArgs, isPosition);
      // Only the total when only the total is asked (a prefetched count-only page is kept under its own key).
      return { spec, page, loader: childPages(ctx, Alert, spec, page, undefined, pageVariant(info) ?? rowVariant(ctx, info, 'Alert', true)) };
    });
    return whenReady(loader.loadNow(school.id), (result) => childConnection(spec, page, result, (node, cursor) => ({ node, cursor })));
  }
}
