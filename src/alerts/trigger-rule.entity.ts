import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { Node, toGlobalId } from '../core/node';
import { AlertSeverity, TriggerRuleChangeAction, TriggerRuleKind } from './alert.enums';

/** The values a rule compares against; which ones a kind uses is listed on TriggerRuleKind. */
export interface RuleParameters {
  metric?: string;
  threshold?: number;
  fallBy?: number;
  grade?: number;
  includeCategoriesOfConcern?: boolean;
  margin?: number;
  months?: number;
  shortfallPercent?: number;
  minGovernors?: number;
  withinDays?: number;
  maxEvidenceAgeYears?: number;
}

/**
 * A condition agreed in advance. A rule with no group is a system default and applies to every
 * school; a group's rule applies to its current members. A group rule that `overrides` a default
 * replaces it for the group's schools (disabled, it switches the default off for them).
 */
@ObjectType({ implements: Node, description: 'A condition a partnership agrees in advance, and how serious it is when it holds.' })
@Entity({ tableName: 'trigger_rule' })
export class TriggerRule implements Node {
  [OptionalProps]?: 'nodeId' | 'createdAt' | 'updatedAt' | 'enabled' | 'parameters' | 'version';

  @PrimaryKey()
  id!: number;

  get nodeId(): string {
    return toGlobalId('TriggerRule', this.id);
  }

  @Field(() => TriggerRuleKind, { description: 'The condition checked.' })
  @Enum({ items: () => TriggerRuleKind })
  kind!: TriggerRuleKind;

  @Field({ description: 'Name, as the partnership would say it.' })
  @Property()
  name!: string;

  @Field(() => String, { nullable: true, description: 'Longer explanation of why the rule exists.' })
  @Property({ type: 'text', nullable: true })
  description?: string | null;

  @Field(() => AlertSeverity, { description: 'Severity of the alerts it raises.' })
  @Enum({ items: () => AlertSeverity })
  severity!: AlertSeverity;

  @Property({ type: 'json' })
  parameters: RuleParameters = {};

  @Field({ description: 'Whether the rule is evaluated.' })
  @Property()
  enabled: boolean = true;

  /**
   * Bumped whenever the severity or values change: a member school's governing body agrees a version
   * (rule-agreement.sql.ts), and a changed rule needs agreeing again.
   */
  @Field(() => Int, { description: 'Version of the rule: 1 when defined, one more each time its severity or values change.' })
  @Property()
  version: number = 1;

  /** The group whose rule this is; null for a system default. */
  @Property({ nullable: true })
  groupId?: number | null;

  /** The system default this group rule replaces for the group's schools. */
  @Property({ nullable: true })
  overridesRuleId?: number | null;

  /** Stable key of a system default (set by the migration that defines it). */
  @Property({ nullable: true })
  systemKey?: string | null;

  @Field({ description: 'When the rule was defined.' })
  @Property()
  createdAt: Date = new Date();

  /** Audit label; shown through TriggerRuleResolver.createdBy (auth/disclosure.ts). */
  @Property()
  createdBy!: string;

  @Field({ description: 'When it last changed.' })
  @Property()
  updatedAt: Date = new Date();

  @Property()
  updatedBy!: string;
}

/** One recorded change to a rule: who, when, and the values before and after. */
@ObjectType({ description: 'A change to a trigger rule, with who made it and when.' })
@Entity({ tableName: 'trigger_rule_change' })
export class TriggerRuleChange {
  @PrimaryKey()
  id!: number;

  @Property()
  ruleId!: number;

  @Field(() => TriggerRuleChangeAction, { description: 'What the change did.' })
  @Enum({ items: () => TriggerRuleChangeAction })
  action!: TriggerRuleChangeAction;

  @Property()
  actor!: string;

  @Field({ description: 'When it was made.' })
  @Property()
  changedAt!: Date;

  @Property({ type: 'json', nullable: true })
  before?: object | null;

  /** The rule's version after the change (null for changes recorded before versions were kept). */
  @Field(() => Int, { nullable: true, description: "The rule's version after the change." })
  @Property({ nullable: true })
  version?: number | null;

  @Property({ type: 'json' })
  after!: object;
}
