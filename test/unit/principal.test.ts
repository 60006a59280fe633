/**
 * Who may call what, as pure logic: the role check, the user a call acts
 * for, the appointments a caller may read, and the principal a bearer token
 * turns into (JwtVerifier with an HS256 secret: jose, CPU only). Also the
 * start-up rule that authentication is on unless switched off explicitly.
 */
import { ConfigError, loadConfig } from '../../src/config';
import { DomainError } from '../../src/domain/errors';
import {
  actingUser,
  requireRole,
  UNAUTHENTICATED_PRINCIPAL,
  visibleUser,
  type Principal,
  type Role,
} from '../../src/domain/principal';
import { CredentialsRejected, JwtVerifier, type JwtSettings } from '../../src/infra/auth/jwt-verifier';
import { hsToken, newHsAuth, unsignedToken, type TokenOptions } from '../support/tokens';

const principal = (subject: string, ...roles: Role[]): Principal => ({ subject, roles: new Set(roles) });

/** The DomainError `fn` throws (fails the test if it throws nothing or something else). */
function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

describe('requireRole', () => {
  it('admits a principal holding any of the allowed roles', () => {
    expect(() => requireRole(principal('a', 'admin'), ['admin'], 'CreateService')).not.toThrow();
    expect(() => requireRole(principal('u', 'user'), ['service', 'user'], 'BookSlot')).not.toThrow();
    expect(() => requireRole(principal('x', 'user', 'admin'), ['admin'], 'GenerateSlots')).not.toThrow();
  });

  it('refuses any other with ROLE_NOT_ALLOWED naming the required roles', () => {
    const err = domainError(() => requireRole(principal('u', 'user'), ['admin'], 'CreateService'));
    expect(err.reason).toBe('ROLE_NOT_ALLOWED');
    expect(err.metadata).toEqual({ required: 'admin' });
    expect(err.message).toContain('CreateService');
  });

  it('refuses a principal without roles, whatever the RPC', () => {
    for (const allowed of [['admin'], ['service', 'user'], ['admin', 'service', 'user']] as Role[][]) {
      expect(domainError(() => requireRole(principal('nobody'), allowed, 'X')).reason).toBe(
        'ROLE_NOT_ALLOWED',
      );
    }
  });

  it('lets the principal of AUTH_DISABLED=true do everything', () => {
    for (const allowed of [['admin'], ['service', 'user']] as Role[][]) {
      expect(() => requireRole(UNAUTHENTICATED_PRINCIPAL, allowed, 'X')).not.toThrow();
    }
  });
});

describe('actingUser', () => {
  const alice = principal('alice', 'user');

  it('a user acts as itself: an empty user_id or its own subject', () => {
    expect(actingUser(alice, '')).toBe('alice');
    expect(actingUser(alice, 'alice')).toBe('alice');
  });

  it('a user may not act for another user (NOT_YOUR_USER)', () => {
    for (const other of ['bob', 'Alice', 'alice ', 'alice\u0000', '{"$ne":null}']) {
      expect(domainError(() => actingUser(alice, other)).reason).toBe('NOT_YOUR_USER');
    }
  });

  it('a service acts for any user it names', () => {
    const svc = principal('frontend', 'service');
    expect(actingUser(svc, 'bob')).toBe('bob');
    expect(actingUser(svc, 'alice')).toBe('alice');
    // Empty stays empty: the request then fails validation (user_id is required).
    expect(actingUser(svc, '')).toBe('');
  });

  it('a service that is also a user still acts for anyone', () => {
    expect(actingUser(principal('frontend', 'service', 'user'), 'bob')).toBe('bob');
  });

  // The policy: admin runs the catalog and has no appointment rights of its
  // own. A token holding both admin and user must therefore be limited to its
  // own subject by the user role, not promoted to "acts for anyone".
  it('a principal with admin and user roles acts only as itself', () => {
    const adminUser = principal('carol', 'admin', 'user');
    expect(actingUser(adminUser, '')).toBe('carol');
    expect(domainError(() => actingUser(adminUser, 'bob')).reason).toBe('NOT_YOUR_USER');
  });
});

describe('visibleUser', () => {
  it('a user sees only its own appointments', () => {
    expect(visibleUser(principal('alice', 'user'))).toBe('alice');
  });

  it('a service sees every user', () => {
    expect(visibleUser(principal('frontend', 'service'))).toBeNull();
    expect(visibleUser(UNAUTHENTICATED_PRINCIPAL)).toBeNull();
  });

  it('a principal with admin and user roles sees only its own appointments', () => {
    expect(visibleUser(principal('carol', 'admin', 'user'))).toBe('carol');
  });
});

describe('JwtVerifier (HS256)', () => {
  const auth = newHsAuth(30);
  const settings = (overrides: Partial<JwtSettings> = {}): JwtSettings => ({
    secret: auth.secret,
    jwksFile: null,
    jwksUrl: null,
    issuer: auth.issuer,
    audience: auth.audience,
    clockSkewSeconds: auth.clockSkewSeconds,
    rolesClaim: 'roles',
    ...overrides,
  });
  const verifier = new JwtVerifier(settings());

  const verify = async (o: TokenOptions, v = verifier): Promise<Principal> =>
    v.verify(await hsToken(auth, o));
  /**
   * "<reason>/<why>" of the refusal of `token` (fails the test if it is accepted). The verifier
   * tells why; the call guard answers UNAUTHENTICATED with it (test/unit/pipeline.test.ts).
   */
  const refusal = async (token: string | Promise<string>, v = verifier): Promise<string> => {
    const err: unknown = await v.verify(await token).then(
      (p) => new Error(`accepted as ${JSON.stringify({ subject: p.subject, roles: [...p.roles] })}`),
      (e: unknown) => e,
    );
    if (!(err instanceof CredentialsRejected)) throw err;
    return `UNAUTHENTICATED/${err.why}`;
  };
  const rolesOf = async (roles: unknown, rolesClaim = 'roles'): Promise<string[]> =>
    [...(await verify({ roles, rolesClaim }, new JwtVerifier(settings({ rolesClaim })))).roles].sort();

  it('turns a valid token into its subject and roles', async () => {
    const p = await verify({ subject: 'alice', roles: ['user'] });
    expect(p.subject).toBe('alice');
    expect([...p.roles]).toEqual(['user']);
  });

  it.each<[string, unknown, string[]]>([
    ['an array', ['admin', 'service'], ['admin', 'service']],
    ['a space-separated string', 'service  user', ['service', 'user']],
    ['a single string', 'admin', ['admin']],
    ['an array with unknown roles (dropped)', ['user', 'superuser', 'ADMIN', 'admin '], ['user']],
    ['an array with non-strings (dropped)', ['user', 1, null, { admin: true }, ['admin']], ['user']],
    ['an object', { admin: true }, []],
    ['a number', 7, []],
    ['an empty array', [], []],
  ])('reads roles from %s', async (_what, claim, expected) => {
    expect(await rolesOf(claim)).toEqual(expected);
  });

  it('a token without the roles claim has no roles', async () => {
    expect([...(await verify({ roles: undefined })).roles]).toEqual([]);
  });

  it('reads roles from the claim AUTH_ROLES_CLAIM names, and only from it', async () => {
    expect(await rolesOf(['admin'], 'permissions')).toEqual(['admin']);
    const other = new JwtVerifier(settings({ rolesClaim: 'permissions' }));
    expect([...(await verify({ roles: ['admin'] }, other)).roles]).toEqual([]);
  });

  it('does not take roles from prototype properties', async () => {
    const proto = new JwtVerifier(settings({ rolesClaim: '__proto__' }));
    expect([...(await verify({ roles: ['admin'] }, proto)).roles]).toEqual([]);
    const ctor = new JwtVerifier(settings({ rolesClaim: 'constructor' }));
    expect([...(await verify({ roles: undefined }, ctor)).roles]).toEqual([]);
  });

  it('accepts a token expired less than the clock skew ago', async () => {
    await expect(verify({ expiresIn: -10 })).resolves.toMatchObject({ subject: 'alice' });
  });

  it('refuses a token expired longer ago than the clock skew (TOKEN_EXPIRED)', async () => {
    expect(await refusal(hsToken(auth, { expiresIn: -31 - 5 }))).toBe('UNAUTHENTICATED/TOKEN_EXPIRED');
  });

  it('honours a clock skew of zero', async () => {
    const strict = new JwtVerifier(settings({ clockSkewSeconds: 0 }));
    expect(await refusal(hsToken(auth, { expiresIn: -2 }), strict)).toBe('UNAUTHENTICATED/TOKEN_EXPIRED');
  });

  it.each<[string, TokenOptions]>([
    ['another secret', { secret: 'x'.repeat(43) }],
    ['another issuer', { issuer: 'https://evil.example' }],
    ['another audience', { audience: 'other-api' }],
    ['no exp', { expiresIn: null }],
    ['no sub', { subject: undefined }],
    ['nbf beyond the clock skew', { notBefore: 120 }],
    ['HS512 with the right secret (algorithm not allowed)', { alg: 'HS512' }],
  ])('refuses a token with %s (INVALID_TOKEN)', async (_what, o) => {
    expect(await refusal(hsToken(auth, o))).toBe('UNAUTHENTICATED/INVALID_TOKEN');
  });

  it('refuses alg none and strings that are not tokens (INVALID_TOKEN)', async () => {
    for (const token of [unsignedToken(auth, 'alice', ['admin']), 'garbage', 'a.b.c', '', '..']) {
      expect(await refusal(token)).toBe('UNAUTHENTICATED/INVALID_TOKEN');
    }
  });

  it('refuses a token whose signature was moved to other claims', async () => {
    const [header, , signature] = (await hsToken(auth, { roles: ['user'] })).split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ sub: 'alice', roles: ['admin'], iss: auth.issuer, aud: auth.audience, exp: 9e9 }),
    ).toString('base64url');
    expect(await refusal(`${header}.${forgedPayload}.${signature}`)).toBe('UNAUTHENTICATED/INVALID_TOKEN');
  });

  // A subject is a user id: a string. jose 5 does not check the type of
  // `sub`, so a signed token with an array or object subject must be refused
  // here, or it reaches MongoDB filters ({ userId: [...] } matches any of
  // the elements) and per-principal bookkeeping keyed by object identity.
  it.each<[string, unknown]>([
    ['an array', ['alice', 'bob']],
    ['an object', { $ne: null }],
    ['a number', 42],
  ])('refuses a token whose subject is %s', async (_what, subject) => {
    expect(await refusal(hsToken(auth, { subject, roles: ['user'] }))).toBe('UNAUTHENTICATED/INVALID_TOKEN');
  });
});

describe('loadConfig: authentication', () => {
  const BASE = { MONGODB_URI: 'mongodb://127.0.0.1:27017/booking', REDIS_URL: 'redis://127.0.0.1:6379' };
  const AUTH = { AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'booking-api' };

  function configError(env: NodeJS.ProcessEnv): ConfigError {
    try {
      loadConfig(env);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError, the configuration was accepted');
  }

  it('refuses to start without any AUTH_* and without AUTH_DISABLED, naming AUTH_JWT_SECRET', () => {
    const err = configError(BASE);
    expect(err.message).toMatch(/AUTH_JWT_SECRET/);
    expect(err.message).toMatch(/AUTH_ISSUER/);
    expect(err.message).toMatch(/AUTH_AUDIENCE/);
  });

  it('treats an empty AUTH_DISABLED as unset (authentication stays on)', () => {
    expect(configError({ ...BASE, AUTH_DISABLED: '' }).message).toMatch(/AUTH_JWT_SECRET/);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(configError({ ...BASE, ...AUTH, AUTH_JWT_SECRET: 'x'.repeat(31) }).message).toMatch(
      /AUTH_JWT_SECRET: must be at least 32 characters/,
    );
  });

  it('refuses two key sources at once', () => {
    expect(
      configError({ ...BASE, ...AUTH, AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_FILE: '/tmp/jwks.json' })
        .message,
    ).toMatch(/exactly one of AUTH_JWT_SECRET, AUTH_JWKS_FILE or AUTH_JWKS_URL/);
  });

  it('refuses an AUTH_DISABLED value that is not a boolean', () => {
    expect(configError({ ...BASE, AUTH_DISABLED: 'maybe' }).message).toMatch(/AUTH_DISABLED/);
  });

  it('configures HS256 authentication from a secret, issuer and audience', () => {
    const config = loadConfig({ ...BASE, ...AUTH, AUTH_JWT_SECRET: 's'.repeat(32) });
    expect(config.auth).toEqual({
      secret: 's'.repeat(32),
      jwksFile: null,
      jwksUrl: null,
      issuer: AUTH.AUTH_ISSUER,
      audience: AUTH.AUTH_AUDIENCE,
      clockSkewSeconds: 30,
      rolesClaim: 'roles',
    });
  });

  it('switches authentication off only with AUTH_DISABLED=true', () => {
    expect(loadConfig({ ...BASE, AUTH_DISABLED: 'true' }).auth).toBeNull();
  });
});
