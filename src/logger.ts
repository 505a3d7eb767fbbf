import pino from 'pino';

/** Structured JSON logs (pino): cheap on the hot path and readable by any log shipper. */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  base: undefined,
});
