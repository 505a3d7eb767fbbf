import { Field, ObjectType } from 'type-graphql';
import { encodeCursor } from '../core/pagination';
import { Alert } from './alert.entity';
import { AlertEventKind, AlertSeverity, AlertStatus, SEVERITY_RANK } from './alert.enums';

/** Cursors of the alert log (subscriptions' `since` and the inbox's `after`) share this list name. */
export const ALERT_CURSOR_LIST = 'alerts';

export const isAlertPosition = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** One entry of the commit-ordered alert log, as subscribers receive it. */
@ObjectType({ description: 'Something that happened to an alert, at a position in the commit-ordered alert log.' })
export class AlertEvent {
  /** Commit-ordered position in the log (alert_event.position). */
  position!: number;
  schoolId!: number;
  groupIds!: number[];
  severityRank!: number;
  /** Workflow events only (a review scheduled, an action assigned; see src/alerts/partnership-event.ts): what they are about, and who they are for besides those who reach the school. */
  subjectId?: string | null;
  personIds?: number[];
  summary?: string | null;

  @Field({ description: 'Opaque cursor of this event: pass it as `since` when resubscribing, or as `after` to `alerts`.' })
  cursor!: string;

  @Field(() => AlertEventKind, { description: 'What happened.' })
  kind!: AlertEventKind;

  @Field({ description: 'When it happened.' })
  occurredAt!: Date;

  /** Audit label of who acknowledged or resolved it; shown through AlertEventResolver.actor (auth/disclosure.ts). */
  actor!: string | null;

  @Field(() => Alert, { description: 'The alert, as it stands when the event is read.' })
  alert!: Alert;
}

/** Columns every reader of the log selects (`e` is alert_event, `a` is alert). */
export const EVENT_COLUMNS = `e.position, e.kind, e.occurred_at, e.actor, e.school_id, e.group_ids, e.severity_rank,
  a.id, a.rule_id, a.severity, a.evidence, a.status, a.raised_at, a.acknowledged_at, a.acknowledged_by, a.resolved_at, a.resolved_by, a.note,
  e.subject_id, e.person_ids, e.summary`;

export interface EventRow {
  position: string | number;
  kind: AlertEventKind;
  occurred_at: Date;
  actor: string | null;
  school_id: number;
  group_ids: number[];
  severity_rank: number;
  id: number;
  rule_id: number;
  severity: AlertSeverity;
  evidence: Record<string, unknown>;
  status: AlertStatus;
  raised_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  note: string | null;
  subject_id?: string | null;
  person_ids?: number[];
  summary?: string | null;
}

export function alertFromRow(row: EventRow | Record<string, any>): Alert {
  const alert = new Alert();
  alert.id = row.id;
  alert.ruleId = row.rule_id;
  alert.schoolId = row.school_id;
  alert.severity = row.severity;
  alert.evidence = row.evidence;
  alert.status = row.status;
  alert.raisedAt = row.raised_at;
  alert.acknowledgedAt = row.acknowledged_at;
  alert.acknowledgedBy = row.acknowledged_by;
  alert.resolvedAt = row.resolved_at;
  alert.resolvedBy = row.resolved_by;
  alert.note = row.note;
  return alert;
}

export function eventFromRow(row: EventRow): AlertEvent {
  const event = new AlertEvent();
  event.position = Number(row.position);
  event.cursor = encodeCursor(ALERT_CURSOR_LIST, event.position);
  event.kind = row.kind;
  event.occurredAt = row.occurred_at;
  event.actor = row.actor;
  event.schoolId = row.school_id;
  event.groupIds = row.group_ids;
  event.severityRank = row.severity_rank;
  event.alert = alertFromRow(row);
  event.subjectId = row.subject_id ?? null;
  event.personIds = row.person_ids ?? [];
  event.summary = row.summary ?? null;
  return event;
}

/** What a subscriber asked for. */
export interface AlertEventFilter {
  kinds: AlertEventKind[];
  schoolId?: number;
  groupId?: number;
  minSeverity?: AlertSeverity;
}

export function matchesFilter(event: AlertEvent, filter: AlertEventFilter): boolean {
  return (
    filter.kinds.includes(event.kind) &&
    (filter.schoolId === undefined || event.schoolId === filter.schoolId) &&
    (filter.groupId === undefined || event.groupIds.includes(filter.groupId)) &&
    (filter.minSeverity === undefined || event.severityRank >= SEVERITY_RANK[filter.minSeverity])
  );
}
