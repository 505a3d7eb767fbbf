import { Alert } from '../alerts/alert.entity';
import { TriggerRule, TriggerRuleChange } from '../alerts/trigger-rule.entity';
// Registers the trigger-rule evaluation with the domain events of every process that writes.
import '../alerts/evaluation';
// Recomputes performance bands in the transaction of the evidence that changes them.
import '../analytics/bands.service';
import { Inspection, InspectionJudgement } from '../evidence/inspection.entity';
import { OutcomeMeasure } from '../evidence/outcome-measure.entity';
import { SelfEvaluation } from '../evidence/self-evaluation.entity';
import { GoverningBody, Governorship } from '../governance/governance.entity';
import { Group, GroupLink, Membership, StrategicObjective } from '../groups/group.entity';
import { Person, Post } from '../people/person.entity';
import { School, SchoolLink } from '../schools/school.entity';
import { SupportLink } from '../support/support-link.entity';
import { PeerReview, PeerReviewAction, PeerReviewFinding, PeerReviewReviewer } from '../reviews/review.entity';
import { InterventionCase, InterventionMilestone, InterventionReview } from '../interventions/intervention.entity';
// Register the peer review and intervention rule kinds with the evaluation.
import '../reviews/review.rules';
import '../interventions/intervention.rules';
import { TriggerRuleAgreement } from '../governance/rule-agreement';
import { MembershipLeaveDecision, MembershipLeaveRequest } from '../leaving/leave-request';

/** Every MikroORM entity, listed rather than discovered from folders so tests and builds see the same set. */
export const entities = [
  School,
  SchoolLink,
  Group,
  Membership,
  GroupLink,
  StrategicObjective,
  GoverningBody,
  Governorship,
  Person,
  Post,
  SupportLink,
  Inspection,
  InspectionJudgement,
  OutcomeMeasure,
  SelfEvaluation,
  TriggerRule,
  TriggerRuleChange,
  Alert,
  PeerReview,
  PeerReviewReviewer,
  PeerReviewFinding,
  PeerReviewAction,
  InterventionCase,
  InterventionMilestone,
  InterventionReview,
  TriggerRuleAgreement,
  MembershipLeaveRequest,
  MembershipLeaveDecision,
];
