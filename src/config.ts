import { z } from 'zod';

/**
 * The only reader of process.env. Everything is validated at start-up, in one
 * pass: a bad configuration stops the process with one message naming every
 * bad variable, what is wrong with it and what it accepts.
 */

/** The value as the user wrote it, for messages (long values cut short). */
const shown = (raw: unknown): string => {
  const text = String(raw);
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
};

const bool = z.string().transform((raw, ctx) => {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  ctx.addIssue({ code: 'custom', message: `must be true or false (or 1/0, yes/no) (got ${shown(raw)})` });
  return z.NEVER;
});

/** An integer in [min, max]; decimal digits only (no "1e3", no "0x10", no "1.5"). */
const int = (min: number, max: number) =>
  z.string().transform((raw, ctx) => {
    const text = raw.trim();
    const n = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (Number.isSafeInteger(n) && n >= min && n <= max) return n;
    ctx.addIssue({ code: 'custom', message: `must be an integer ${min}-${max} (got ${shown(raw)})` });
    return z.NEVER;
  });

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.string().transform((raw, ctx) => {
    const isOne = (v: string): v is T[number] => values.includes(v);
    if (isOne(raw)) return raw;
    ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')} (got ${shown(raw)})` });
    return z.NEVER;
  });

const required = (example: string) => ({ error: `is required (for example ${example})` });

/** The default database when MONGODB_URI names none (instead of the driver's `test`). */
export const DEFAULT_DATABASE = 'booking';

/**
 * The database a MongoDB URI names in its path (`mongodb://h1,h2/NAME?...`),
 * or null when it names none. Credentials may not contain an unescaped "/",
 * so the path starts at the first "/" after the scheme.
 */
export function mongoUriDatabase(uri: string): string | null {
  const rest = uri.replace(/^mongodb(\+srv)?:\/\//, '');
  const slash = rest.indexOf('/');
  if (slash < 0) return null;
  const name = rest.slice(slash + 1).split('?')[0]!;
  return name === '' ? null : decodeURIComponent(name);
}

/** A URI without the password of its credentials, for messages and logs. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_all, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0];
    return `${scheme}${user ? `${user}:` : ''}***@`;
  });
}

const schema = z.object({
  PORT: int(0, 65535).default(50051),
  BIND_HOST: z.string().min(1).default('0.0.0.0'),
  MONGODB_URI: z
    .string(required('mongodb://127.0.0.1:27017/booking'))
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: int(100, 120_000).default(5_000),
  REDIS_URL: z
    .string(required('redis://127.0.0.1:6379'))
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  REDIS_COMMAND_TIMEOUT_MS: int(10, 60_000).default(500),
  /** Independent Redis nodes for the Redlock quorum, comma-separated; default: REDIS_URL alone. */
  REDIS_LOCK_URLS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^rediss?:\/\//, 'each must be a redis:// or rediss:// URL')).min(1))
    .optional(),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BOOKING_LOCK_ENABLED: bool.default(true),
  BOOKING_LOCK_TTL_MS: int(100, 60_000).default(2_000),
  BOOKING_LOCK_FAILURE_MODE: oneOf(['proceed', 'reject']).default('proceed'),
  BOOKING_LOCK_REPAIR_WAIT_MS: int(0, 10_000).default(500),
  BOOKING_LOCK_PLACES_WAIT_MS: int(0, 10_000).default(2_000),
  BOOKING_TAKEN_MARKER_TTL_MS: int(0, 60_000).default(3_000),
  MAX_SLOTS_PER_GENERATION: int(1, 1_000_000).default(40_000),
  /** How long a service read is served from memory (0: always read the database). */
  SERVICE_CACHE_TTL_MS: int(0, 3_600_000).default(10_000),
  GRPC_MAX_RECEIVE_MESSAGE_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  HOLD_DEFAULT_TTL_SECONDS: int(1, 86_400).default(300),
  HOLD_MAX_TTL_SECONDS: int(1, 86_400).default(900),
  HOLD_CONFIRM_MARGIN_MS: int(0, 60_000).default(500),
  RECONCILER_ENABLED: bool.default(true),
  RECONCILER_INTERVAL_MS: int(100, 3_600_000).default(5_000),
  RECONCILER_GRACE_MS: int(0, 3_600_000).default(30_000),
  RECONCILER_LOOKBACK_MS: int(1_000, 30 * 86_400_000).default(86_400_000),
  REQUEST_ID_RETENTION_MS: int(60_000, 30 * 86_400_000).default(86_400_000),
  WATCH_BUFFER_LIMIT: int(10, 1_000_000).default(1_000),
  WATCH_SLOW_AFTER_MS: int(0, 600_000).default(2_000),
  WATCH_HEARTBEAT_MS: int(100, 600_000).default(15_000),
  WATCH_BATCH_WINDOW_MS: int(0, 10_000).default(50),
  EVENTS_MAX_LENGTH: int(100, 10_000_000).default(10_000),
  EVENTS_REPUBLISH_WINDOW_MS: int(1_000, 86_400_000).default(300_000),
  WATCH_MAX_STREAMS_PER_PRINCIPAL: int(1, 100_000).default(20),
  METRICS_ENABLED: bool.default(true),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_PORT: int(0, 65535).default(9464),
  AUTH_DISABLED: bool.default(false),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  AUTH_JWKS_URL: z.url('must be a URL (for example https://idp.example/.well-known/jwks.json)').optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_CLOCK_SKEW_SECONDS: int(0, 600).default(30),
  AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  /** The health probe's client certificate under mutual TLS (src/healthcheck.ts). */
  HEALTHCHECK_TLS_CERT_FILE: z.string().min(1).optional(),
  HEALTHCHECK_TLS_KEY_FILE: z.string().min(1).optional(),
});

type Env = Record<string, string>;
interface Issue {
  variable: string;
  message: string;
}

/**
 * Rules across variables. They read the raw values, not the parsed ones, so
 * they run even when some other variable is invalid: every problem is reported
 * in the first round, not one round of fixes at a time.
 */
function crossFieldIssues(env: Env): Issue[] {
  const issues: Issue[] = [];
  const authDisabled = schema.shape.AUTH_DISABLED.safeParse(env.AUTH_DISABLED);
  // An invalid AUTH_DISABLED is reported on its own; whether auth is on is then unknown.
  if (authDisabled.success && !authDisabled.data) {
    const switchOff = ' (or AUTH_DISABLED=true to switch authentication off)';
    const keySources = ['AUTH_JWT_SECRET', 'AUTH_JWKS_FILE', 'AUTH_JWKS_URL'].filter((k) => env[k]);
    if (keySources.length !== 1)
      issues.push({
        variable: keySources[0] ?? 'AUTH_JWT_SECRET',
        message:
          `authentication needs exactly one of AUTH_JWT_SECRET, AUTH_JWKS_FILE or AUTH_JWKS_URL` +
          (keySources.length ? ` (got ${keySources.join(' and ')})` : switchOff),
      });
    for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE'])
      if (!env[name]) issues.push({ variable: name, message: `is required with authentication${switchOff}` });
  }
  const pair = (a: string, b: string): void => {
    if (Boolean(env[a]) !== Boolean(env[b]))
      issues.push({ variable: env[a] ? b : a, message: `${a} and ${b} go together: set both or neither` });
  };
  pair('TLS_CERT_FILE', 'TLS_KEY_FILE');
  pair('HEALTHCHECK_TLS_CERT_FILE', 'HEALTHCHECK_TLS_KEY_FILE');
  if (env.TLS_CLIENT_CA_FILE && !env.TLS_CERT_FILE)
    issues.push({
      variable: 'TLS_CLIENT_CA_FILE',
      message: 'mutual TLS needs TLS_CERT_FILE and TLS_KEY_FILE',
    });
  return issues;
}

/** Empty (or blank) variables count as unset, as in most deployment tools. */
function presentVariables(env: NodeJS.ProcessEnv): Env {
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''),
  );
}

/** Parses `env` with `object`, or throws one ConfigError naming every bad variable. */
function parseAll<T extends z.ZodType>(object: T, env: Env, extra: Issue[] = []): z.output<T> {
  const parsed = object.safeParse(env);
  const issues: Issue[] = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => ({ variable: i.path.join('.'), message: i.message }))),
    ...extra,
  ];
  if (issues.length > 0) {
    const lines = issues
      .sort((a, b) => a.variable.localeCompare(b.variable))
      .map((i) => `  ${i.variable}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data as z.output<T>;
}

export interface AppConfig {
  port: number;
  bindHost: string;
  /** dbName: the database to use when the URI names none (null: the URI's own). */
  mongo: { uri: string; dbName: string | null; serverSelectionTimeoutMs: number };
  redis: { url: string; commandTimeoutMs: number; lockUrls: string[] };
  logLevel: string;
  /** takenMarkerTtlMs: how long "slot booked" is remembered in Redis (0: never). */
  lock: {
    enabled: boolean;
    ttlMs: number;
    failureMode: 'proceed' | 'reject';
    takenMarkerTtlMs: number;
    /** How long a request waits for a slot's gate held by a background repair. */
    repairWaitMs: number;
    /** How long a request waits for the gate of a slot of several places held by another booker. */
    placesWaitMs: number;
  };
  maxSlotsPerGeneration: number;
  serviceCacheTtlMs: number;
  grpcMaxReceiveMessageBytes: number;
  shutdownGraceMs: number;
  holds: { defaultTtlSeconds: number; maxTtlSeconds: number; confirmMarginMs: number };
  watch: {
    bufferLimit: number;
    slowAfterMs: number;
    heartbeatMs: number;
    maxStreamsPerPrincipal: number;
    /** A service's changes within this long of its previous fan-out go out together; 0: at once. */
    batchWindowMs: number;
  };
  /** null: authentication switched off (AUTH_DISABLED=true). */
  auth: {
    secret: string | null;
    jwksFile: string | null;
    jwksUrl: string | null;
    issuer: string;
    audience: string;
    clockSkewSeconds: number;
    rolesClaim: string;
  } | null;
  tls: { certFile: string; keyFile: string; clientCaFile: string | null } | null;
  /** Prometheus /metrics on its own port; null when switched off. */
  metrics: { host: string; port: number } | null;
  events: { maxLength: number; republishWindowMs: number };
  reconciler: {
    enabled: boolean;
    intervalMs: number;
    graceMs: number;
    lookbackMs: number;
    requestRetentionMs: number;
  };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const present = presentVariables(env);
  const c = parseAll(schema, present, crossFieldIssues(present));
  return {
    port: c.PORT,
    bindHost: c.BIND_HOST,
    mongo: {
      uri: c.MONGODB_URI,
      dbName: mongoUriDatabase(c.MONGODB_URI) === null ? DEFAULT_DATABASE : null,
      serverSelectionTimeoutMs: c.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    },
    redis: {
      url: c.REDIS_URL,
      commandTimeoutMs: c.REDIS_COMMAND_TIMEOUT_MS,
      lockUrls: c.REDIS_LOCK_URLS ?? [c.REDIS_URL],
    },
    logLevel: c.LOG_LEVEL,
    lock: {
      enabled: c.BOOKING_LOCK_ENABLED,
      ttlMs: c.BOOKING_LOCK_TTL_MS,
      failureMode: c.BOOKING_LOCK_FAILURE_MODE,
      takenMarkerTtlMs: c.BOOKING_TAKEN_MARKER_TTL_MS,
      repairWaitMs: c.BOOKING_LOCK_REPAIR_WAIT_MS,
      placesWaitMs: c.BOOKING_LOCK_PLACES_WAIT_MS,
    },
    maxSlotsPerGeneration: c.MAX_SLOTS_PER_GENERATION,
    serviceCacheTtlMs: c.SERVICE_CACHE_TTL_MS,
    grpcMaxReceiveMessageBytes: c.GRPC_MAX_RECEIVE_MESSAGE_BYTES,
    shutdownGraceMs: c.SHUTDOWN_GRACE_MS,
    holds: {
      defaultTtlSeconds: Math.min(c.HOLD_DEFAULT_TTL_SECONDS, c.HOLD_MAX_TTL_SECONDS),
      maxTtlSeconds: c.HOLD_MAX_TTL_SECONDS,
      confirmMarginMs: c.HOLD_CONFIRM_MARGIN_MS,
    },
    watch: {
      bufferLimit: c.WATCH_BUFFER_LIMIT,
      slowAfterMs: c.WATCH_SLOW_AFTER_MS,
      heartbeatMs: c.WATCH_HEARTBEAT_MS,
      maxStreamsPerPrincipal: c.WATCH_MAX_STREAMS_PER_PRINCIPAL,
      batchWindowMs: c.WATCH_BATCH_WINDOW_MS,
    },
    auth: c.AUTH_DISABLED
      ? null
      : {
          secret: c.AUTH_JWT_SECRET ?? null,
          jwksFile: c.AUTH_JWKS_FILE ?? null,
          jwksUrl: c.AUTH_JWKS_URL ?? null,
          issuer: c.AUTH_ISSUER!,
          audience: c.AUTH_AUDIENCE!,
          clockSkewSeconds: c.AUTH_CLOCK_SKEW_SECONDS,
          rolesClaim: c.AUTH_ROLES_CLAIM,
        },
    metrics: c.METRICS_ENABLED ? { host: c.METRICS_HOST, port: c.METRICS_PORT } : null,
    tls: c.TLS_CERT_FILE
      ? { certFile: c.TLS_CERT_FILE, keyFile: c.TLS_KEY_FILE!, clientCaFile: c.TLS_CLIENT_CA_FILE ?? null }
      : null,
    events: { maxLength: c.EVENTS_MAX_LENGTH, republishWindowMs: c.EVENTS_REPUBLISH_WINDOW_MS },
    reconciler: {
      enabled: c.RECONCILER_ENABLED,
      intervalMs: c.RECONCILER_INTERVAL_MS,
      graceMs: c.RECONCILER_GRACE_MS,
      lookbackMs: c.RECONCILER_LOOKBACK_MS,
      requestRetentionMs: c.REQUEST_ID_RETENTION_MS,
    },
  };
}

/** What the health probe needs: where the server listens and how it speaks TLS. */
export interface ProbeConfig {
  port: number;
  bindHost: string;
  tls: {
    certFile: string;
    keyFile: string;
    clientCaFile: string | null;
    /** The probe's own client pair for mutual TLS, when configured. */
    clientCertFile: string | null;
    clientKeyFile: string | null;
  } | null;
}

const probeSchema = schema.pick({
  PORT: true,
  BIND_HOST: true,
  TLS_CERT_FILE: true,
  TLS_KEY_FILE: true,
  TLS_CLIENT_CA_FILE: true,
  HEALTHCHECK_TLS_CERT_FILE: true,
  HEALTHCHECK_TLS_KEY_FILE: true,
});

/** The server's listen and TLS settings, read from the same variables as loadConfig (and no others). */
export function loadProbeConfig(env: NodeJS.ProcessEnv = process.env): ProbeConfig {
  const present = presentVariables(env);
  const tlsIssues = crossFieldIssues({ ...present, AUTH_DISABLED: 'true' });
  const c = parseAll(probeSchema, present, tlsIssues);
  return {
    port: c.PORT,
    bindHost: c.BIND_HOST,
    tls: c.TLS_CERT_FILE
      ? {
          certFile: c.TLS_CERT_FILE,
          keyFile: c.TLS_KEY_FILE!,
          clientCaFile: c.TLS_CLIENT_CA_FILE ?? null,
          clientCertFile: c.HEALTHCHECK_TLS_CERT_FILE ?? null,
          clientKeyFile: c.HEALTHCHECK_TLS_KEY_FILE ?? null,
        }
      : null,
  };
}
