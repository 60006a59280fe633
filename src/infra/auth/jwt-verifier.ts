import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { ROLES, type Principal, type Role } from '../../domain/principal';
import type { AuthConfig } from '../../config/auth';

/** The authentication section of the configuration (src/config/auth.ts). */
export type JwtSettings = AuthConfig;

/**
 * Verifies bearer tokens with jose: signature (HS256 secret or public keys
 * from a JWKS), issuer, audience, expiry with a small clock skew. The roles
 * come from a claim (an array, or a space-separated string).
 */
export class JwtVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly settings: JwtSettings) {
    if (settings.secret) {
      this.key = new TextEncoder().encode(settings.secret);
      this.algorithms = ['HS256'];
    } else if (settings.jwksFile) {
      this.key = createLocalJWKSet(JSON.parse(readFileSync(settings.jwksFile, 'utf8')) as { keys: [] });
      this.algorithms = ['RS256', 'PS256', 'ES256', 'EdDSA'];
    } else if (settings.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl));
      this.algorithms = ['RS256', 'PS256', 'ES256', 'EdDSA'];
    } else {
      throw new Error('JwtVerifier needs a secret, a JWKS file or a JWKS URL');
    }
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockSkewSeconds,
        algorithms: this.algorithms,
        requiredClaims: ['sub', 'exp'],
      };
      // Two calls because jwtVerify's overloads differ for a key and a key set.
      payload =
        this.key instanceof Uint8Array
          ? (await jwtVerify(token, this.key, options)).payload
          : (await jwtVerify(token, this.key, options)).payload;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired)
        throw unauthenticated('TOKEN_EXPIRED', 'the token has expired');
      throw unauthenticated('INVALID_TOKEN', 'the token is not valid for this service');
    }
    // jose checks that `sub` is present, not that it is a string.
    const subject: unknown = payload.sub;
    if (typeof subject !== 'string' || subject === '' || subject.length > 256) {
      throw unauthenticated('INVALID_TOKEN', 'the token has no valid subject');
    }
    return { subject, roles: rolesOf(payload[this.settings.rolesClaim]) };
  }
}

function rolesOf(claim: unknown): ReadonlySet<Role> {
  const names = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/\s+/) : [];
  return new Set(names.filter((n): n is Role => (ROLES as readonly unknown[]).includes(n)));
}

/**
 * A token this service does not accept; `why` (TOKEN_EXPIRED, INVALID_TOKEN)
 * tells the caller which, the transport answers UNAUTHENTICATED.
 */
export class CredentialsRejected extends Error {
  override readonly name = 'CredentialsRejected';

  constructor(
    readonly why: string,
    message: string,
  ) {
    super(message);
  }
}

const unauthenticated = (why: string, message: string): CredentialsRejected =>
  new CredentialsRejected(why, message);
