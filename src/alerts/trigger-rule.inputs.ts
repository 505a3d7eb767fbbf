import { IsOptional, Length, MaxLength } from 'class-validator';
import { ArgsType, Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { AlertEventKind, AlertSeverity, AlertStatus, TriggerRuleKind } from './alert.enums';

/** The values of a rule; which a kind uses is listed on TriggerRuleKind. Used for input and output alike. */
@ObjectType('TriggerRuleParameters', { description: "A rule's values. Only those its kind uses are set." })
@InputType('TriggerRuleParametersInput', { description: "A rule's values. Give those its kind uses (see TriggerRuleKind)." })
export class TriggerRuleParameters {
  @Field(() => String, { nullable: true, description: 'Outcome metric (METRIC_BELOW, METRIC_FALL), e.g. ks2_rwm_expected_pct.' })
  metric?: string;

  @Field(() => Float, { nullable: true, description: 'The rule holds below this value (METRIC_BELOW).' })
  threshold?: number;

  @Field(() => Float, { nullable: true, description: 'The rule holds when the metric fell by more than this (METRIC_FALL).' })
  fallBy?: number;

  @Field(() => Int, {
    nullable: true,
    description: 'Inspection grade 1 to 4; holds at this grade or worse (INSPECTION_GRADE_AT_OR_BELOW).',
  })
  grade?: number;

  @Field(() => Boolean, { nullable: true, description: 'Also hold for any category of concern (INSPECTION_GRADE_AT_OR_BELOW).' })
  includeCategoriesOfConcern?: boolean;

  @Field(() => Int, {
    nullable: true,
    description: 'Grades by which self-evaluation may beat the inspection (SELF_EVALUATION_OPTIMISTIC).',
  })
  margin?: number;

  @Field(() => Int, { nullable: true, description: 'Months (WORKING_IN_ISOLATION, PEER_REVIEW_OVERDUE).' })
  months?: number;

  @Field(() => Float, { nullable: true, description: 'Percentage short of the days committed to date (SUPPORT_SHORTFALL).' })
  shortfallPercent?: number;

  @Field(() => Int, { nullable: true, description: 'Fewest serving governors a body should have (GOVERNANCE_VACANCIES).' })
  minGovernors?: number;

  @Field(() => Int, { nullable: true, description: 'Days ahead to warn of ending terms (GOVERNOR_TERMS_ENDING).' })
  withinDays?: number;

  @Field(() => Int, {
    nullable: true,
    description:
      'Evidence older than this many years does not count (1 to 50). Inspection rules read only the latest inspection, and not when ' +
      'it is older than this (default 6: INSPECTION_GRADE_AT_OR_BELOW, INSPECTION_DECLINE, SELF_EVALUATION_OPTIMISTIC); metric rules ' +
      'read only the latest academic year, and not when it ended (31 August) longer ago than this (default 3: METRIC_BELOW, METRIC_FALL). ' +
      'Left out, the default is filled in, so a rule always shows its window.',
  })
  maxEvidenceAgeYears?: number;
}

@InputType({ description: 'A new trigger rule: a system default, a group rule, or a group value for a system default.' })
export class TriggerRuleCreateInput {
  @Field(() => TriggerRuleKind, { description: 'The condition checked.' })
  kind!: TriggerRuleKind;

  @Field({ description: 'Name (1 to 255 characters).' })
  @Length(1, 255, { message: 'must be 1 to 255 characters long.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Why the rule exists.' })
  @IsOptional()
  @MaxLength(2000, { message: 'must be at most 2000 characters long.' })
  description?: string;

  @Field(() => AlertSeverity, { description: 'Severity of the alerts it raises.' })
  severity!: AlertSeverity;

  @Field(() => ID, { nullable: true, description: 'The group the rule is for; omit for a system default that applies to every school.' })
  groupId?: string;

  @Field(() => ID, {
    nullable: true,
    description: "A system default this rule replaces for the group's schools (same kind; needs groupId).",
  })
  overridesRuleId?: string;

  @Field(() => TriggerRuleParameters, { description: 'The values the kind needs.' })
  parameters!: TriggerRuleParameters;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'Whether it is evaluated from now on (default true).' })
  enabled?: boolean;
}

@InputType({ description: 'Changes to a trigger rule. Fields left out are not changed.' })
export class TriggerRuleUpdateInput {
  @Field(() => ID, { description: 'The rule to change.' })
  ruleId!: string;

  @Field(() => String, { nullable: true, description: 'New name (1 to 255 characters).' })
  @IsOptional()
  @Length(1, 255, { message: 'must be 1 to 255 characters long.' })
  name?: string;

  @Field(() => String, { nullable: true, description: 'New description.' })
  @IsOptional()
  @MaxLength(2000, { message: 'must be at most 2000 characters long.' })
  description?: string;

  @Field(() => AlertSeverity, { nullable: true, description: 'New severity (for alerts raised from now on).' })
  severity?: AlertSeverity;

  @Field(() => TriggerRuleParameters, { nullable: true, description: 'New values; replaces them all.' })
  parameters?: TriggerRuleParameters;
}

@InputType({ description: 'Names a trigger rule to switch on or off.' })
export class TriggerRuleToggleInput {
  @Field(() => ID, { description: 'The rule.' })
  ruleId!: string;
}

@InputType({ description: 'Narrows a list of trigger rules.' })
export class TriggerRuleFilter {
  @Field(() => ID, { nullable: true, description: "Only this group's rules." })
  groupId?: string;

  @Field(() => Boolean, { nullable: true, description: 'Only system defaults (true) or only group rules (false).' })
  system?: boolean;

  @Field(() => TriggerRuleKind, { nullable: true, description: 'Only rules of this kind.' })
  kind?: TriggerRuleKind;

  @Field(() => Boolean, { nullable: true, description: 'Only enabled (true) or disabled (false) rules.' })
  enabled?: boolean;
}

@InputType({ description: 'Narrows a list of alerts. Every condition given must hold.' })
export class AlertFilter {
  @Field(() => ID, { nullable: true, description: 'Only alerts for this school.' })
  schoolId?: string;

  @Field(() => ID, { nullable: true, description: 'Only alerts for schools that were in this group when the alert was raised.' })
  groupId?: string;

  @Field(() => ID, { nullable: true, description: 'Only alerts of this rule.' })
  ruleId?: string;

  @Field(() => [AlertStatus], { nullable: true, description: 'Only alerts in these statuses.' })
  status?: AlertStatus[];

  @Field(() => AlertSeverity, { nullable: true, description: 'Only alerts at least this severe.' })
  minSeverity?: AlertSeverity;
}

@InputType({ description: 'Acknowledges or resolves an alert.' })
export class AlertStatusInput {
  @Field(() => ID, { description: 'The alert.' })
  alertId!: string;

  @Field(() => String, { nullable: true, description: 'A note for the others who receive the alert (at most 2000 characters).' })
  @IsOptional()
  @MaxLength(2000, { message: 'must be at most 2000 characters long.' })
  note?: string;
}

@ArgsType()
export class AlertSubscriptionArgs {
  @Field(() => ID, { nullable: true, description: 'Only events of alerts for this school.' })
  schoolId?: string;

  @Field(() => ID, { nullable: true, description: 'Only events of alerts for schools in this group when raised.' })
  groupId?: string;

  @Field(() => AlertSeverity, { nullable: true, description: 'Only events of alerts at least this severe.' })
  minSeverity?: AlertSeverity;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last event received: everything after it is sent first, then live events, each once.',
  })
  since?: string;
}

export const STATUS_EVENT_KINDS = [AlertEventKind.ACKNOWLEDGED, AlertEventKind.RESOLVED];
