import { registerRowRule } from '../auth/policy';
import { AppScope, intArray, registerVisiblePeople, Scope } from '../auth/viewer';
import type { CaseAccess } from './intervention.entity';

/*
 * Who may do what with intervention cases; reach itself comes from the viewer's scope (auth/viewer.ts):
 *
 *  - Open: from an alert of severity INTERVENTION, whoever may change the alert (the school's governors,
 *    its groups' leaders); without an alert, the leaders of the supporting group, for one of its member
 *    schools (loadByGlobalId on the Group). A supporting school named must be one the caller may change.
 *  - Lead: a person with a current post or seat in the school, the supporting school, the supporting
 *    group or one of the school's groups.
 *  - See a case, its milestones and reviews: those who reach the school, the supporting school or the
 *    supporting group, and the lead.
 *  - Run it (milestones, termly reviews, close): the lead, and the leaders or governors of the supporter
 *    (the supporting group, or the supporting school). The school's own governors see it but do not run it.
 */

const sees = (scope: Scope, c: CaseAccess | undefined, personId?: number) =>
  c !== undefined &&
  (scope.schoolIds.has(c.schoolId) ||
    (c.supportingSchoolId != null && scope.schoolIds.has(c.supportingSchoolId)) ||
    (c.supportingGroupId != null && scope.groupIds.has(c.supportingGroupId)) ||
    c.leadId === personId);

const runs = (scope: Scope, c: CaseAccess | undefined, personId?: number) =>
  c !== undefined &&
  (c.leadId === personId ||
    (c.supportingGroupId != null && scope.groupIds.has(c.supportingGroupId)) ||
    (c.supportingSchoolId != null && scope.schoolIds.has(c.supportingSchoolId)));

const SEES_SQL = (alias: string) => `(${alias}.school_id = any(?::int[]) or ${alias}.supporting_school_id = any(?::int[])
  or ${alias}.supporting_group_id = any(?::int[]) or ${alias}.lead_id = ?)`;
const seesParams = (scope: Scope, personId?: number) => [
  intArray(scope.schoolIds),
  intArray(scope.schoolIds),
  intArray(scope.groupIds),
  personId ?? 0,
];

registerRowRule('InterventionCase', 'intervention_case', {
  readScope: AppScope.READ_ALERTS,
  writeScope: AppScope.WRITE_ALERTS,
  sees: (scope, row, viewer) => sees(scope, row, viewer.personId),
  sql: (scope, viewer) => ({ sql: SEES_SQL('t'), params: seesParams(scope, viewer.personId) }),
  changes: (scope, row, viewer) => runs(scope, row, viewer.personId),
});

registerRowRule('InterventionMilestone', 'intervention_milestone', {
  readScope: AppScope.READ_ALERTS,
  writeScope: AppScope.WRITE_ALERTS,
  sees: (scope, row, viewer) => sees(scope, row.caseAccess, viewer.personId),
  sql: (scope, viewer) => ({
    sql: `exists (select 1 from intervention_case c where c.id = t.case_id and ${SEES_SQL('c')})`,
    params: seesParams(scope, viewer.personId),
  }),
  changes: (scope, row, viewer) => runs(scope, row.caseAccess, viewer.personId),
});

// Whoever sees a case may read the name of its lead (who may come from the supported school, which a
// supporting school's head does not otherwise reach), nothing more.
registerVisiblePeople((scope, personId) => ({
  sql: `select c.lead_id from intervention_case c where ${SEES_SQL('c')}`,
  params: seesParams(scope, personId),
}));
