/**
 * Tokens and authorization headers that must be refused, shared by the
 * tests that check the refusals and the test that checks none of them is
 * ever logged.
 */
import { randomBytes } from 'node:crypto';
import { unsignedToken, type HsAuth, type TokenOptions } from '../tokens';
import { CALLERS, SUBJECT, type AuthFixture } from './fixture';

/** Claims or signing that make an HS256 token invalid (on top of admin and service roles). */
export const BAD_CLAIMS: [string, TokenOptions][] = [
  ['signed with another secret (forged)', { secret: randomBytes(32).toString('base64url') }],
  ['from another issuer', { issuer: 'https://evil.example' }],
  ['for another audience', { audience: 'someone-else' }],
  ['without exp', { expiresIn: null }],
  ['without sub', { subject: undefined }],
  ['not valid yet (nbf beyond the skew)', { notBefore: 300 }],
  ['signed with HS512', { alg: 'HS512' }],
];

/** Authorization header values that carry no usable bearer token. */
export const BAD_AUTHORIZATION_HEADERS: [string, string][] = [
  ['garbage', 'Bearer garbage'],
  ['three dots', 'Bearer ...'],
  ['an empty bearer', 'Bearer '],
  ['Basic credentials', 'Basic YWxpY2U6c2VjcmV0'],
  ['Basic xyz', 'Basic xyz'],
  ['a bare token without the scheme', 'eyJhbGciOiJIUzI1NiJ9.e30.x'],
  ['a token with a space inside', 'Bearer abc def'],
];

/** `sub` claims that are not a string. */
export const ODD_SUBJECTS: unknown[] = [['alice', 'bob'], { $ne: null }, 42];

/** `userToken`'s header and signature around a payload that claims the admin role for alice. */
export function splicedAdminToken(auth: HsAuth, userToken: string): string {
  const [header, , signature] = userToken.split('.');
  const payload = JSON.stringify({
    sub: 'alice',
    roles: ['admin'],
    iss: auth.issuer,
    aud: auth.audience,
    exp: Math.floor(Date.now() / 1000) + 600,
  });
  return `${header}.${Buffer.from(payload).toString('base64url')}.${signature}`;
}

/**
 * An authorization header value of every kind the auth tests send, minted
 * for `f` (its tokens recorded as sent): each caller's token, expired ones
 * (beyond and within the clock skew), the invalid claims, unsigned, spliced,
 * odd subjects, roles as a string, two tokens merged, and the malformed
 * headers.
 */
export async function everyKindOfAuthorization(f: AuthFixture): Promise<string[]> {
  const record = (token: string): string => (f.tokensSent.add(token), token);
  const tokens = await Promise.all([
    ...[-(f.auth.clockSkewSeconds + 30), -5].map((expiresIn) =>
      f.token({ subject: 'alice', roles: ['user'], expiresIn }),
    ),
    ...BAD_CLAIMS.map(([, o]) => f.token({ subject: SUBJECT.admin, roles: ['admin', 'service'], ...o })),
    ...ODD_SUBJECTS.map((subject) => f.token({ subject, roles: ['user'] })),
    f.token({ subject: 'ops', roles: 'admin service' }),
  ]);
  return [
    ...CALLERS.flatMap((c) => (c === 'no token' ? [] : [f.tokenFor(c)])).map((t) => `Bearer ${t}`),
    ...tokens.map((t) => `Bearer ${t}`),
    `Bearer ${record(unsignedToken(f.auth, SUBJECT.admin, ['admin']))}`,
    `Bearer ${record(splicedAdminToken(f.auth, f.tokenFor('user')))}`,
    `Bearer ${f.tokenFor('admin')}, Bearer ${f.tokenFor('user')}`,
    ...BAD_AUTHORIZATION_HEADERS.map(([, value]) => value),
  ];
}
