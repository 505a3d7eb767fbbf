import { OutcomeMetric } from '../evidence/evidence.enums';

/**
 * How alike two schools are, as a SQL expression over schools `o` (the school) and `c` (another):
 * a dissimilarity from 0 (alike) to 1, the mean of what both hold of
 *   size              |ln(pupils_c / pupils_o)| / ln 3, at most 1 (a third or three times the roll: 1)
 *   % FSM             |fsm_c - fsm_o| / 25, at most 1
 *   setting           0 same urban/rural class, 0.5 both urban or both rural, 1 otherwise
 *   prior attainment  |aps_c - aps_o| / 3, at most 1: the cohorts' average KS1 point score (the
 *                     latest year held of each; 2 points is one KS1 sub-level, 3 is 1 at the end)
 * A part either school lacks (a suppressed TKS1AVERAGE, no census) is left out of the mean, never
 * read as 0. The same measure ranks partner candidates (candidates.service.ts, which gives the
 * parts in words), builds families of schools and picks impact's comparison schools.
 */
export const PRIOR_ATTAINMENT_METRIC = OutcomeMetric.KS2_PRIOR_ATTAINMENT_KS1_APS;
/** KS1 average point score gap at which prior attainment counts as wholly unalike. */
export const PRIOR_ATTAINMENT_SPAN = 3;

/**
 * A CTE body: each school's latest prior attainment (`school_id`, `value`), read once and joined
 * (a subquery per pair would read the index four times for every school compared).
 */
export const PRIOR_ATTAINMENT_CTE = `select distinct on (school_id) school_id, value::float8 as value from outcome_measure
  where metric = '${PRIOR_ATTAINMENT_METRIC}' order by school_id, academic_year desc`;

const SIZE = (o: string, c: string) =>
  `case when ${o}.pupils_on_roll > 0 and ${c}.pupils_on_roll > 0 then least(1, abs(ln(${c}.pupils_on_roll::float8 / ${o}.pupils_on_roll)) / ln(3)) end`;
const FSM = (o: string, c: string) =>
  `case when ${o}.percent_fsm is not null and ${c}.percent_fsm is not null then least(1, abs(${c}.percent_fsm - ${o}.percent_fsm)::float8 / 25) end`;
const SETTING = (o: string, c: string) =>
  `case when ${o}.urban_rural is null or ${c}.urban_rural is null then null when ${o}.urban_rural = ${c}.urban_rural then 0
        when (${o}.urban_rural like 'rural%') = (${c}.urban_rural like 'rural%') then 0.5 else 1 end`;
/** null when either lacks it (spelled out: least() skips nulls, so least(1, null) would be 1, "wholly unalike"). */
const PRIOR = (oPrior: string, cPrior: string) =>
  `case when ${oPrior} is not null and ${cPrior} is not null then least(1, abs(${cPrior} - ${oPrior}) / ${PRIOR_ATTAINMENT_SPAN}) end`;

/** `oPrior` and `cPrior`: SQL for each school's prior attainment (a column of PRIOR_ATTAINMENT_CTE left-joined, null when not held). */
export const dissimilarity = (o: string, c: string, oPrior: string, cPrior: string): string => {
  const parts = [SIZE(o, c), FSM(o, c), SETTING(o, c), PRIOR(oPrior, cPrior)];
  return `coalesce((${parts.map((p) => `coalesce(${p}, 0)`).join(' + ')})
     / nullif(${parts.map((p) => `(${p} is not null)::int`).join(' + ')}, 0), 0.5)`;
};
