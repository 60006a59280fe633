import type { Changed } from '../../../src/use-cases/ports';
import { within } from './ids';

/**
 * The table under a fake repository: records by id, kept as stored and
 * handed out as `view` makes them (always copies, as a database does).
 */
export abstract class FakeTable<T extends { updatedAt: Date }> {
  protected readonly rows = new Map<string, T>();

  /** A record as read from its stored row. */
  protected abstract view(row: T): T;

  findById(id: string): Promise<T | null> {
    return Promise.resolve(this.peek(id));
  }

  findByIds(ids: readonly string[]): Promise<T[]> {
    return Promise.resolve([...new Set(ids)].flatMap((id) => this.peek(id) ?? []));
  }

  /** A record as read now, without waiting (tests). */
  peek(id: string): T | null {
    const row = this.rows.get(id);
    return row ? this.view(row) : null;
  }

  /** Every record as read now (tests' look at the whole table). */
  all(): T[] {
    return [...this.rows.values()].map((row) => this.view(row));
  }

  /**
   * The `wanted` records changed in [from, to], oldest change first, up to
   * `limit`. Everything in the stretch is looked at in one go: it is examined
   * in full (`through: to`).
   */
  protected changedBetween(
    from: Date,
    to: Date,
    limit: number,
    wanted: (row: T) => boolean,
  ): Promise<Changed<T>> {
    const rows = this.all()
      .filter((r) => within(r.updatedAt, from, to) && wanted(r))
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
    return Promise.resolve({ rows: rows.slice(0, Math.max(limit, 0)), through: to });
  }
}
