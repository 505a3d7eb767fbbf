import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { CsvError, parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type { ImportProblem } from './report';

/**
 * The importers' one CSV reader. It reads the whole file (DfE files are a few MB: the national
 * census is 3 MB) because two checks need all of it before any row can be trusted:
 *
 * 1. The encoding is decided per file: bytes that are all valid UTF-8 (with or without a byte-order
 *    mark) are UTF-8; anything else is Windows-1252, what GIAS and the DfE publish in. Deciding at the
 *    first bad byte, as a stream must, would read the UTF-8 lines before it one way and those after
 *    another. In a Windows-1252 file, a line that holds UTF-8 sequences ("Ã©" for "é") was saved by
 *    another program: it is reported at its line and skipped rather than stored garbled.
 * 2. Records are checked against the header. A record is assembled line by line (a quoted field may
 *    hold line breaks); if one that runs over several lines does not parse into a record of the
 *    header's shape, its first line was cut inside a quoted field: that line alone is reported and
 *    reading starts again on the next line, which is read as the row it is.
 *
 * csv-parse then reads the good records in one pass (per-record parsing is six times slower).
 */

/** One CSV record by header name, with the 1-based line it starts on (the header is line 1). */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

export type CsvSource = string | Readable;
export type TextEncodingName = 'utf-8' | 'windows-1252';

/** The file cannot be imported at all: unreadable, empty, or not a file of the kind asked for. */
export class ImportFileError extends Error {}

export interface CsvShape {
  /** What the file is, for errors: "a GIAS establishment extract". */
  kind: string;
  /** Columns without which the file is not of this kind. */
  required: readonly string[];
  /**
   * Accept records with more fields than the header, ignoring the extra ones. GIAS establishment
   * extracts need it: their last column, "Linked establishments", spills a school's second and third
   * links into unheaded fields after it, while every headed field stays in place.
   */
  trailingFieldsBeyondHeader?: boolean;
  /** Accept records with fewer fields than the header, the missing ones empty (DfE performance tables stop rows short). */
  missingTrailingFields?: boolean;
}

export interface CsvFile {
  columns: string[];
  encoding: TextEncodingName;
  /** The records that are well formed, in file order. */
  rows: CsvRow[];
  /** One problem per record that could not be read (code malformed_csv or mixed_encoding); each is a skipped row. */
  problems: ImportProblem[];
}

async function readBytes(source: CsvSource): Promise<Buffer> {
  try {
    if (typeof source === 'string') return await fs.promises.readFile(source);
    const chunks: Buffer[] = [];
    for await (const chunk of source) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new ImportFileError(`cannot read ${typeof source === 'string' ? source : 'the input'}: ${why}`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** A UTF-8 encoded character beyond ASCII: what a Windows-1252 line would almost never hold by chance. */
const UTF8_SEQUENCE = /[\xC2-\xDF][\x80-\xBF]|[\xE0-\xEF][\x80-\xBF]{2}|[\xF0-\xF4][\x80-\xBF]{3}/;
/** Bytes Windows-1252 leaves undefined. */
const UNDEFINED_1252 = /[\x81\x8D\x8F\x90\x9D]/;

/** Splits bytes at LF, keeping offsets; a CR before the LF stays with its line (csv-parse handles CRLF). */
function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) starts.push(at + 1);
  return starts;
}

/**
 * Decides the file's encoding and lists the lines (1-based) that are not valid in it, with why.
 * Only lines holding a byte above 0x7F are examined: ASCII reads alike in both encodings.
 */
export function decideEncoding(bytes: Buffer): { encoding: TextEncodingName; text: string; badLines: Map<number, string> } {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return { encoding: 'utf-8', text: utf8.decode(body), badLines: new Map() };
  } catch {
    // Not all UTF-8: Windows-1252, with the lines that do not belong to it.
  }
  const badLines = new Map<number, string>();
  const starts = lineStarts(body);
  for (let index = 0; index < starts.length; index += 1) {
    const line = body.subarray(starts[index], index + 1 < starts.length ? starts[index + 1] : body.length);
    if (!line.some((byte) => byte > 0x7f)) continue;
    const latin = line.toString('latin1');
    const sequence = UTF8_SEQUENCE.exec(latin);
    if (sequence) {
      const asUtf8 = Buffer.from(sequence[0], 'latin1').toString('utf8');
      badLines.set(
        index + 1,
        `the line is in UTF-8 ("${asUtf8}") but the file is Windows-1252 (another line is not valid UTF-8), so its text would be garbled; save the whole file in one encoding`,
      );
    } else if (UNDEFINED_1252.test(latin)) {
      const byte = UNDEFINED_1252.exec(latin)![0].charCodeAt(0);
      badLines.set(index + 1, `byte 0x${byte.toString(16).toUpperCase()} is not a character in Windows-1252 (nor valid UTF-8)`);
    }
  }
  // iconv-lite, not TextDecoder: Node 20's TextDecoder reads 'windows-1252' as Latin-1, so 0x92 (’)
  // and the other characters at 0x80-0x9F would come out as control codes.
  return { encoding: 'windows-1252', text: iconv.decode(body, 'windows-1252'), badLines };
}

interface ParseOptions {
  relax_column_count_more: boolean;
  relax_column_count_less: boolean;
}

/** Parses one assembled record on its own; the field count, or why it is not a record. */
function parseOne(text: string, options: ParseOptions): { fields?: string[]; error?: string } {
  try {
    const records = parse(text, { ...options, relax_column_count: true, skip_empty_lines: true }) as string[][];
    if (records.length !== 1) return { error: `${records.length} records` };
    return { fields: records[0] };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Reads a CSV file of the given shape. Throws ImportFileError when it cannot be read or is not of that kind. */
export async function readCsvFile(source: CsvSource, shape: CsvShape): Promise<CsvFile> {
  const bytes = await readBytes(source);
  if (bytes.length === 0) throw new ImportFileError(`the file is empty, not ${shape.kind}`);
  const { encoding, text, badLines } = decideEncoding(bytes);
  // Lines without their CR: csv-parse then sees one record delimiter, whatever mix of CRLF and LF
  // the file has (a CRLF file whose last line ends in a bare CR would otherwise break its last record).
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const parseOptions: ParseOptions = {
    relax_column_count_more: shape.trailingFieldsBeyondHeader ?? false,
    relax_column_count_less: shape.missingTrailingFields ?? false,
  };

  const header = parseOne(lines[0], { relax_column_count_more: true, relax_column_count_less: true }).fields?.map((name) => name.trim());
  const missing = shape.required.filter((column) => !header?.includes(column));
  if (!header || missing.length) {
    throw new ImportFileError(`not ${shape.kind}: the header has no column ${missing.map((name) => `"${name}"`).join(', ')}`);
  }
  const width = header.length;
  const fits = (count: number) =>
    count === width || (count > width && parseOptions.relax_column_count_more) || (count < width && parseOptions.relax_column_count_less);

  const problems: ImportProblem[] = [];
  // Structure: walk the lines, assembling records; a record that cannot be one leaves its first line
  // blank (csv-parse skips blank lines, so line numbers stay true) and reading resumes after it.
  const quotes = (line: string) => {
    let count = 0;
    for (let at = line.indexOf('"'); at !== -1; at = line.indexOf('"', at + 1)) count += 1;
    return count;
  };
  const recordStart = new Map<number, number>();
  for (let start = 1; start < lines.length;) {
    let end = start;
    let open = quotes(lines[start]) % 2 === 1;
    while (open && end + 1 < lines.length) {
      end += 1;
      if (quotes(lines[end]) % 2 === 1) open = false;
    }
    if (end === start && !open) {
      start += 1;
      continue;
    }
    const record = open ? undefined : parseOne(lines.slice(start, end + 1).join('\n'), parseOptions);
    if (record?.fields && fits(record.fields.length)) {
      recordStart.set(end + 1, start + 1);
      start = end + 1;
      continue;
    }
    problems.push({
      line: start + 1,
      code: 'malformed_csv',
      reason: `the row is cut inside a quoted field (a quote opened on this line is not closed before the next row); the row has ${
        parseOne(`${lines[start]}"`, { relax_column_count_more: true, relax_column_count_less: true }).fields?.length ??
        'an unknown number of'
      } fields, the header ${width}`,
    });
    lines[start] = '';
    start += 1;
  }

  const records = parse(lines.join('\n'), {
    columns: () => header,
    skip_empty_lines: true,
    ...parseOptions,
    info: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      const at = Number((error as (CsvError & { lines?: number }) | undefined)?.lines ?? 0);
      // One problem per record: csv-parse can report a second error for the same record.
      if (problems.some((problem) => problem.line === (recordStart.get(at) ?? at))) return undefined;
      const message = error?.message ?? 'unreadable';
      const counted = /Invalid Record Length: (?:expect|columns length is) (\d+), got (\d+)/.exec(message);
      problems.push({
        line: recordStart.get(at) ?? at,
        code: 'malformed_csv',
        reason: counted
          ? `the row has ${counted[2]} fields, the header ${counted[1]}`
          : `not a well-formed CSV record: ${message.replace(/ on line \d+$/, '')}`,
      });
      return undefined;
    },
  }) as unknown as { record: Record<string, string>; info: { lines: number } }[];

  const rows: CsvRow[] = [];
  for (const { record, info } of records) {
    const line = recordStart.get(info.lines) ?? info.lines;
    // A record over several lines is bad if any of them is.
    let last = info.lines;
    while (last > line && !badLines.has(last)) last -= 1;
    const bad = badLines.get(line) ?? badLines.get(last);
    if (bad) {
      problems.push({ line, code: 'mixed_encoding', reason: bad });
      continue;
    }
    for (const column of header) record[column] ??= '';
    rows.push({ line, values: record });
  }
  if (badLines.has(1)) throw new ImportFileError(`the header line is not valid in the file's encoding: ${badLines.get(1)}`);
  problems.sort((a, b) => a.line - b.line);
  return { columns: header, encoding, rows, problems };
}

/** Splits rows into arrays of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
}
