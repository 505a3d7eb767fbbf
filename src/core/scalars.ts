import { GraphQLScalarType } from 'graphql';
import { LocalDateResolver } from 'graphql-scalars';

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Calendar dates (YYYY-MM-DD): joined, left, term and inspection dates have no time of day.
 * graphql-scalars' LocalDate, with its full checks on input (format, then a real calendar day). On
 * output a value in the format is passed through: it comes from a PostgreSQL `date` column, which
 * cannot hold 2020-02-30, and building a Date per value to re-check it was 4% of the CPU of a large
 * read (the executive head's query). Anything else still goes through graphql-scalars and is refused.
 */
export const DateScalar = new GraphQLScalarType({
  ...LocalDateResolver.toConfig(),
  serialize: (value) => (typeof value === 'string' && value.length === 10 && LOCAL_DATE.test(value) ? value : LocalDateResolver.serialize(value)),
});
