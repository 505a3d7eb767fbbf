import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Things that happened inside a write, announced to whoever must react in the SAME transaction
 * (trigger rules evaluate here, so an alert commits or rolls back with the change that caused it).
 * Publishers do not know their subscribers: evidence and governance never import the alert code.
 */
export type DomainEvent =
  | { type: 'measures.recorded'; schoolIds: number[]; metrics: string[] }
  | { type: 'inspections.recorded'; schoolIds: number[] }
  | { type: 'self_evaluations.recorded'; schoolIds: number[] }
  | { type: 'membership.ended'; schoolId: number; groupId: number }
  | { type: 'governorship.ended'; governingBodyId: number; personId: number }
  | { type: 'support.delivered'; supportLinkId: number; giverId: number; receiverId: number }
  /** A school that was open (or proposed to open or close) is now closed; `source` says who said so. */
  | { type: 'school.closed'; schoolId: number; closedOn: string; source: string };

type Handler = (em: EntityManager, event: DomainEvent) => Promise<void>;

const handlers: Handler[] = [];

export function onDomainEvent(handler: Handler): void {
  handlers.push(handler);
}

/** Call inside the write's transaction (the `em` it was given), after the change is flushed. */
export async function publish(em: EntityManager, event: DomainEvent): Promise<void> {
  for (const handler of handlers) await handler(em, event);
}
