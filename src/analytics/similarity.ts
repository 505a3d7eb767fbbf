/**
 * How alike two schools are, as a SQL expression over schools `o` (the school) and `c` (another):
 * a dissimilarity from 0 (alike) to 1, the mean of what both hold of
 *   size      |ln(pupils_c / pupils_o)| / ln 3, at most 1 (a third or three times the roll: 1)
 *   % FSM     |fsm_c - fsm_o| / 25, at most 1
 *   setting   0 same urban/rural class, 0.5 both urban or both rural, 1 otherwise.
 * The same measure ranks partner candidates (candidates.service.ts) and builds families of schools.
 * Prior attainment is not held in Trellis (the KS2 importer does not read TKS1AVERAGE), so it is not compared.
 */
const SIZE = (o: string, c: string) =>
  `case when ${o}.pupils_on_roll > 0 and ${c}.pupils_on_roll > 0 then least(1, abs(ln(${c}.pupils_on_roll::float8 / ${o}.pupils_on_roll)) / ln(3)) end`;
const FSM = (o: string, c: string) =>
  `case when ${o}.percent_fsm is not null and ${c}.percent_fsm is not null then least(1, abs(${c}.percent_fsm - ${o}.percent_fsm)::float8 / 25) end`;
const SETTING = (o: string, c: string) =>
  `case when ${o}.urban_rural is null or ${c}.urban_rural is null then null when ${o}.urban_rural = ${c}.urban_rural then 0
        when (${o}.urban_rural like 'rural%') = (${c}.urban_rural like 'rural%') then 0.5 else 1 end`;

export const dissimilarity = (o: string, c: string): string =>
  `coalesce((coalesce(${SIZE(o, c)}, 0) + coalesce(${FSM(o, c)}, 0) + coalesce(${SETTING(o, c)}, 0))
     / nullif((${SIZE(o, c)} is not null)::int + (${FSM(o, c)} is not null)::int + (${SETTING(o, c)} is not null)::int, 0), 0.5)`;
