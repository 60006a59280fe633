import { z } from 'zod';
import { authConfig, authIssues, authVariables, type AuthConfig } from './auth';
import {
  bookingVariables,
  holdsConfig,
  lockConfig,
  reconcilerConfig,
  type HoldsConfig,
  type LockConfig,
  type ReconcilerConfig,
} from './booking';
import { databaseVariables, mongoConfig, type MongoConfig } from './database';
import { redisConfig, redisVariables, type RedisConfig } from './redis';
import {
  metricsConfig,
  serverVariables,
  tlsConfig,
  tlsIssues,
  tlsVariables,
  type MetricsConfig,
  type TlsConfig,
} from './server';
import { parseAll, presentVariables } from './variables';
import { eventsConfig, watchConfig, watchVariables, type EventsConfig, type WatchConfig } from './watch';

/**
 * The only reader of process.env. Everything is validated at start-up, in one
 * pass: a bad configuration stops the process with one message naming every
 * bad variable, what is wrong with it and what it accepts. Each section's
 * variables, defaults and rules are in the file of its name.
 */

export { ConfigError, redactUri } from './variables';
export { DEFAULT_DATABASE, mongoUriDatabase } from './database';
export { loadProbeConfig, type ProbeConfig } from './probe';

const schema = z.object({
  ...serverVariables,
  ...databaseVariables,
  ...redisVariables,
  ...bookingVariables,
  ...watchVariables,
  ...authVariables,
  ...tlsVariables,
});

export interface AppConfig {
  port: number;
  bindHost: string;
  mongo: MongoConfig;
  redis: RedisConfig;
  logLevel: string;
  lock: LockConfig;
  maxSlotsPerGeneration: number;
  serviceCacheTtlMs: number;
  grpcMaxReceiveMessageBytes: number;
  shutdownGraceMs: number;
  holds: HoldsConfig;
  watch: WatchConfig;
  /** null: authentication switched off (AUTH_DISABLED=true). */
  auth: AuthConfig | null;
  tls: TlsConfig | null;
  /** Prometheus /metrics on its own port; null when switched off. */
  metrics: MetricsConfig | null;
  events: EventsConfig;
  reconciler: ReconcilerConfig;
}

/**
 * The rules across variables run on the raw values, not the parsed ones, so
 * they run even when some other variable is invalid: every problem is reported
 * in the first round, not one round of fixes at a time.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const present = presentVariables(env);
  const c = parseAll(schema, present, [...authIssues(present), ...tlsIssues(present)]);
  return {
    port: c.PORT,
    bindHost: c.BIND_HOST,
    mongo: mongoConfig(c),
    redis: redisConfig(c),
    logLevel: c.LOG_LEVEL,
    lock: lockConfig(c),
    maxSlotsPerGeneration: c.MAX_SLOTS_PER_GENERATION,
    serviceCacheTtlMs: c.SERVICE_CACHE_TTL_MS,
    grpcMaxReceiveMessageBytes: c.GRPC_MAX_RECEIVE_MESSAGE_BYTES,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    holds: holdsConfig(c),
    watch: watchConfig(c),
    auth: authConfig(c),
    metrics: metricsConfig(c),
    tls: tlsConfig(c),
    events: eventsConfig(c),
    reconciler: reconcilerConfig(c),
  };
}
