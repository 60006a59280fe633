import type { IdempotencyRecord, IdempotencyStore } from '../../../src/use-cases/ports';
import { copy, inWholeMinutesBefore } from './ids';

/** Request results in memory: the first record saved under a key stays (save answers it to later ones). */
export class FakeIdempotencyStore implements IdempotencyStore {
  private readonly rows = new Map<string, IdempotencyRecord>();

  find(key: string): Promise<IdempotencyRecord | null> {
    const row = this.rows.get(key);
    return Promise.resolve(row ? copy(row) : null);
  }

  save(record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    const existing = this.rows.get(record.key);
    if (existing) return Promise.resolve(copy(existing));
    this.rows.set(record.key, copy(record));
    return Promise.resolve(null);
  }

  deleteCreatedBefore(opts: { from: Date; cutoff: Date }): Promise<number> {
    let deleted = 0;
    for (const [key, row] of this.rows) {
      if (inWholeMinutesBefore(row.createdAt, opts.from, opts.cutoff)) {
        this.rows.delete(key);
        deleted += 1;
      }
    }
    return Promise.resolve(deleted);
  }

  get size(): number {
    return this.rows.size;
  }
}
