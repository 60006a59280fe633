/**
 * Dev runner (`npm run dev`): backing services + the service, from source.
 *
 * - MONGODB_URI / REDIS_URL win if set; otherwise local binaries keep their
 *   data in the dev data dir (BOOKING_DEV_DATA_DIR, default <repo>/.data) so
 *   it survives restarts.
 * - Listens on 127.0.0.1 (gRPC and metrics) unless BIND_HOST / METRICS_HOST say
 *   otherwise: it prints admin tokens.
 * - Authentication: AUTH_* from the environment if set, else a dev HS256 secret
 *   kept in <data dir>/dev-auth.json (0600) and reused at every start, so
 *   tokens outlive restarts and `npm run token` (no AUTH_* needed) signs with
 *   it too (dev-auth.ts).
 * - Ctrl-C (SIGINT) / SIGTERM drain the service, then stop the databases. A
 *   terminal's Ctrl-C reaches this process twice under `npm run` (once from the
 *   terminal, once passed on by npm), so a repeat within REPEAT_WINDOW_MS counts
 *   as the same keypress; a later one forces the exit.
 * - Logs: pino-pretty when stdout is a terminal, JSON lines otherwise.
 */
import * as path from 'node:path';
import { mintToken } from './mint-token';
import { devDataDir, hsSetupFromEnv, readOrCreateDevAuth, type HsSetup } from './dev-auth';
import type { Logger } from '../src/logger';
import { obtainBackingServices, redact, type BackingServices } from './local-servers';

const DEV_DB = 'booking_dev';
const TOKEN_TTL_SECONDS = 12 * 3600;
/** A second signal this soon after the first is the same Ctrl-C relayed, not a request to force. */
const REPEAT_WINDOW_MS = 2_000;

type App = {
  port: number;
  address: string;
  metricsPort: number | null;
  shutdown(reason?: string): Promise<void>;
};

/** `p` relative to the working directory when inside it (".data"), else absolute. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

function log(line: string): void {
  process.stderr.write(`[dev] ${line}\n`);
}

const unset = (v: string | undefined): boolean => v === undefined || v.trim() === '';

/** mongodb://h:p/?x=y -> mongodb://h:p/booking_dev?x=y (only when the URI names no database). */
function withDefaultDb(uri: string, db: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(uri);
  if (!m || m[2]) return uri;
  return `${m[1]}/${db}${m[3] ?? ''}`;
}

/** An address clients on this machine can dial: a wildcard bind is reached on loopback. */
function dialable(host: string, port: number): string {
  const h = ['0.0.0.0', '::', '[::]'].includes(host) ? '127.0.0.1' : host;
  return `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}`;
}

/**
 * The HS256 setup the server will verify with (also put into the environment
 * for src/config.ts), or null when authentication is off or uses a JWKS.
 */
function devAuth(dataDir: string): (HsSetup & { created: boolean }) | null {
  const e = process.env;
  if (e.AUTH_DISABLED === 'true' || !unset(e.AUTH_JWKS_FILE) || !unset(e.AUTH_JWKS_URL)) return null;
  const setup = hsSetupFromEnv(e) ?? readOrCreateDevAuth(dataDir);
  e.AUTH_JWT_SECRET = setup.secret;
  e.AUTH_ISSUER = setup.issuer;
  e.AUTH_AUDIENCE = setup.audience;
  return { created: false, ...setup };
}

let backing: BackingServices | undefined;
let app: App | undefined;
let stopping = false;
let firstSignalAt = 0;

function onSignal(signal: NodeJS.Signals): void {
  if (!stopping) {
    firstSignalAt = Date.now();
    void shutdown(signal, 0);
    return;
  }
  if (Date.now() - firstSignalAt < REPEAT_WINDOW_MS) {
    log(
      `${signal} again within ${REPEAT_WINDOW_MS / 1000} s: the same Ctrl-C passed on by npm; still draining`,
    );
    return;
  }
  log(`${signal} again: exiting now without draining (databases are stopped by their supervisors)`);
  process.exit(130);
}

async function shutdown(reason: string, code: number): Promise<never> {
  stopping = true;
  const force = reason.startsWith('SIG') ? ` (Ctrl-C again after ${REPEAT_WINDOW_MS / 1000} s to force)` : '';
  log(`${reason}: draining calls, then stopping the databases${force}`);
  try {
    await app?.shutdown(reason);
    if (app) log('service drained and stopped');
  } catch (err) {
    log(`service shutdown failed: ${String(err)}`);
    code ||= 1;
  }
  try {
    await backing?.stop();
  } catch (err) {
    log(`stopping databases failed: ${String(err)}`);
    code ||= 1;
  }
  log('stopped');
  process.exit(code);
}

/** pino-pretty on a terminal (synchronous, so nothing is lost at exit); JSON lines otherwise. */
async function devLogger(level: string): Promise<Logger> {
  const { createLogger } = await import('../src/logger');
  if (!process.stdout.isTTY) return createLogger(level);
  const pretty = (await import('pino-pretty')).default;
  return createLogger(
    level,
    pretty({
      colorize: true,
      sync: true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
    }),
  );
}

async function main(): Promise<void> {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const dataDir = devDataDir();
  backing = await obtainBackingServices({
    persistentDir: dataDir,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const mongoUri = backing.kind === 'external' ? backing.mongoUri : withDefaultDb(backing.mongoUri, DEV_DB);
  const e = process.env;
  e.MONGODB_URI = mongoUri;
  e.REDIS_URL = backing.redisUrl;
  // Loopback unless the user says otherwise: this run prints admin tokens.
  if (unset(e.BIND_HOST)) e.BIND_HOST = '127.0.0.1';
  if (unset(e.METRICS_HOST)) e.METRICS_HOST = '127.0.0.1';
  const auth = devAuth(dataDir);
  if (stopping) return;

  // Imported only now, so nothing in src/ reads the environment before it is complete.
  const { loadConfig } = await import('../src/config');
  const { startApp } = await import('../src/app');
  const config = loadConfig(e);
  app = await startApp(config, { logger: await devLogger(config.logLevel) });
  if (stopping) return;

  const target = dialable(config.bindHost, app.port);
  log(`booking service listening on ${app.address} (data in ${shown(dataDir)})`);
  if (app.metricsPort !== null && config.metrics) {
    log(`metrics on http://${dialable(config.metrics.host, app.metricsPort)}/metrics`);
  }
  log(`MONGODB_URI=${redact(mongoUri)}`);
  log(`REDIS_URL=${redact(backing.redisUrl)}`);
  log('try (grpcurl: go install github.com/fullstorydev/grpcurl/cmd/grpcurl@latest):');
  process.stderr.write(`  grpcurl -plaintext ${target} list\n`);
  if (auth) {
    const mint = (subject: string, roles: string[]): Promise<string> =>
      mintToken({ ...auth, subject, roles, ttlSeconds: TOKEN_TTL_SECONDS });
    const tokens = {
      ADMIN_TOKEN: await mint('dev-admin', ['admin']),
      PROVIDER_TOKEN: await mint('dev-clinic', ['provider']),
      SERVICE_TOKEN: await mint('dev-backend', ['service']),
      USER_TOKEN: await mint('alice', ['user']),
    };
    const secret =
      auth.source === 'the environment'
        ? 'AUTH_JWT_SECRET from the environment'
        : `dev secret ${auth.created ? 'created in' : 'from'} ${shown(auth.source)}, kept across restarts`;
    log(`tokens, valid 12 h (HS256, issuer ${auth.issuer}, audience ${auth.audience}, ${secret}):`);
    for (const [role, token] of Object.entries(tokens)) process.stderr.write(`  export ${role}=${token}\n`);
    process.stderr.write(
      `  grpcurl -plaintext -H "authorization: Bearer $ADMIN_TOKEN" -d '{}' ${target} booking.v1.BookingService/ListServices\n`,
    );
    log('more tokens, in any shell: npm run --silent token -- --sub bob --roles user [--ttl 12h]');
  } else {
    process.stderr.write(`  grpcurl -plaintext -d '{}' ${target} booking.v1.BookingService/ListServices\n`);
  }
  log('Ctrl-C to stop');
}

main().catch(async (err: unknown) => {
  // Configuration and start-up errors name the variable to fix: their message is the whole story.
  // (matched by name: src/ is imported only once the environment is complete)
  const known = err instanceof Error && (err.name === 'ConfigError' || err.name === 'StartupError');
  const text = err instanceof Error ? (known ? err.message : (err.stack ?? err.message)) : String(err);
  log(`failed to start: ${text}`);
  await shutdown('start-up failure', 1);
});
