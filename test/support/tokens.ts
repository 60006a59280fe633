/**
 * Bearer tokens for tests of authentication: an HS256 setup (random secret,
 * issuer, audience) as the service reads it from AUTH_* variables, tokens
 * signed with it (or deliberately wrong), and call metadata carrying them.
 */
import { randomBytes } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { SignJWT, type JWTPayload } from 'jose';

export interface HsAuth {
  secret: string;
  issuer: string;
  audience: string;
  clockSkewSeconds: number;
}

/** A fresh HS256 configuration with a random secret of 43 characters. */
export function newHsAuth(clockSkewSeconds = 30): HsAuth {
  return {
    secret: randomBytes(32).toString('base64url'),
    issuer: 'https://idp.test.example',
    audience: 'booking-api',
    clockSkewSeconds,
  };
}

/** The AUTH_* variables that switch authentication on with `auth`. */
export const hsAuthEnv = (auth: HsAuth): Record<string, string> => ({
  AUTH_DISABLED: 'false',
  AUTH_JWT_SECRET: auth.secret,
  AUTH_ISSUER: auth.issuer,
  AUTH_AUDIENCE: auth.audience,
  AUTH_CLOCK_SKEW_SECONDS: String(auth.clockSkewSeconds),
});

export interface TokenOptions {
  /** The `sub` claim, any JSON value ("alice" when absent; left out when set to undefined). */
  subject?: unknown;
  /** The roles claim; omitted when undefined. */
  roles?: unknown;
  /** Seconds from now until `exp` (negative: already expired); null leaves `exp` out. */
  expiresIn?: number | null;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  issuer?: string;
  audience?: string;
  /** Signs with this secret instead of the configured one. */
  secret?: string;
  alg?: 'HS256' | 'HS384' | 'HS512';
  /** The claim the roles go in (AUTH_ROLES_CLAIM). */
  rolesClaim?: string;
  extraClaims?: JWTPayload;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** An HS256 token for `auth`, with any part overridden. The subject defaults to "alice". */
export function hsToken(auth: HsAuth, o: TokenOptions = {}): Promise<string> {
  const claims: JWTPayload = { ...o.extraClaims };
  if (o.roles !== undefined) claims[o.rolesClaim ?? 'roles'] = o.roles;
  const subject = 'subject' in o ? o.subject : 'alice';
  if (subject !== undefined) claims.sub = subject as string;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' })
    .setIssuer(o.issuer ?? auth.issuer)
    .setAudience(o.audience ?? auth.audience)
    .setIssuedAt();
  const expiresIn = o.expiresIn === undefined ? 600 : o.expiresIn;
  if (expiresIn !== null) jwt.setExpirationTime(nowSeconds() + expiresIn);
  if (o.notBefore !== undefined) jwt.setNotBefore(nowSeconds() + o.notBefore);
  return jwt.sign(new TextEncoder().encode(o.secret ?? auth.secret));
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token (`alg: none`) with otherwise valid claims for `auth`. */
export function unsignedToken(auth: HsAuth, subject: string, roles: string[]): string {
  const now = nowSeconds();
  const payload = { sub: subject, roles, iss: auth.issuer, aud: auth.audience, iat: now, exp: now + 600 };
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
}

/** Call metadata with `authorization: Bearer <token>`. */
export function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** Call metadata with the raw authorization values given (one header line each). */
export function authorization(...values: string[]): Metadata {
  const metadata = new Metadata();
  for (const v of values) metadata.add('authorization', v);
  return metadata;
}
