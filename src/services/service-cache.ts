import type { ServiceDefinition, ServiceRecord } from '../domain/types';
import type { ServiceRepository } from './ports';

export interface ServiceCacheSettings {
  /** How long a service read stays served from memory (0: no caching). */
  ttlMs: number;
  /** Services kept at most; the oldest entry goes first. */
  maxEntries: number;
}

/**
 * Services read through an in-process cache: a booking, a cancellation's
 * reply, a history page and a watch subscription each need their service, and
 * with this cache they cost no database command while it is fresh.
 *
 * Staleness is bounded by `ttlMs`, and it is safe: a service record is
 * written once today (its slots carry what decides a booking: an inactive
 * service's slots are created LOCKED, so the conditional update on the slot
 * refuses them whatever the cache says); the cached record only fills in
 * replies and gives early, friendlier refusals. A miss is never cached (a
 * service created on another instance is seen at once), and concurrent
 * misses for one id share one read.
 */
export class CachedServiceRepository implements ServiceRepository {
  private readonly entries = new Map<string, { at: number; value: Promise<ServiceRecord | null> }>();

  constructor(
    private readonly inner: ServiceRepository,
    private readonly settings: ServiceCacheSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async create(def: ServiceDefinition, now: Date): Promise<ServiceRecord> {
    const created = await this.inner.create(def, now);
    this.remember(created.id, Promise.resolve(created));
    return created;
  }

  findById(id: string): Promise<ServiceRecord | null> {
    if (this.settings.ttlMs <= 0) return this.inner.findById(id);
    const hit = this.fresh(id);
    if (hit) return hit.value;
    const value = this.inner.findById(id);
    this.remember(id, value);
    // Misses and failures are not kept: the next call reads again.
    value.then(
      (found) => {
        if (!found) this.forget(id, value);
      },
      () => this.forget(id, value),
    );
    return value;
  }

  /** Fresh entries from memory; the rest in one call to the repository (which bounds its reads). */
  async findByIds(ids: readonly string[]): Promise<ServiceRecord[]> {
    const unique = [...new Set(ids)];
    const missing = unique.filter((id) => !this.fresh(id));
    if (missing.length > 0) {
      const read = await this.inner.findByIds(missing);
      for (const s of read) this.remember(s.id, Promise.resolve(s));
      if (this.settings.ttlMs <= 0) return read;
      const asked = new Set(missing);
      const cached = await Promise.all(unique.filter((id) => !asked.has(id)).map((id) => this.findById(id)));
      return [...read, ...cached.filter((s): s is ServiceRecord => s !== null)];
    }
    const found = await Promise.all(unique.map((id) => this.findById(id)));
    return found.filter((s): s is ServiceRecord => s !== null);
  }

  /** Listings always read the database (they page over every service). */
  list(opts: { activeOnly: boolean; after: string | null; limit: number }): Promise<ServiceRecord[]> {
    return this.inner.list(opts);
  }

  /**
   * The repository as stored, for the catalog's own RPCs (GetService answers
   * what is stored, and fails while the database is down): its reads go to
   * the database and refresh this cache, and what it creates is remembered.
   */
  readonly stored: ServiceRepository = {
    create: (def, now) => this.create(def, now),
    findById: async (id) => {
      const found = await this.inner.findById(id);
      if (found) this.remember(id, Promise.resolve(found));
      else this.invalidate(id);
      return found;
    },
    findByIds: (ids) => this.inner.findByIds(ids),
    list: (opts) => this.inner.list(opts),
  };

  /** Drops `id` (after this instance changed it). */
  invalidate(id: string): void {
    this.entries.delete(id);
  }

  private fresh(id: string): { value: Promise<ServiceRecord | null> } | undefined {
    const hit = this.entries.get(id);
    return hit && this.now() - hit.at < this.settings.ttlMs ? hit : undefined;
  }

  private remember(id: string, value: Promise<ServiceRecord | null>): void {
    if (this.settings.ttlMs <= 0) return;
    this.entries.delete(id);
    this.entries.set(id, { at: this.now(), value });
    while (this.entries.size > this.settings.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  private forget(id: string, value: Promise<ServiceRecord | null>): void {
    if (this.entries.get(id)?.value === value) this.entries.delete(id);
  }
}
