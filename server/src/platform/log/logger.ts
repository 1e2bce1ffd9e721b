import { pino } from 'pino';
import { config } from '../config/config.js';

/**
 * Structured logs. Personal data never goes in: request bodies, cookies and auth headers are
 * redacted, and callers log ids, never names, addresses or message text.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : config().LOG_LEVEL),
  redact: {
    paths: [
      'req.headers.cookie',
      'req.headers.authorization',
      'req.headers["x-csrf-token"]',
      'password',
      '*.password',
    ],
    censor: '[redacted]',
  },
});
