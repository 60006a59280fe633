/**
 * The HS256 signing setup that `npm run dev` and `npm run token` share.
 *
 * One rule for both, so a token minted in any shell works against the dev
 * server: AUTH_JWT_SECRET in the environment wins (with AUTH_ISSUER and
 * AUTH_AUDIENCE, default "booking"); otherwise the dev secret that
 * `npm run dev` created under its data dir (BOOKING_DEV_DATA_DIR, default
 * <repo>/.data) in dev-auth.json (mode 0600) and reuses at every start.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_ISSUER = 'booking';
export const DEFAULT_AUDIENCE = 'booking';
/** As src/config.ts requires of AUTH_JWT_SECRET. */
export const MIN_SECRET_LENGTH = 32;

export interface HsSetup {
  secret: string;
  issuer: string;
  audience: string;
  /** Where it came from, for messages: "the environment" or the file's path. */
  source: string;
}

const REPO = path.resolve(__dirname, '..');

const nonEmpty = (v: string | undefined): string | undefined => (v && v.trim() ? v.trim() : undefined);

/** The dev data dir: BOOKING_DEV_DATA_DIR, else <repo>/.data. */
export function devDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(nonEmpty(env.BOOKING_DEV_DATA_DIR) ?? path.join(REPO, '.data'));
}

export const devAuthFile = (dataDir: string): string => path.join(dataDir, 'dev-auth.json');

/** The setup from AUTH_* variables, or undefined when AUTH_JWT_SECRET is not set. */
export function hsSetupFromEnv(env: NodeJS.ProcessEnv = process.env): HsSetup | undefined {
  const secret = nonEmpty(env.AUTH_JWT_SECRET);
  if (!secret) return undefined;
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`AUTH_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return {
    secret,
    issuer: nonEmpty(env.AUTH_ISSUER) ?? DEFAULT_ISSUER,
    audience: nonEmpty(env.AUTH_AUDIENCE) ?? DEFAULT_AUDIENCE,
    source: 'the environment',
  };
}

/** The dev setup saved in `dataDir`, or undefined when there is none yet. */
export function readDevAuth(dataDir: string): HsSetup | undefined {
  const file = devAuthFile(dataDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON; delete it to get a new dev secret`);
  }
  const s = saved as Partial<Record<'secret' | 'issuer' | 'audience', unknown>> | null;
  if (
    typeof s?.secret !== 'string' ||
    s.secret.length < MIN_SECRET_LENGTH ||
    typeof s.issuer !== 'string' ||
    !s.issuer ||
    typeof s.audience !== 'string' ||
    !s.audience
  ) {
    throw new Error(
      `${file} lacks a secret (>= ${MIN_SECRET_LENGTH} characters), issuer or audience; delete it`,
    );
  }
  // Keep it private even if someone loosened it.
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return { secret: s.secret, issuer: s.issuer, audience: s.audience, source: file };
}

/** The dev setup saved in `dataDir`, created (random secret, file mode 0600) on first use. */
export function readOrCreateDevAuth(dataDir: string): HsSetup & { created: boolean } {
  const existing = readDevAuth(dataDir);
  if (existing) return { ...existing, created: false };
  fs.mkdirSync(dataDir, { recursive: true });
  const file = devAuthFile(dataDir);
  const setup = {
    secret: randomBytes(32).toString('base64url'),
    issuer: DEFAULT_ISSUER,
    audience: DEFAULT_AUDIENCE,
  };
  try {
    // 'wx': never overwrite a secret another process wrote meanwhile.
    fs.writeFileSync(file, `${JSON.stringify(setup, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { ...readDevAuth(dataDir)!, created: false };
  }
  return { ...setup, source: file, created: true };
}
