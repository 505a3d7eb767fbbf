/**
 * What "current" means for dated rows, as SQL conditions on a table alias, written once so the
 * viewer's scope, alert recipients, rule evaluation and the write rules agree on who sits, serves and
 * belongs today. Ranges are [start, end): a row ending today is no longer current.
 *
 * `during` widens "today" to a window [from, until]: a row is in force at some time in it. The write
 * rules use `PENDING` (today or any day after) so that a post or seat dated to start next term counts
 * as reach its holder will have, not as nothing.
 */
export interface During {
  /** First day of the window (SQL date expression). */
  from: string;
  /** Last day of the window (SQL date expression). */
  until: string;
}

export const TODAY: During = { from: 'current_date', until: 'current_date' };
/** Today and every day after: what a row grants now or will grant once it starts. */
export const PENDING: During = { from: 'current_date', until: `'infinity'::date` };

/** A membership in force (today, unless a window is given). */
export const currentMembership = (m: string, during: During = TODAY): string =>
  `${m}.joined_on <= ${during.until} and (${m}.left_on is null or ${m}.left_on > ${during.from})`;

/** A staff post held. */
export const servingPost = (p: string, during: During = TODAY): string =>
  `${p}.started_on <= ${during.until} and (${p}.ended_on is null or ${p}.ended_on > ${during.from})`;

/** A governor sitting: the term has started, has not run out, and they have not stood down. */
export const sittingGovernor = (g: string, during: During = TODAY): string =>
  `${g}.term_started_on <= ${during.until} and (${g}.ended_on is null or ${g}.ended_on > ${during.from})
   and (${g}.term_ends_on is null or ${g}.term_ends_on >= ${during.from})`;

/** A role grant not revoked. */
export const activeGrant = (r: string): string => `${r}.revoked_at is null`;
