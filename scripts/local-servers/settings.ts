/**
 * The tooling's own environment variables (dev, tests, chaos, bench; the
 * service never reads them): which backing services to use and how.
 */
import * as fs from 'node:fs';

export const nonEmpty = (v: string | undefined): string | undefined => (v && v.trim() ? v.trim() : undefined);

/** Hides passwords in URIs for logs. */
export function redact(uri: string): string {
  return uri.replace(/(\/\/[^:/@]+:)[^@/]*@/, '$1***@');
}

export type BackingMode = 'local' | 'testcontainers' | 'auto';

/** BOOKING_BACKING: `local` forces local binaries, `testcontainers` forces containers; unset (or `auto`) chooses. */
export function backingMode(env: NodeJS.ProcessEnv): BackingMode {
  const mode = (env.BOOKING_BACKING ?? '').trim().toLowerCase();
  if (mode === '' || mode === 'auto') return 'auto';
  if (mode === 'local' || mode === 'testcontainers') return mode;
  throw new Error(`BOOKING_BACKING must be "local", "testcontainers" or unset, got "${mode}"`);
}

/** A reachable container engine: DOCKER_HOST, or Docker's default socket. */
export function containerEngine(env: NodeJS.ProcessEnv): string | undefined {
  if (nonEmpty(env.DOCKER_HOST)) return env.DOCKER_HOST;
  if (fs.existsSync('/var/run/docker.sock')) return 'unix:///var/run/docker.sock';
  return undefined;
}

export type FerretdbBackend = 'postgresql' | 'sqlite';

/** BOOKING_FERRETDB_BACKEND: `postgresql` (the default) or `sqlite`. */
export function ferretdbBackend(env: NodeJS.ProcessEnv): FerretdbBackend {
  const value = (env.BOOKING_FERRETDB_BACKEND ?? '').trim().toLowerCase();
  if (value === '' || value === 'postgresql' || value === 'postgres') return 'postgresql';
  if (value === 'sqlite') return 'sqlite';
  throw new Error(`BOOKING_FERRETDB_BACKEND must be "postgresql" (the default) or "sqlite", got "${value}"`);
}
