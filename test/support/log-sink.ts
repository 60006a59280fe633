/**
 * An app's log lines, captured: an app started with `startLoggedApp` logs at
 * info into its `LogSink`, for tests that read the logs (what the line of a
 * call names; that no token ever reaches them). The logger is plain pino,
 * without the service's redaction paths: a test that finds no token in these
 * lines shows that none was logged, not that one was censored.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { startTestApp, uniqueDatabaseName, type TestApp } from './harness';

export type LogLine = Record<string, unknown>;

export class LogSink {
  /** Every JSON log line written so far, as text. */
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });

  /** Every line parsed (a line that is not JSON as `{ unparsed }`). */
  parsed(): LogLine[] {
    return this.lines.map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return { unparsed: l };
      }
    });
  }

  /** The lines of the calls made with x-request-id `requestId`. */
  linesOf(requestId: string): LogLine[] {
    return this.parsed().filter((l) => l.requestId === requestId);
  }

  text(): string {
    return this.lines.join('\n');
  }
}

/** Like startTestApp (reconciler and metrics off), with the app logging at info into `sink`. */
export function startLoggedApp(env: Record<string, string>, sink: LogSink): Promise<TestApp> {
  return startTestApp(
    { RECONCILER_ENABLED: 'false', METRICS_ENABLED: 'false', ...env },
    {
      database: uniqueDatabaseName('auth'),
      logger: pino({ level: 'info', base: { service: 'booking' } }, sink.stream),
    },
  );
}
