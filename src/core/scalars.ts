import { LocalDateResolver } from 'graphql-scalars';

/** Calendar dates (YYYY-MM-DD): joined, left, term and inspection dates have no time of day. */
export const DateScalar = LocalDateResolver;
