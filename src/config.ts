import { z } from 'zod';

/**
 * The only reader of process.env. Everything is validated at start-up; a bad
 * value stops the process with a message naming the variable.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  PORT: int(0, 65535).default(50051),
  BIND_HOST: z.string().min(1).default('0.0.0.0'),
  MONGODB_URI: z
    .string({ error: 'is required (for example mongodb://127.0.0.1:27017/booking)' })
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: int(100, 120_000).default(5_000),
  REDIS_URL: z
    .string({ error: 'is required (for example redis://127.0.0.1:6379)' })
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BOOKING_LOCK_ENABLED: bool.default(true),
  BOOKING_LOCK_TTL_MS: int(100, 60_000).default(2_000),
  BOOKING_LOCK_FAILURE_MODE: z.enum(['proceed', 'reject']).default('proceed'),
  BOOKING_LOCK_REPAIR_WAIT_MS: int(0, 10_000).default(500),
  BOOKING_TAKEN_MARKER_TTL_MS: int(0, 60_000).default(3_000),
  MAX_SLOTS_PER_GENERATION: int(1, 1_000_000).default(40_000),
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
  EVENTS_MAX_LENGTH: int(100, 10_000_000).default(10_000),
  EVENTS_REPUBLISH_WINDOW_MS: int(1_000, 86_400_000).default(300_000),
  WATCH_MAX_STREAMS_PER_PRINCIPAL: int(1, 100_000).default(20),
  METRICS_ENABLED: bool.default(true),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_PORT: int(0, 65535).default(9464),
  AUTH_DISABLED: bool.default(false),
  AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_CLOCK_SKEW_SECONDS: int(0, 600).default(30),
  AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
});

/** Cross-field rules: authentication is on unless explicitly switched off, TLS files come in pairs. */
const checked = schema.superRefine((c, ctx) => {
  const keySources = [c.AUTH_JWT_SECRET, c.AUTH_JWKS_FILE, c.AUTH_JWKS_URL].filter(Boolean).length;
  if (!c.AUTH_DISABLED) {
    if (keySources !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message:
          'authentication needs exactly one of AUTH_JWT_SECRET, AUTH_JWKS_FILE or AUTH_JWKS_URL (or AUTH_DISABLED=true to switch it off)',
      });
    if (!c.AUTH_ISSUER)
      ctx.addIssue({ code: 'custom', path: ['AUTH_ISSUER'], message: 'is required with authentication' });
    if (!c.AUTH_AUDIENCE)
      ctx.addIssue({ code: 'custom', path: ['AUTH_AUDIENCE'], message: 'is required with authentication' });
  }
  if (Boolean(c.TLS_CERT_FILE) !== Boolean(c.TLS_KEY_FILE))
    ctx.addIssue({
      code: 'custom',
      path: ['TLS_KEY_FILE'],
      message: 'TLS_CERT_FILE and TLS_KEY_FILE go together',
    });
  if (c.TLS_CLIENT_CA_FILE && !c.TLS_CERT_FILE)
    ctx.addIssue({
      code: 'custom',
      path: ['TLS_CLIENT_CA_FILE'],
      message: 'mutual TLS needs TLS_CERT_FILE and TLS_KEY_FILE',
    });
});

export interface AppConfig {
  port: number;
  bindHost: string;
  mongo: { uri: string; serverSelectionTimeoutMs: number };
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
  };
  maxSlotsPerGeneration: number;
  grpcMaxReceiveMessageBytes: number;
  shutdownGraceMs: number;
  holds: { defaultTtlSeconds: number; maxTtlSeconds: number; confirmMarginMs: number };
  watch: { bufferLimit: number; slowAfterMs: number; heartbeatMs: number; maxStreamsPerPrincipal: number };
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
  // Empty (or blank) variables count as unset, as in most deployment tools.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = checked.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    bindHost: c.BIND_HOST,
    mongo: { uri: c.MONGODB_URI, serverSelectionTimeoutMs: c.MONGODB_SERVER_SELECTION_TIMEOUT_MS },
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
    },
    maxSlotsPerGeneration: c.MAX_SLOTS_PER_GENERATION,
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
