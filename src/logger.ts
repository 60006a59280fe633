import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The process logger: JSON lines on stdout (or on `destination`, e.g.
 * pino-pretty in `npm run dev` on a terminal), secrets redacted by path.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'booking' },
    redact: { paths: ['*.authorization', '*.token', '*.password', '*.secret'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
