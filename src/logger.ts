import pino, { type Logger } from 'pino';

export type { Logger };

/** The process logger: JSON lines on stdout, secrets redacted by path. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'booking' },
    redact: { paths: ['*.authorization', '*.token', '*.password', '*.secret'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
