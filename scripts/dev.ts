/**
 * Dev runner (`npm run dev`): backing services + the service, from source.
 * MONGODB_URI / REDIS_URL win if set; otherwise local binaries keep their data
 * in <repo>/.data so it survives restarts. Ctrl-C (SIGINT) / SIGTERM shut the
 * service down, then the databases; nothing is left running.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { mintToken } from './mint-token';
import { obtainBackingServices, redact, type BackingServices } from '../test/support/backing-services';

const REPO = path.resolve(__dirname, '..');
const DEV_DB = 'booking_dev';

type App = { port: number; address: string; shutdown(reason?: string): Promise<void> };

function log(line: string): void {
  process.stderr.write(`[dev] ${line}\n`);
}

/** mongodb://h:p/?x=y -> mongodb://h:p/booking_dev?x=y (only when the URI names no database). */
function withDefaultDb(uri: string, db: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(uri);
  if (!m || m[2]) return uri;
  return `${m[1]}/${db}${m[3] ?? ''}`;
}

/**
 * Unless authentication is configured (or explicitly off), the dev run makes
 * a throw-away HS256 secret and mints a token per role to paste into grpcurl.
 */
async function devAuth(): Promise<Record<string, string> | null> {
  const e = process.env;
  if (e.AUTH_DISABLED === 'true' || e.AUTH_JWT_SECRET || e.AUTH_JWKS_FILE || e.AUTH_JWKS_URL) return null;
  e.AUTH_JWT_SECRET = randomBytes(32).toString('base64url');
  e.AUTH_ISSUER = 'booking-dev';
  e.AUTH_AUDIENCE = 'booking';
  const mint = (subject: string, roles: string[]): Promise<string> =>
    mintToken({
      secret: e.AUTH_JWT_SECRET!,
      issuer: e.AUTH_ISSUER!,
      audience: e.AUTH_AUDIENCE!,
      subject,
      roles,
      ttlSeconds: 12 * 3600,
    });
  return {
    ADMIN_TOKEN: await mint('dev-admin', ['admin']),
    SERVICE_TOKEN: await mint('dev-backend', ['service']),
    USER_TOKEN: await mint('alice', ['user']),
  };
}

let backing: BackingServices | undefined;
let app: App | undefined;
let stopping = false;

async function shutdown(reason: string, code: number): Promise<never> {
  if (stopping) {
    log(`${reason} again: exiting now (databases are stopped by their supervisors)`);
    process.exit(code || 130);
  }
  stopping = true;
  log(`${reason}: shutting down`);
  try {
    await app?.shutdown(reason);
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

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  backing = await obtainBackingServices({
    persistentDir: path.join(REPO, '.data'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const mongoUri = backing.kind === 'external' ? backing.mongoUri : withDefaultDb(backing.mongoUri, DEV_DB);
  process.env.MONGODB_URI = mongoUri;
  process.env.REDIS_URL = backing.redisUrl;
  const tokens = await devAuth();
  if (stopping) return;

  // Imported only now, so nothing in src/ reads the environment before it is complete.
  const { loadConfig } = await import('../src/config');
  const { startApp } = await import('../src/app');
  app = await startApp(loadConfig(process.env));
  if (stopping) return;

  const target = `127.0.0.1:${app.port}`;
  log(`booking service listening on ${app.address}`);
  log(`MONGODB_URI=${redact(mongoUri)}`);
  log(`REDIS_URL=${redact(backing.redisUrl)}`);
  log('try (grpcurl: go install github.com/fullstorydev/grpcurl/cmd/grpcurl@latest):');
  process.stderr.write(`  grpcurl -plaintext ${target} list\n`);
  if (tokens) {
    log('throw-away tokens for this run (HS256, secret generated at start, valid 12 h):');
    for (const [role, token] of Object.entries(tokens)) process.stderr.write(`  export ${role}=${token}\n`);
    process.stderr.write(
      `  grpcurl -plaintext -H "authorization: Bearer $ADMIN_TOKEN" -d '{}' ${target} booking.v1.BookingService/ListServices\n`,
    );
  } else {
    process.stderr.write(`  grpcurl -plaintext -d '{}' ${target} booking.v1.BookingService/ListServices\n`);
  }
  log('Ctrl-C to stop');
}

main().catch(async (err: unknown) => {
  log(`failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await shutdown('start-up failure', 1);
});
