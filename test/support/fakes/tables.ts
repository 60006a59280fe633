import type { Changed } from '../../../src/use-cases/ports';
import { within } from './ids';

/** What a fake's `findByIds` returns: the records of `ids` that exist, each once. */
export const eachFound = <T>(ids: readonly string[], peek: (id: string) => T | null): T[] =>
  [...new Set(ids)].flatMap((id) => peek(id) ?? []);

/**
 * What a fake's `find…ChangedBetween` returns: the `wanted` rows changed in
 * [from, to], oldest change first, up to `limit`. Everything in the stretch
 * is looked at in one go: it is examined in full (`through: to`).
 */
export function changedIn<T extends { updatedAt: Date }>(
  rows: readonly T[],
  from: Date,
  to: Date,
  limit: number,
  wanted: (row: T) => boolean,
): Changed<T> {
  const changed = rows
    .filter((r) => within(r.updatedAt, from, to) && wanted(r))
    .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
  return { rows: changed.slice(0, Math.max(limit, 0)), through: to };
}
