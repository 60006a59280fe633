import { createHash } from 'node:crypto';
import { invalidArgument } from '../../domain/errors';
import type { Cursor } from '../ports';

/**
 * Opaque page tokens (AIP-158): the cursor of the last item returned, bound to
 * the filters of the listing so that a token cannot be replayed on another.
 */
export function encodePageToken(cursor: Cursor, filters: unknown): string {
  const payload = JSON.stringify({ k: cursor.key, i: cursor.id, f: fingerprint(filters) });
  return Buffer.from(payload, 'utf8').toString('base64url');
}

/** The cursor in `token`, or null for the first page; INVALID_ARGUMENT if it is not ours. */
export function decodePageToken(token: string, filters: unknown, field = 'page_token'): Cursor | null {
  if (token === '') return null;
  const bad = (description: string): never => {
    throw invalidArgument([{ field, description }]);
  };
  if (token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) return bad('is not a valid page token');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return bad('is not a valid page token');
  }
  const p = parsed as { k?: unknown; i?: unknown; f?: unknown };
  if (
    typeof p !== 'object' ||
    p === null ||
    typeof p.k !== 'number' ||
    !Number.isFinite(p.k) ||
    typeof p.i !== 'string' ||
    !/^[0-9a-f]{24}$/.test(p.i)
  )
    return bad('is not a valid page token');
  if (p.f !== fingerprint(filters)) return bad('was issued for a listing with other filters');
  return { key: p.k, id: p.i };
}

function fingerprint(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 16);
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only tells that
 * another page exists.
 */
export function toPage<T>(
  rows: T[],
  limit: number,
  cursorOf: (item: T) => Cursor,
  filters: unknown,
): { items: T[]; nextPageToken: string } {
  if (rows.length <= limit) return { items: rows, nextPageToken: '' };
  const items = rows.slice(0, limit);
  return { items, nextPageToken: encodePageToken(cursorOf(items[items.length - 1]!), filters) };
}
