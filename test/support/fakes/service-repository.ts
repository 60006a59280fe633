import type { ServiceDefinition, ServiceRecord } from '../../../src/domain/types';
import type { ServiceChange, ServiceRepository } from '../../../src/use-cases/ports';
import { copy, IdSource } from './ids';

type Options<K extends keyof ServiceRepository> = Parameters<ServiceRepository[K]>[0];

/** A change as the repository kept it (who made it and which fields it named). */
export interface KeptServiceChange {
  id: string;
  revision: number;
  by: string;
  paths: readonly string[];
  at: Date;
}

/**
 * Services in memory. An update is decided on a revision: it is written only
 * if no other update of that revision came first (MongoServiceRepository
 * inserts `<id>:<revision + 1>` to decide), else null.
 */
export class FakeServiceRepository implements ServiceRepository {
  private readonly rows = new Map<string, ServiceRecord>();
  /** Every update written, in order. */
  readonly changes: KeptServiceChange[] = [];
  private readonly ids = new IdSource('5e');

  create(def: ServiceDefinition & { providerId: string | null }, now: Date): Promise<ServiceRecord> {
    const record: ServiceRecord = {
      ...copy(def),
      id: this.ids.next(),
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      revision: 1,
    };
    this.rows.set(record.id, copy(record));
    return Promise.resolve(record);
  }

  findById(id: string): Promise<ServiceRecord | null> {
    const row = this.rows.get(id);
    return Promise.resolve(row ? copy(row) : null);
  }

  findByIds(ids: readonly string[]): Promise<ServiceRecord[]> {
    return Promise.resolve(
      ids.filter((id, i) => this.rows.has(id) && ids.indexOf(id) === i).map((id) => copy(this.rows.get(id)!)),
    );
  }

  list(opts: Options<'list'>): Promise<ServiceRecord[]> {
    const rows = [...this.rows.values()]
      .filter(
        (s) =>
          (!opts.activeOnly || s.active) &&
          (opts.showDeleted || s.deletedAt === null) &&
          (opts.after === null || s.id > opts.after),
      )
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, opts.limit);
    return Promise.resolve(rows.map(copy));
  }

  update(change: ServiceChange): Promise<ServiceRecord | null> {
    const stored = this.rows.get(change.id);
    // Another update of this revision came first (or the service is gone).
    if (!stored || stored.revision !== change.revision) return Promise.resolve(null);
    const written: ServiceRecord = {
      ...stored,
      ...copy(change.set),
      updatedAt: change.now,
      revision: change.revision + 1,
    };
    this.rows.set(change.id, written);
    this.changes.push({
      id: change.id,
      revision: written.revision,
      by: change.by,
      paths: [...change.paths],
      at: change.now,
    });
    return Promise.resolve(copy(written));
  }
}
