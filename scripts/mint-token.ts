/**
 * Mints an HS256 token for the booking service (`npm run token -- ...`).
 *
 *   AUTH_JWT_SECRET=... AUTH_ISSUER=... AUTH_AUDIENCE=... \
 *     npm run --silent token -- --sub alice --roles user [--ttl 3600]
 *
 * Roles: admin (catalog), service (acts for any user), user (acts as --sub).
 * For keys from a JWKS, tokens come from your identity provider instead.
 */
import { SignJWT } from 'jose';

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

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

if (require.main === module) {
  (async () => {
    const token = await mintToken({
      secret: env('AUTH_JWT_SECRET'),
      issuer: env('AUTH_ISSUER'),
      audience: env('AUTH_AUDIENCE'),
      subject: arg('sub'),
      roles: arg('roles').split(','),
      ttlSeconds: Number(arg('ttl', '3600')),
    });
    process.stdout.write(`${token}\n`);
  })().catch((err: unknown) => {
    process.stderr.write(`mint-token: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  });
}
