import type { ServiceDefinition, ServiceRecord } from '../../domain/types';
import type { ServiceChange, ServiceRepository } from '../ports';

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
 * Staleness is bounded by `ttlMs`, and it is safe: the slots carry what
 * decides a booking. An inactive or archived service's slots are LOCKED (at
 * creation, or by the UpdateService / DeleteService that turned it off, which
 * blocks its future free slots before it answers), so the conditional update
 * on the slot refuses them whatever the cache says; the cached record only
 * fills in replies and gives early, friendlier refusals. An update made
 * through this instance drops its entry at once (`invalidate`); other
 * instances see it within `ttlMs`. A miss is never cached (a service created
 * on another instance is seen at once), and concurrent misses for one id
 * share one read.
 */
export class CachedServiceRepository implements ServiceRepository {
  private readonly entries = new Map<string, { at: number; value: Promise<ServiceRecord | null> }>();

  constructor(
    private readonly inner: ServiceRepository,
    private readonly settings: ServiceCacheSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async create(def: ServiceDefinition & { providerId: string | null }, now: Date): Promise<ServiceRecord> {
    const created = await this.inner.create(def, now);
    this.remember(created.id, Promise.resolve(created));
    return created;
  }

  /** Writes through, then drops the entry (whether this update won or another one did). */
  async update(change: ServiceChange): Promise<ServiceRecord | null> {
    try {
      return await this.inner.update(change);
    } finally {
      this.invalidate(change.id);
    }
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
  list(opts: {
    activeOnly: boolean;
    showDeleted: boolean;
    after: string | null;
    limit: number;
  }): Promise<ServiceRecord[]> {
    return this.inner.list(opts);
  }

  /**
   * The repository as stored, for the catalog's own RPCs (GetService answers
   * what is stored, and fails while the database is down): its reads go to
   * the database and refresh this cache, what it creates is remembered, and
   * what it updates is dropped from it.
   */
  readonly stored: ServiceRepository = {
    create: (def, now) => this.create(def, now),
    update: (change) => this.update(change),
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
