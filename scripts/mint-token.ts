/**
 * Mints an HS256 token for the booking service (`npm run token -- ...`).
 *
 *   npm run --silent token -- --sub alice --roles user [--ttl 3600 | 15m | 12h | 7d]
 *
 * Signs with AUTH_JWT_SECRET / AUTH_ISSUER / AUTH_AUDIENCE from the environment
 * (issuer and audience default to "booking"), else with the dev secret that
 * `npm run dev` keeps in .data/dev-auth.json (see dev-auth.ts), so with no
 * AUTH_* variables the token works against the running dev server.
 *
 * Roles: admin (catalog), service (acts for any user), user (acts as --sub).
 * For keys from a JWKS, tokens come from your identity provider instead.
 */
import { SignJWT } from 'jose';
import { ROLES, type Role } from '../src/domain/principal';
import { devAuthFile, devDataDir, hsSetupFromEnv, readDevAuth, type HsSetup } from './dev-auth';

export interface TokenRequest {
  secret: string;
  issuer: string;
  audience: string;
  subject: string;
  roles: string[];
  ttlSeconds: number;
}

export function mintToken(r: TokenRequest): Promise<string> {
  return new SignJWT({ roles: r.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(r.subject)
    .setIssuer(r.issuer)
    .setAudience(r.audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + r.ttlSeconds)
    .sign(new TextEncoder().encode(r.secret));
}

export const USAGE =
  'usage: npm run --silent token -- --sub <subject> --roles <role>[,<role>...] [--ttl <seconds>|<n>m|<n>h|<n>d]\n' +
  `  roles: ${ROLES.join(', ')}; ttl default 1h, at most 365d`;

/** A wrong command line; the message says what to fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface TokenArgs {
  subject: string;
  roles: Role[];
  ttlSeconds: number;
}

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_TTL_SECONDS = 365 * 86_400;
/** As the service accepts (src/infra/auth/jwt-verifier.ts). */
const MAX_SUBJECT_LENGTH = 256;

/** The command line after the script name: `--sub`, `--roles`, optional `--ttl`, each once. */
export function parseTokenArgs(argv: readonly string[]): TokenArgs {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const m = /^--(sub|roles|ttl)$/.exec(flag);
    if (!m) throw new UsageError(`unknown argument "${flag}"`);
    const name = m[1]!;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
    if (values.has(name)) throw new UsageError(`${flag} given twice`);
    values.set(name, value);
  }

  const subject = values.get('sub');
  if (subject === undefined) throw new UsageError('--sub is required (the user or client the token is for)');
  if (subject.trim() === '' || subject.length > MAX_SUBJECT_LENGTH) {
    throw new UsageError(`--sub must be 1 to ${MAX_SUBJECT_LENGTH} characters`);
  }

  const rolesText = values.get('roles');
  if (rolesText === undefined)
    throw new UsageError(`--roles is required: one or more of ${ROLES.join(', ')}`);
  const roles: Role[] = [];
  for (const name of rolesText.split(',').map((r) => r.trim())) {
    if (!(ROLES as readonly string[]).includes(name)) {
      throw new UsageError(
        `--roles: "${name}" is not a role; use one or more of ${ROLES.join(', ')}, comma-separated`,
      );
    }
    if (!roles.includes(name as Role)) roles.push(name as Role);
  }

  const ttlText = values.get('ttl') ?? '1h';
  const t = /^([0-9]+)([smhd]?)$/.exec(ttlText.trim());
  const ttlSeconds = t ? Number(t[1]) * UNIT_SECONDS[t[2]!]! : NaN;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new UsageError(
      `--ttl must be a lifetime from 1 second to 365 days: seconds (3600) or with a unit (90s, 15m, 12h, 7d); got "${ttlText}"`,
    );
  }
  return { subject, roles, ttlSeconds };
}

/** The environment's AUTH_* setup, else the dev server's saved one; a clear error if neither. */
export function signingSetup(env: NodeJS.ProcessEnv = process.env): HsSetup {
  const fromEnv = hsSetupFromEnv(env);
  if (fromEnv) return fromEnv;
  const dataDir = devDataDir(env);
  const saved = readDevAuth(dataDir);
  if (saved) return saved;
  throw new Error(
    `AUTH_JWT_SECRET is not set and there is no dev secret in ${devAuthFile(dataDir)} yet: ` +
      'start `npm run dev` once (it creates it), or export AUTH_JWT_SECRET (the secret of the server you call)',
  );
}

if (require.main === module) {
  (async () => {
    const argv = process.argv.slice(2);
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    const args = parseTokenArgs(argv);
    const setup = signingSetup();
    const token = await mintToken({ ...setup, ...args });
    process.stdout.write(`${token}\n`);
    process.stderr.write(
      `mint-token: signed with the secret from ${setup.source} (issuer ${setup.issuer}, audience ${setup.audience})\n`,
    );
  })().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mint-token: ${message}\n${err instanceof UsageError ? `${USAGE}\n` : ''}`);
    process.exit(2);
  });
}
