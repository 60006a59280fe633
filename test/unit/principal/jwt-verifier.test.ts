/**
 * JwtVerifier (HS256): which bearer tokens make a principal, and why others
 * are refused.
 */
import { type Principal } from '../../../src/domain/principal';
import { CredentialsRejected, JwtVerifier, type JwtSettings } from '../../../src/infra/auth/jwt-verifier';
import { hsToken, newHsAuth, unsignedToken, type TokenOptions } from '../../support/tokens';

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
   * tells why; the call guard answers UNAUTHENTICATED with it (test/unit/pipeline/unary.test.ts).
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
