import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import type { School } from '../schools/school.entity';
import { AlertSeverity, AlertStatus } from './alert.enums';
import type { TriggerRule } from './trigger-rule.entity';

/**
 * A rule that fired for a school. Rows are written only by rule evaluation (inside the transaction
 * of the change that caused them) and changed only by acknowledge and resolve; every write also
 * appends to `alert_event`, the log subscribers read.
 */
@ObjectType({ implements: Node, description: 'A trigger rule that fired for a school: evidence, severity, status and who must know.' })
@Entity({ tableName: 'alert' })
export class Alert implements Node {
  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('Alert', this.id);
  }

  @Property()
  ruleId!: number;

  @Property()
  schoolId!: number;

  @Field(() => AlertSeverity, { description: 'Severity, copied from the rule when it fired.' })
  @Enum({ items: () => AlertSeverity })
  severity!: AlertSeverity;

  @Property({ type: 'json' })
  evidence!: Record<string, unknown>;

  @Field(() => AlertStatus, { description: 'Open, acknowledged or resolved.' })
  @Enum({ items: () => AlertStatus })
  status!: AlertStatus;

  @Field({ description: 'When the rule fired.' })
  @Property()
  raisedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was acknowledged.' })
  @Property({ type: 'datetime', nullable: true })
  acknowledgedAt?: Date | null;

  /** Audit label of who acknowledged it; shown through AlertResolver.acknowledgedBy (auth/disclosure.ts). */
  @Property({ nullable: true })
  acknowledgedBy?: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was resolved.' })
  @Property({ type: 'datetime', nullable: true })
  resolvedAt?: Date | null;

  /** Audit label of who resolved it; shown through AlertResolver.resolvedBy. */
  @Property({ nullable: true })
  resolvedBy?: string | null;

  @Field(() => String, { nullable: true, description: 'Note left when acknowledging or resolving.' })
  @Property({ type: 'text', nullable: true })
  note?: string | null;

  /** Loaded once by the alert feed and shared by every subscriber's copy of the event. */
  school?: School;
  rule?: TriggerRule;
  /** Recipients, computed once per alert object however many subscribers ask. */
  recipients?: Promise<unknown[]>;
}
