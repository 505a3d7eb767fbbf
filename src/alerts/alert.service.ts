import { intArray } from '../auth/viewer';
import { schoolReach } from '../core/reach';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Person } from '../people/person.entity';
import { alertFromRow, EVENT_COLUMNS, EventRow, eventFromRow, AlertEvent } from './alert-event';
import { Alert } from './alert.entity';
import { AlertRecipientReason, AlertSeverity, AlertStatus, SEVERITY_RANK } from './alert.enums';

export interface AlertQuery {
  schoolId?: number;
  groupId?: number;
  ruleId?: number;
  statuses?: AlertStatus[];
  minSeverity?: AlertSeverity;
  /** What the viewer may read, as a condition on the alert aliased `t` (auth/policy.ts rowFilter). */
  visible?: { sql: string; params: unknown[] };
}

/**
 * Stamps positions on log rows that committed but are not sequenced yet (normally done within
 * milliseconds by the feed), so a client that reads the inbox right after a change sees its alerts.
 * Must run outside any transaction: the sequencer's lock is held until its transaction ends.
 */
export async function sequencePending(em: EntityManager): Promise<void> {
  const pending: unknown[] = await em.execute(`select 1 from alert_event where position is null limit 1`);
  if (pending.length) await em.execute(`select trellis_sequence_alert_events()`);
}

function where(query: AlertQuery, after: number | undefined): { sql: string; params: unknown[] } {
  const conditions = [`e.kind = 'raised'`, `e.position is not null`];
  const params: unknown[] = [];
  if (after !== undefined) (conditions.push('e.position > ?'), params.push(after));
  if (query.schoolId !== undefined) (conditions.push('e.school_id = ?'), params.push(query.schoolId));
  if (query.groupId !== undefined) (conditions.push('e.group_ids @> array[?::int]'), params.push(query.groupId));
  if (query.ruleId !== undefined) (conditions.push('a.rule_id = ?'), params.push(query.ruleId));
  if (query.minSeverity) (conditions.push('e.severity_rank >= ?'), params.push(SEVERITY_RANK[query.minSeverity]));
  if (query.visible)
    (conditions.push(`exists (select 1 from alert t where t.id = a.id and (${query.visible.sql}))`), params.push(...query.visible.params));
  if (query.statuses?.length)
    (conditions.push(`a.status in (select jsonb_array_elements_text(?::jsonb))`), params.push(JSON.stringify(query.statuses)));
  return { sql: conditions.join(' and '), params };
}

/** A page of alerts in log order: each alert's cursor is the position of its `raised` event. */
export async function findAlerts(em: EntityManager, query: AlertQuery, after: number | undefined, limit: number): Promise<AlertEvent[]> {
  await sequencePending(em);
  const w = where(query, after);
  const rows: EventRow[] = await em.execute(
    `select ${EVENT_COLUMNS} from alert_event e join alert a on a.id = e.alert_id where ${w.sql} order by e.position limit ?`,
    [...w.params, limit],
  );
  return rows.map(eventFromRow);
}

export async function countAlerts(em: EntityManager, query: AlertQuery): Promise<number> {
  const w = where(query, undefined);
  const rows: { n: number }[] = await em.execute(
    `select count(*)::int as n from alert_event e join alert a on a.id = e.alert_id where ${w.sql}`,
    w.params,
  );
  return rows[0].n;
}

export type AlertTransition = 'acknowledge' | 'resolve';

/**
 * Acknowledges or resolves an alert and appends the event to the log, in the caller's transaction.
 * Returns the alert, or why it could not: not found, or not in a state that allows it.
 */
export async function changeStatus(
  em: EntityManager,
  alertId: number,
  transition: AlertTransition,
  actor: string,
  note: string | undefined,
): Promise<{ alert?: Alert; current?: AlertStatus | null }> {
  const set =
    transition === 'acknowledge'
      ? `status = 'acknowledged', acknowledged_at = now(), acknowledged_by = ?`
      : `status = 'resolved', resolved_at = now(), resolved_by = ?`;
  const from = transition === 'acknowledge' ? `('open')` : `('open', 'acknowledged')`;
  const kind = transition === 'acknowledge' ? 'acknowledged' : 'resolved';
  const rows: Record<string, any>[] = await em.execute(
    `with changed as (
       update alert set ${set}, note = coalesce(?, note) where id = ? and status in ${from} returning *),
     logged as (
       insert into alert_event (alert_id, kind, school_id, group_ids, severity_rank, actor)
       select id, '${kind}', school_id, group_ids, case severity when 'watch' then 1 when 'peer_review' then 2 else 3 end, ? from changed
       returning 1)
     select changed.*, (select count(*) from logged) as logged from changed`,
    [actor, note ?? null, alertId, actor],
  );
  if (rows.length) return { alert: alertFromRow(rows[0]) };
  const existing: { status: AlertStatus }[] = await em.execute(`select status from alert where id = ?`, [alertId]);
  return { current: existing[0]?.status ?? null };
}

export interface RecipientRow {
  school_id: number;
  person_id: number;
  reason: AlertRecipientReason;
  via: string;
}

/**
 * Who must know of an alert at a school: everyone whose reach includes it (core/reach.ts, the same
 * definition the viewer's scope uses, so each person listed here receives the alert's events and
 * nobody else but administrators and apps does): the governors of the bodies that govern it, the
 * executive heads and CEOs of the school or of its federation or trust, its head, the officers of its
 * local authority, and the peer review leads of partner schools in its groups. One statement for any
 * number of schools.
 */
export async function recipientsOf(em: EntityManager, schoolIds: number[]): Promise<RecipientRow[]> {
  if (schoolIds.length === 0) return [];
  return em.execute(
    `select r.school_id, r.person_id, r.reason, string_agg(distinct r.via, '; ' order by r.via) as via
     from ${schoolReach()} r join person pe on pe.id = r.person_id
     where r.school_id = any(?::int[])
     group by r.school_id, r.person_id, r.reason order by r.school_id, r.reason, r.person_id`,
    [intArray(schoolIds)],
  );
}

export interface Recipient {
  person: Person;
  reason: AlertRecipientReason;
  via: string;
}

export async function loadRecipients(em: EntityManager, schoolIds: number[]): Promise<Map<number, Recipient[]>> {
  const rows = await recipientsOf(em, schoolIds);
  const people = rows.length ? await em.find(Person, { id: { $in: [...new Set(rows.map((r) => r.person_id))] } }) : [];
  const byId = new Map(people.map((p) => [p.id, p]));
  const result = new Map<number, Recipient[]>(schoolIds.map((id) => [id, []]));
  for (const row of rows) {
    const person = byId.get(row.person_id);
    if (person) result.get(row.school_id)?.push({ person, reason: row.reason, via: row.via });
  }
  return result;
}
