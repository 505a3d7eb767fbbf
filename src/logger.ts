import pino from 'pino';

/**
 * Structured JSON logs (pino): cheap on the hot path and readable by any log shipper.
 *
 * What never reaches a log line: bearer tokens and API keys (redacted wherever they appear under the
 * usual names), SQL text (a database error is logged by its message and SQLSTATE, not the statement
 * the driver prepended to it) and object dumps (pg-pool hangs the whole client object on its errors,
 * 3.4 KB of it; `summarizeError` keeps a fixed list of fields).
 */
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const wanted = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');

export const loggerOptions: pino.LoggerOptions = {
  // An unknown LOG_LEVEL is reported by the configuration check (config.ts); log at info meanwhile.
  level: LEVELS.includes(wanted) ? wanted : 'info',
  base: undefined,
  serializers: { err: (err: unknown) => summarizeError(err) },
  redact: {
    paths: ['authorization', 'token', 'key', 'apiKey', '*.authorization', '*.token', '*.key', '*.apiKey', 'req.headers.authorization'],
    censor: '[redacted]',
  },
};

export const logger = pino(loggerOptions);

/** What a log line says about an error: its type, message, database codes and a few stack frames. */
export interface ErrorSummary {
  type: string;
  message: string;
  /** SQLSTATE for database errors (e.g. 23505), or Node's code (ECONNREFUSED, EADDRINUSE). */
  code?: string;
  constraint?: string;
  /** The top frames ("at ..." lines) only: never the first line, which may repeat SQL. */
  stack?: string;
  cause?: ErrorSummary;
}

// The statements Trellis sends. knex puts a failed statement before the driver's message
// ("select ... - reason"), and MikroORM's migrator quotes that after "Original error: ".
const SQL_START =
  /(^|: )\s*(select|insert|update|delete|with|create|alter|drop|truncate|begin|commit|rollback|savepoint|release|set|lock|listen|notify|copy|explain|analyze|do)\s/i;

/** A message without any SQL the driver prepended to it, nor the row values PostgreSQL's detail may quote. */
export function messageWithoutSql(message: string): string {
  const found = SQL_START.exec(message);
  if (!found) return message;
  const start = found.index + found[1].length;
  let statementAndReason = message.slice(start);
  const detail = statementAndReason.search(/\n - (detail|hint|where):/);
  if (detail >= 0) statementAndReason = statementAndReason.slice(0, detail);
  const cut = statementAndReason.lastIndexOf(' - ');
  return message.slice(0, start) + (cut >= 0 ? statementAndReason.slice(cut + 3) : 'a database statement failed');
}

export function summarizeError(err: unknown, depth = 0): ErrorSummary {
  if (!(err instanceof Error)) {
    const message = typeof err === 'string' ? err : err === undefined ? 'undefined' : (JSON.stringify(err) ?? String(err)).slice(0, 200);
    return { type: typeof err, message: messageWithoutSql(message) };
  }
  const fields = err as Error & { code?: unknown; constraint?: unknown; cause?: unknown };
  const summary: ErrorSummary = { type: err.constructor?.name ?? err.name, message: messageWithoutSql(err.message) };
  if (typeof fields.code === 'string' || typeof fields.code === 'number') summary.code = String(fields.code);
  if (typeof fields.constraint === 'string') summary.constraint = fields.constraint;
  const frames = (err.stack ?? '')
    .split('\n')
    .filter((line) => line.trim().startsWith('at '))
    .slice(0, 8)
    .map((line) => line.trim());
  if (frames.length) summary.stack = frames.join('\n');
  if (fields.cause !== undefined && depth < 2) summary.cause = summarizeError(fields.cause, depth + 1);
  return summary;
}
