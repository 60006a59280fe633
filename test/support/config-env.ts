/** Helpers of the configuration tests (test/unit/config/): environments, and what loading one refuses. */
import { ConfigError, loadConfig } from '../../src/config';

// Authentication is configured (and tested) on its own; these tests switch it off.
export const NO_AUTH = { AUTH_DISABLED: 'true' };
export const REQUIRED = {
  ...NO_AUTH,
  MONGODB_URI: 'mongodb://127.0.0.1:27017/booking',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

/** The ConfigError loading `env` throws. */
export function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, the configuration was accepted');
}

/** The variables a ConfigError's message names, one per line. */
export const namedVariables = (err: ConfigError): string[] =>
  err.message
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(':')[0]!)
    .sort();
