import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Resolves the open and acknowledged alerts of schools that are no longer evaluated (closed, or
 * not open), with the reason as the alert's note and a `resolved` event for subscribers, in the
 * caller's transaction. An alert is about a school that must act; a closed school cannot, and its
 * governors should not keep being told. Called when a school is seen to close (a GIAS import) and
 * by the sweep, which catches a school closed by any other path. Returns how many were resolved.
 */
export async function resolveAlertsOfSchoolsNotEvaluated(
  em: EntityManager,
  schoolIds: number[] | undefined,
  note: string,
): Promise<number> {
  const params: unknown[] = [note];
  let which = '';
  if (schoolIds) {
    if (!schoolIds.length) return 0;
    which = `and a.school_id in (select (jsonb_array_elements_text(?::jsonb))::int)`;
    params.push(JSON.stringify(schoolIds));
  }
  const rows: { resolved: number }[] = await em.execute(
    `with changed as (
       update alert a set status = 'resolved', resolved_at = now(), resolved_by = 'system', note = ?
       from school s
       where s.id = a.school_id and s.status not in ('open', 'proposed_to_close') and a.status in ('open', 'acknowledged') ${which}
       returning a.id, a.school_id, a.group_ids, a.severity),
     logged as (
       insert into alert_event (alert_id, kind, school_id, group_ids, severity_rank, actor)
       select id, 'resolved', school_id, group_ids, case severity when 'watch' then 1 when 'peer_review' then 2 else 3 end, 'system'
       from changed
       returning 1)
     select count(*)::int as resolved from logged`,
    params,
  );
  return rows[0]?.resolved ?? 0;
}
