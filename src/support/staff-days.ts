import DataLoader from 'dataloader';
import { Ctx, Field, FieldResolver, Float, Int, ObjectType, Resolver, Root } from 'type-graphql';
import { Authorized } from '../auth/guard';
import { Access } from '../auth/auth-checker';
import { rowFilter } from '../auth/policy';
import { intArray } from '../auth/viewer';
import type { Context } from '../core/context';
import { currentMembership } from '../core/current';
import { Group } from '../groups/group.entity';
import { School } from '../schools/school.entity';
import { SupportLink } from './support-link.entity';

/*
 * Staff days committed and delivered (issue 11, partnership governance): per support link, rolled up per
 * school (given and received) and per group (given and received by its current member schools, and
 * brokered through it), with shortfalls. One definition of what is due by today, shared with the
 * SUPPORT_SHORTFALL rule (alerts/evaluation.ts): the days committed spread evenly from the day the
 * support started to the day it ends, so a link halfway through owes half its days; a link with no end
 * date owes nothing by a date (its days are outstanding, not short). Rollups count only the links the
 * caller may read (the SupportLink row rule), each in one statement for a whole page of schools or groups.
 */

/** Days due by today under a link (SQL on alias `l`); null for a link with no end date. */
export const expectedToDateSql = (l: string): string =>
  `case when ${l}.started_on > current_date then 0 when ${l}.ends_on is null then null
     when ${l}.ends_on <= ${l}.started_on then ${l}.staff_days_committed
     else round(${l}.staff_days_committed * least(1, (current_date - ${l}.started_on)::numeric / (${l}.ends_on - ${l}.started_on)), 1) end`;

const today = () => new Date().toISOString().slice(0, 10);
const days = (from: string, to: string) => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;

/** The same as expectedToDateSql, for one link already read. */
export function expectedToDate(link: Pick<SupportLink, 'startedOn' | 'endsOn' | 'staffDaysCommitted'>): number | null {
  const now = today();
  if (link.startedOn > now) return 0;
  if (!link.endsOn) return null;
  if (link.endsOn <= link.startedOn) return Number(link.staffDaysCommitted);
  const share = Math.min(1, days(link.startedOn, now) / days(link.startedOn, link.endsOn));
  return Math.round(Number(link.staffDaysCommitted) * share * 10) / 10;
}

@Resolver(() => SupportLink)
@Authorized(Access.SUPPORT)
export class SupportLinkStaffDaysResolver {
  @FieldResolver(() => Float, {
    nullable: true,
    description:
      'Staff days due by today: those committed, spread evenly from the start to the end date (0 before it starts); null with no end date.',
  })
  staffDaysExpectedToDate(@Root() link: SupportLink): number | null {
    return expectedToDate(link);
  }

  @FieldResolver(() => Float, { description: 'Staff days committed and not yet delivered.' })
  staffDaysOutstanding(@Root() link: SupportLink): number {
    return Math.round((Number(link.staffDaysCommitted) - Number(link.staffDaysDelivered)) * 10) / 10;
  }

  @FieldResolver(() => Float, { description: 'Staff days due by today and not delivered (0 when on track or with no end date).' })
  staffDaysShortfall(@Root() link: SupportLink): number {
    const expected = expectedToDate(link);
    return expected == null ? 0 : Math.max(0, Math.round((expected - Number(link.staffDaysDelivered)) * 10) / 10);
  }
}

@ObjectType({ description: 'Staff days over a set of support links: committed, delivered, due by today and short.' })
export class StaffDaysTotals {
  @Field(() => Int, { description: 'Support links counted.' })
  links!: number;

  @Field(() => Float, { description: 'Staff days committed.' })
  committed!: number;

  @Field(() => Float, { description: 'Staff days delivered.' })
  delivered!: number;

  @Field(() => Float, { description: 'Staff days due by today (links with no end date count nothing).' })
  expectedToDate!: number;

  @Field(() => Float, { description: 'Staff days committed and not yet delivered.' })
  outstanding!: number;

  @Field(() => Float, { description: 'Staff days due by today and not delivered, summed over the links behind.' })
  shortfall!: number;

  @Field(() => Int, { description: 'Links behind: fewer days delivered than due by today.' })
  linksShort!: number;
}

@ObjectType({ description: 'Staff days a school gives and receives, over the support links you may read.' })
export class SchoolStaffDays {
  @Field(() => StaffDaysTotals, { description: 'Support the school gives.' })
  given!: StaffDaysTotals;

  @Field(() => StaffDaysTotals, { description: 'Support the school receives.' })
  received!: StaffDaysTotals;
}

@ObjectType({ description: "Staff days of a group's current member schools, and of the support brokered through it, over the links you may read." })
export class GroupStaffDays {
  @Field(() => StaffDaysTotals, { description: 'Support its member schools give (to anyone).' })
  given!: StaffDaysTotals;

  @Field(() => StaffDaysTotals, { description: 'Support its member schools receive (from anyone).' })
  received!: StaffDaysTotals;

  @Field(() => StaffDaysTotals, { description: 'Support brokered through the group, between whichever schools.' })
  brokered!: StaffDaysTotals;
}

const TOTALS = `count(*)::int as links, coalesce(sum(l.staff_days_committed), 0)::float8 as committed,
  coalesce(sum(l.staff_days_delivered), 0)::float8 as delivered, coalesce(sum(coalesce(l.expected, 0)), 0)::float8 as expected,
  coalesce(sum(l.staff_days_committed - l.staff_days_delivered), 0)::float8 as outstanding,
  coalesce(sum(greatest(coalesce(l.expected, 0) - l.staff_days_delivered, 0)), 0)::float8 as shortfall,
  (count(*) filter (where coalesce(l.expected, 0) > l.staff_days_delivered))::int as short`;

interface TotalsRow {
  parent: number;
  side: string;
  links: number;
  committed: number;
  delivered: number;
  expected: number;
  outstanding: number;
  shortfall: number;
  short: number;
}

const tenth = (n: number) => Math.round(Number(n) * 10) / 10;
const EMPTY: Omit<TotalsRow, 'parent' | 'side'> = { links: 0, committed: 0, delivered: 0, expected: 0, outstanding: 0, shortfall: 0, short: 0 };
function totals(row: Omit<TotalsRow, 'parent' | 'side'> | undefined): StaffDaysTotals {
  const r = row ?? EMPTY;
  return Object.assign(new StaffDaysTotals(), {
    links: r.links,
    committed: tenth(r.committed),
    delivered: tenth(r.delivered),
    expectedToDate: tenth(r.expected),
    outstanding: tenth(r.outstanding),
    shortfall: tenth(r.shortfall),
    linksShort: r.short,
  });
}

/** Rows of `support_link` the viewer may read, with what is due by today, as the CTE `links`. */
async function visibleLinks(ctx: Context): Promise<{ sql: string; params: unknown[] }> {
  const visible = await rowFilter(ctx.viewer, 'support_link');
  return {
    sql: `links as (select t.*, ${expectedToDateSql('t')} as expected from support_link t${visible ? ` where (${visible.sql})` : ''})`,
    params: visible?.params ?? [],
  };
}

function byParent(rows: TotalsRow[]): Map<string, TotalsRow> {
  return new Map(rows.map((row) => [`${row.parent}:${row.side}`, row]));
}

@Resolver(() => School)
@Authorized(Access.SUPPORT)
export class SchoolStaffDaysResolver {
  @FieldResolver(() => SchoolStaffDays, { description: 'Staff days the school gives and receives, with shortfalls (support links you may read).' })
  staffDays(@Root() school: School, @Ctx() ctx: Context): Promise<SchoolStaffDays> {
    return ctx.loaders
      .get(
        'School.staffDays',
        () =>
          new DataLoader<number, SchoolStaffDays>(async (ids) => {
            const links = await visibleLinks(ctx);
            const rows: TotalsRow[] = await ctx.em.getConnection().execute(
              `with ${links.sql}
               select l.giver_id as parent, 'given' as side, ${TOTALS} from links l where l.giver_id = any(?::int[]) group by l.giver_id
               union all
               select l.receiver_id, 'received', ${TOTALS} from links l where l.receiver_id = any(?::int[]) group by l.receiver_id`,
              [...links.params, intArray(ids), intArray(ids)],
            );
            const found = byParent(rows);
            return ids.map((id) =>
              Object.assign(new SchoolStaffDays(), { given: totals(found.get(`${id}:given`)), received: totals(found.get(`${id}:received`)) }),
            );
          }),
      )
      .load(school.id);
  }
}

@Resolver(() => Group)
@Authorized(Access.SUPPORT)
export class GroupStaffDaysResolver {
  @FieldResolver(() => GroupStaffDays, {
    description: 'Staff days its current member schools give and receive, and of support brokered through it, with shortfalls (links you may read).',
  })
  staffDays(@Root() group: Group, @Ctx() ctx: Context): Promise<GroupStaffDays> {
    return ctx.loaders
      .get(
        'Group.staffDays',
        () =>
          new DataLoader<number, GroupStaffDays>(async (ids) => {
            const links = await visibleLinks(ctx);
            const members = `members as (select m.group_id, m.school_id from membership m where m.group_id = any(?::int[]) and ${currentMembership('m')})`;
            const rows: TotalsRow[] = await ctx.em.getConnection().execute(
              `with ${links.sql}, ${members}
               select m.group_id as parent, 'given' as side, ${TOTALS} from members m join links l on l.giver_id = m.school_id group by m.group_id
               union all
               select m.group_id, 'received', ${TOTALS} from members m join links l on l.receiver_id = m.school_id group by m.group_id
               union all
               select l.group_id, 'brokered', ${TOTALS} from links l where l.group_id = any(?::int[]) group by l.group_id`,
              [...links.params, intArray(ids), intArray(ids)],
            );
            const found = byParent(rows);
            return ids.map((id) =>
              Object.assign(new GroupStaffDays(), {
                given: totals(found.get(`${id}:given`)),
                received: totals(found.get(`${id}:received`)),
                brokered: totals(found.get(`${id}:brokered`)),
              }),
            );
          }),
      )
      .load(group.id);
  }
}

export const staffDaysResolvers = [SupportLinkStaffDaysResolver, SchoolStaffDaysResolver, GroupStaffDaysResolver];
