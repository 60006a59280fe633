import { startApp } from './app';
import { ConfigError, loadConfig } from './config';

/**
 * Process entry point: configuration from the environment alone, no
 * provisioning. SIGTERM/SIGINT drain and stop.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`booking: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const app = await startApp(config);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.shutdown(signal).then(
        () => process.exit(0),
        (err: unknown) => {
          app.logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`booking: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
