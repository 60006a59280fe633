import { startApp } from './app';
import { ConfigError, loadConfig, type AppConfig } from './config';
import { StartupError } from './startup-error';

/**
 * Process entry point: configuration from the environment alone, no
 * provisioning. SIGTERM/SIGINT drain and stop.
 *
 * A failure to start is one message on stderr naming the variable to fix and
 * what to do, and a non-zero exit: 2 for an invalid configuration, 1 for
 * anything that went wrong starting (a database out of reach, a port taken).
 * No stack trace, unless LOG_LEVEL is debug or trace.
 */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(2, err.message);
    throw err;
  }
  let app;
  try {
    app = await startApp(config);
  } catch (err) {
    if (err instanceof StartupError) fail(1, `cannot start: ${err.message}`);
    const verbose = config.logLevel === 'debug' || config.logLevel === 'trace';
    fail(
      1,
      `failed to start: ${verbose && err instanceof Error ? err.stack : `${String(err)} (LOG_LEVEL=debug shows the stack)`}`,
    );
  }
  const running = app;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      running.shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          running.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

function fail(code: number, message: string): never {
  process.stderr.write(`booking: ${message}\n`);
  process.exit(code);
}

main().catch((err: unknown) =>
  fail(1, `failed to start: ${err instanceof Error ? err.message : String(err)}`),
);
