import fs from 'node:fs';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import { CsvError, parse } from 'csv-parse';
import type { ImportProblem } from './report';

/** One CSV record by header name, with the 1-based line it is on. */
export interface CsvRow {
  line: number;
  values: Record<string, string>;
}

export type CsvSource = string | Readable;

/**
 * Decodes bytes as UTF-8 (dropping a byte-order mark), and switches to Windows-1252 at the first
 * byte that is not UTF-8: DfE statistics files are UTF-8 with a BOM, but GIAS exports (the links
 * file) are Windows-1252. Up to the switch every byte was valid UTF-8 (in practice plain ASCII,
 * which both encodings read alike), so nothing already decoded is misread.
 */
class TextDecoding extends Transform {
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  private windows1252?: TextDecoder;

  get encoding(): string {
    return this.windows1252 ? 'windows-1252' : 'utf-8';
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    callback(null, this.decode(chunk, true));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.decode(new Uint8Array(), false));
  }

  private decode(chunk: Uint8Array, stream: boolean): string {
    if (!this.windows1252) {
      try {
        return this.utf8.decode(chunk, { stream });
      } catch {
        this.windows1252 = new TextDecoder('windows-1252');
      }
    }
    return this.windows1252.decode(chunk, { stream });
  }
}

export interface CsvOptions {
  /**
   * Accept records with more fields than the header, ignoring the extra ones. GIAS establishment
   * extracts need it: their last column, "Linked establishments", spills a school's second and third
   * links into unheaded fields after it, while every headed field stays in place.
   */
  trailingFieldsBeyondHeader?: boolean;
  /**
   * Accept records with fewer fields than the header, the missing ones empty. DfE performance tables
   * need it: some rows stop before the last columns.
   */
  missingTrailingFields?: boolean;
}

export interface CsvReader {
  rows: AsyncIterable<CsvRow>;
  /** The header's column names (known once the first row has been read). */
  columns(): string[];
  /** The encoding the file turned out to be in (known at the end). */
  encoding(): string;
}

/**
 * Streams a CSV file as records keyed by header name, through csv-parse. A record the parser
 * cannot read (unbalanced quotes, more or fewer fields than the header) is handed to `onMalformed`
 * with its line and skipped; the rest of the file is still read.
 */
export function readCsv(source: CsvSource, onMalformed: (problem: ImportProblem) => void, options: CsvOptions = {}): CsvReader {
  const input = typeof source === 'string' ? fs.createReadStream(source) : source;
  const decoding = new TextDecoding();
  let header: string[] = [];
  const parser = parse({
    bom: true,
    columns: (names: string[]) => {
      header = names.map((name) => name.trim());
      return header;
    },
    skip_empty_lines: true,
    relax_column_count_more: options.trailingFieldsBeyondHeader ?? false,
    relax_column_count_less: options.missingTrailingFields ?? false,
    info: true,
    skip_records_with_error: true,
    on_skip: (error: CsvError | undefined) => {
      const line = Number((error as (CsvError & { lines?: number }) | undefined)?.lines ?? 0);
      onMalformed({ line, code: 'malformed_csv', reason: `not a well-formed CSV record: ${error?.message ?? 'unreadable'}` });
      return undefined;
    },
  });
  input.on('error', (error: Error) => parser.destroy(error));
  decoding.on('error', (error: Error) => parser.destroy(error));
  input.pipe(decoding).pipe(parser);

  async function* rows(): AsyncGenerator<CsvRow> {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { line: info.lines, values: record };
    }
  }
  return { rows: rows(), columns: () => header, encoding: () => decoding.encoding };
}

/** Groups an async stream into arrays of at most `size`. */
export async function* inBatches<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let batch: T[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
