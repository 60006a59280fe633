/**
 * Page tokens: opaque, bound to the filters of the listing they were issued
 * for, and refused with INVALID_ARGUMENT (field page_token) when not ours.
 */
import { DomainError } from '../../src/domain/errors';
import { decodePageToken, encodePageToken, toPage } from '../../src/use-cases/shared/page-token';
import type { Cursor } from '../../src/use-cases/ports';
import { domainErrorOf } from './domain-error-of';

const ID = '65f0c0ffee0000000000abcd';
const filters = { userId: 'alice', status: null as string | null };

function expectRefused(token: string, field = 'page_token', description = 'is not a valid page token') {
  const err = domainErrorOf(() => decodePageToken(token, filters, field));
  expect(err.reason).toBe('INVALID_ARGUMENT');
  expect(err.violations).toEqual([{ field, description }]);
  return err;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

describe('encodePageToken / decodePageToken', () => {
  it.each<Cursor>([
    { key: 1_800_000_000_123, id: ID },
    { key: 0, id: ID },
    { key: -5, id: 'ffffffffffffffffffffffff' },
  ])('round-trips the cursor %o', (cursor) => {
    const token = encodePageToken(cursor, filters);
    expect(decodePageToken(token, { ...filters }, 'page_token')).toEqual(cursor);
  });

  it('issues URL-safe tokens that do not show the cursor in clear text', () => {
    const token = encodePageToken({ key: 42, id: ID }, filters);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).not.toContain(ID);
  });

  it('reads an empty token as the first page', () => {
    expect(decodePageToken('', filters)).toBeNull();
  });

  it.each([
    ['garbage characters', 'not a token!'],
    ['base64 of something that is not JSON', b64('hello world')],
    ['JSON that is not an object', b64('42')],
    ['JSON null', b64('null')],
    ['a cursor without an id', b64(JSON.stringify({ k: 1 }))],
    ['a cursor with a non-hex id', b64(JSON.stringify({ k: 1, i: 'zzzzzzzzzzzzzzzzzzzzzzzz', f: 'x' }))],
    ['a cursor with a string key', b64(JSON.stringify({ k: '1', i: ID, f: 'x' }))],
    ['padding characters', encodePageToken({ key: 1, id: ID }, filters) + '=='],
    ['an overlong token', 'A'.repeat(513)],
  ])('refuses %s', (_label, token) => {
    expectRefused(token);
  });

  it('refuses a tampered token', () => {
    const token = encodePageToken({ key: 1_800_000_000_000, id: ID }, filters);
    // Flip one character of the JSON payload: the token no longer decodes to a cursor.
    const payload = Buffer.from(token, 'base64url').toString('utf8').replace('"i":"', '"i":"x');
    expectRefused(b64(payload));
    // Truncating it breaks the JSON.
    expectRefused(token.slice(0, token.length - 6));
  });

  it('refuses a token issued for a listing with other filters', () => {
    const token = encodePageToken({ key: 1, id: ID }, filters);
    for (const other of [{ userId: 'bob', status: null }, { userId: 'alice', status: 'CANCELLED' }, {}]) {
      const err = domainErrorOf(() => decodePageToken(token, other));
      expect(err.reason).toBe('INVALID_ARGUMENT');
      expect(err.violations).toEqual([
        { field: 'page_token', description: 'was issued for a listing with other filters' },
      ]);
    }
  });

  it('reports the violation under the field it is given', () => {
    expectRefused('%%%', 'next', 'is not a valid page token');
  });
});

describe('toPage', () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ id: `65f0c0ffee00000000000${i}00`, at: 1000 + i }));
  const cursorOf = (r: { id: string; at: number }): Cursor => ({ key: r.at, id: r.id });

  it('returns every row and no token when they fit the page', () => {
    expect(toPage(rows, 5, cursorOf, filters)).toEqual({ items: rows, nextPageToken: '' });
    expect(toPage(rows, 10, cursorOf, filters)).toEqual({ items: rows, nextPageToken: '' });
    expect(toPage([], 10, cursorOf, filters)).toEqual({ items: [], nextPageToken: '' });
  });

  it('cuts the extra row and issues a token pointing at the last row returned', () => {
    const page = toPage(rows, 4, cursorOf, filters);
    expect(page.items).toEqual(rows.slice(0, 4));
    expect(page.nextPageToken).not.toBe('');
    expect(decodePageToken(page.nextPageToken, filters)).toEqual({ key: 1003, id: rows[3]!.id });
  });

  it('binds the token to the filters it was given', () => {
    const page = toPage(rows, 2, cursorOf, filters);
    expect(() => decodePageToken(page.nextPageToken, { ...filters, userId: 'mallory' })).toThrow(DomainError);
  });
});
