/**
 * Reading one CSV value at a time. Each reader names the column in its error, so a skipped row's
 * reason says where to look: `CloseDate: "31-02-2021" is not a real date`.
 */
export class InvalidValue extends Error {
  constructor(
    readonly column: string,
    message: string,
  ) {
    super(`${column}: ${message}`);
  }
}

export type Row = Record<string, string>;

/**
 * DfE's markers for a value that is not there, read the same way by every importer: suppressed
 * (SUPP, c), not eligible (NE), not available (NA, N/A, x, ..), low coverage (LOWCOV), not published
 * (NP), new school (NEW, NEWAC), did not sit (DNS), not applicable (z, :), unreliable (u), and an
 * empty cell. Such a cell is a missing value: never 0.
 */
export const MISSING_MARKERS: ReadonlySet<string> = new Set(
  ['', 'SUPP', 'NE', 'NA', 'N/A', 'LOWCOV', 'NP', 'NEW', 'NEWAC', 'DNS', 'X', 'Z', 'C', 'U', ':', '.', '..'].map((m) => m.toUpperCase()),
);

/** True when a numeric cell holds nothing: empty, absent, or one of the DfE markers. */
export function isMissing(value: string | undefined): boolean {
  return value === undefined || MISSING_MARKERS.has(value.trim().toUpperCase());
}

function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

/** The trimmed value, or undefined when the cell is empty or the column is absent. */
export function text(row: Row, column: string): string | undefined {
  const value = row[column]?.trim();
  return value ? value : undefined;
}

export function requiredText(row: Row, column: string): string {
  const value = text(row, column);
  if (value === undefined) throw new InvalidValue(column, 'is empty');
  return value;
}

export function urn(row: Row, column: string): number {
  const value = requiredText(row, column);
  if (!/^\d{1,9}$/.test(value) || Number(value) <= 0)
    throw new InvalidValue(column, `${quote(value)} is not a URN (a positive whole number)`);
  return Number(value);
}

/** A whole number in [min, max]; undefined for a missing value (empty, or a marker such as DfE's `NA`). */
export function integer(row: Row, column: string, min: number, max: number): number | undefined {
  const value = text(row, column);
  if (value === undefined || isMissing(value)) return undefined;
  if (!/^-?\d+$/.test(value)) throw new InvalidValue(column, `${quote(value)} is not a whole number`);
  const number = Number(value);
  if (number < min || number > max) throw new InvalidValue(column, `${value} is outside ${min}..${max}`);
  return number;
}

/**
 * A number in [min, max] (a trailing `%`, as the census writes percentages, is allowed);
 * undefined for a missing value.
 */
export function decimal(row: Row, column: string, min: number, max: number): number | undefined {
  const value = text(row, column);
  if (value === undefined || isMissing(value)) return undefined;
  const digits = value.endsWith('%') ? value.slice(0, -1).trim() : value;
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(digits)) throw new InvalidValue(column, `${quote(value)} is not a number`);
  const number = Number(digits);
  if (number < min || number > max) throw new InvalidValue(column, `${digits} is outside ${min}..${max}`);
  return number;
}

/**
 * Whether a date is a placeholder for "no date": GIAS writes 01-01-1900 where it has none, and other
 * systems 00-00-0000 or 31-12-9999. No school record in these files is dated before 1901 or after 8999.
 */
export function isPlaceholderDate(year: number, month: number, day: number): boolean {
  return year <= 1900 || year >= 9000 || month === 0 || day === 0;
}

/**
 * A GIAS date (DD-MM-YYYY, also accepted: DD/MM/YYYY and ISO YYYY-MM-DD) as ISO `YYYY-MM-DD`; checked
 * to be a real day. A placeholder date (see isPlaceholderDate) is a missing value, as is an empty cell.
 */
export function date(row: Row, column: string): string | undefined {
  const value = text(row, column);
  if (value === undefined) return undefined;
  const match = /^(\d{2})[-/](\d{2})[-/](\d{4})$/.exec(value) ?? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) throw new InvalidValue(column, `${quote(value)} is not a date (DD-MM-YYYY)`);
  const [day, month, year] = match[1].length === 4 ? [match[3], match[2], match[1]] : [match[1], match[2], match[3]];
  if (isPlaceholderDate(Number(year), Number(month), Number(day))) return undefined;
  const iso = `${year}-${month}-${day}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso) {
    throw new InvalidValue(column, `${quote(value)} is not a real date`);
  }
  return iso;
}

/** Looks a value up in a closed table of the source's labels; an unknown label is an error naming the column. */
export function oneOf<T>(row: Row, column: string, table: ReadonlyMap<string, T>, what: string): T | undefined {
  const value = text(row, column);
  if (value === undefined) return undefined;
  const mapped = table.get(value.toLowerCase());
  if (mapped === undefined) throw new InvalidValue(column, `${quote(value)} is not a known ${what}`);
  return mapped;
}

/** A lookup table keyed by lower-cased label. */
export function labels<T>(entries: Record<string, T>): ReadonlyMap<string, T> {
  return new Map(Object.entries(entries).map(([label, value]) => [label.toLowerCase(), value]));
}
