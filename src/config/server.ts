import { z } from 'zod';
import { bool, int, oneOf, type Env, type Issue, type Parsed } from './variables';

/** Where the gRPC server listens (the health probe reads these too). */
export const listenVariables = {
  PORT: int(0, 65535).default(50051),
  BIND_HOST: z.string().min(1).default('0.0.0.0'),
};

export const serverVariables = {
  ...listenVariables,
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRPC_MAX_RECEIVE_MESSAGE_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  METRICS_ENABLED: bool.default(true),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  METRICS_PORT: int(0, 65535).default(9464),
};

export const tlsVariables = {
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  /** The health probe's client certificate under mutual TLS (src/healthcheck.ts). */
  HEALTHCHECK_TLS_CERT_FILE: z.string().min(1).optional(),
  HEALTHCHECK_TLS_KEY_FILE: z.string().min(1).optional(),
};

export interface TlsConfig {
  certFile: string;
  keyFile: string;
  clientCaFile: string | null;
}

/** Prometheus /metrics on its own port; null in AppConfig when switched off. */
export interface MetricsConfig {
  host: string;
  port: number;
}

/** Rules across the TLS variables, on the raw values (see authIssues). */
export function tlsIssues(env: Env): Issue[] {
  const issues: Issue[] = [];
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

/** Only once tlsIssues found nothing: then TLS_KEY_FILE is set with TLS_CERT_FILE. */
export function tlsConfig(c: Parsed<typeof tlsVariables>): TlsConfig | null {
  return c.TLS_CERT_FILE
    ? { certFile: c.TLS_CERT_FILE, keyFile: c.TLS_KEY_FILE!, clientCaFile: c.TLS_CLIENT_CA_FILE ?? null }
    : null;
}

export function metricsConfig(c: Parsed<typeof serverVariables>): MetricsConfig | null {
  return c.METRICS_ENABLED ? { host: c.METRICS_HOST, port: c.METRICS_PORT } : null;
}
