/**
 * What "current" means for dated rows, as SQL conditions on a table alias, written once so the
 * viewer's scope, alert recipients and rule evaluation agree on who sits, serves and belongs today.
 * Ranges are [start, end): a row ending today is no longer current.
 */

/** A membership in force today. */
export const currentMembership = (m: string): string =>
  `${m}.joined_on <= current_date and (${m}.left_on is null or ${m}.left_on > current_date)`;

/** A staff post held today. */
export const servingPost = (p: string): string =>
  `${p}.started_on <= current_date and (${p}.ended_on is null or ${p}.ended_on > current_date)`;

/** A governor sitting today: the term has started, has not run out, and they have not stood down. */
export const sittingGovernor = (g: string): string =>
  `${g}.term_started_on <= current_date and (${g}.ended_on is null or ${g}.ended_on > current_date)
   and (${g}.term_ends_on is null or ${g}.term_ends_on >= current_date)`;
