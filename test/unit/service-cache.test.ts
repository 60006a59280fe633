import type { ServiceDefinition, ServiceRecord } from '../../src/domain/types';
import type { ServiceChange, ServiceRepository } from '../../src/use-cases/ports';
import { CachedServiceRepository } from '../../src/use-cases/shared/service-cache';

/** An in-memory repository that counts its reads. */
class CountingRepository implements ServiceRepository {
  readonly stored = new Map<string, ServiceRecord>();
  reads = 0;
  failNext = false;

  create(def: ServiceDefinition & { providerId: string | null }, now: Date): Promise<ServiceRecord> {
    const record = {
      ...def,
      id: `s${this.stored.size + 1}`,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      revision: 1,
    };
    this.stored.set(record.id, record);
    return Promise.resolve(record);
  }

  update(change: ServiceChange): Promise<ServiceRecord | null> {
    const current = this.stored.get(change.id);
    if (!current || current.revision !== change.revision) return Promise.resolve(null);
    const next = { ...current, ...change.set, updatedAt: change.now, revision: change.revision + 1 };
    this.stored.set(change.id, next);
    return Promise.resolve(next);
  }

  findById(id: string): Promise<ServiceRecord | null> {
    this.reads += 1;
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('database down'));
    }
    return Promise.resolve(this.stored.get(id) ?? null);
  }

  async findByIds(ids: readonly string[]): Promise<ServiceRecord[]> {
    const found = await Promise.all(ids.map((id) => this.findById(id)));
    return found.filter((s): s is ServiceRecord => s !== null);
  }

  list(): Promise<ServiceRecord[]> {
    return Promise.resolve([...this.stored.values()]);
  }
}

const record = (id: string, name = id): ServiceRecord => ({ id, name }) as ServiceRecord;

describe('CachedServiceRepository', () => {
  let inner: CountingRepository;
  let now: number;
  let cache: CachedServiceRepository;

  beforeEach(() => {
    inner = new CountingRepository();
    inner.stored.set('a', record('a'));
    inner.stored.set('b', record('b'));
    now = 1_000;
    cache = new CachedServiceRepository(inner, { ttlMs: 100, maxEntries: 2 }, () => now);
  });

  it('serves a fresh read from memory and reads again once it is older than the TTL', async () => {
    expect(await cache.findById('a')).toEqual(record('a'));
    expect(await cache.findById('a')).toEqual(record('a'));
    expect(inner.reads).toBe(1);
    inner.stored.set('a', record('a', 'renamed'));
    now += 99;
    expect((await cache.findById('a'))?.name).toBe('a');
    now += 1;
    expect((await cache.findById('a'))?.name).toBe('renamed');
    expect(inner.reads).toBe(2);
  });

  it('shares one read between concurrent misses', async () => {
    await Promise.all([cache.findById('a'), cache.findById('a'), cache.findById('a')]);
    expect(inner.reads).toBe(1);
  });

  it('never caches a miss or a failure', async () => {
    expect(await cache.findById('c')).toBeNull();
    inner.stored.set('c', record('c'));
    expect(await cache.findById('c')).toEqual(record('c'));
    inner.failNext = true;
    await expect(cache.findById('b')).rejects.toThrow('database down');
    expect(await cache.findById('b')).toEqual(record('b'));
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    inner.stored.set('c', record('c'));
    await cache.findById('a');
    await cache.findById('b');
    await cache.findById('c');
    const reads = inner.reads;
    await cache.findById('b');
    await cache.findById('c');
    expect(inner.reads).toBe(reads);
    await cache.findById('a');
    expect(inner.reads).toBe(reads + 1);
  });

  it('findByIds reads only what is not fresh, and leaves out missing ids', async () => {
    await cache.findById('a');
    const reads = inner.reads;
    const found = await cache.findByIds(['a', 'b', 'b', 'zz']);
    expect(found.map((s) => s.id).sort()).toEqual(['a', 'b']);
    expect(inner.reads).toBe(reads + 2); // b and zz
  });

  it('remembers what it creates, and forgets what it is told to', async () => {
    const created = await cache.create(
      { name: 'new', providerId: null } as ServiceDefinition & { providerId: null },
      new Date(0),
    );
    expect(await cache.findById(created.id)).toEqual(created);
    expect(inner.reads).toBe(0);
    cache.invalidate(created.id);
    await cache.findById(created.id);
    expect(inner.reads).toBe(1);
  });

  it('stored reads the repository every time, and refreshes the cache with what it read', async () => {
    await cache.findById('a');
    inner.stored.set('a', record('a', 'renamed'));
    expect((await cache.stored.findById('a'))?.name).toBe('renamed');
    expect((await cache.stored.findById('a'))?.name).toBe('renamed');
    expect(inner.reads).toBe(3);
    expect((await cache.findById('a'))?.name).toBe('renamed');
    expect(inner.reads).toBe(3);
    inner.stored.delete('a');
    expect(await cache.stored.findById('a')).toBeNull();
    expect(await cache.findById('a')).toBeNull();
  });

  it('an update, won or lost, drops the entry: the next read goes to the repository', async () => {
    const created = await cache.create(
      { name: 'new', providerId: null } as ServiceDefinition & { providerId: null },
      new Date(0),
    );
    const change = {
      id: created.id,
      revision: created.revision,
      set: { ...created, name: 'renamed' },
      now: new Date(1),
      by: 'test',
      paths: ['name'],
    };
    expect((await cache.update(change))?.name).toBe('renamed');
    expect((await cache.findById(created.id))?.name).toBe('renamed');
    expect(inner.reads).toBe(1);
    // The same revision again: another update came first; the entry is dropped all the same.
    expect(await cache.stored.update(change)).toBeNull();
    await cache.findById(created.id);
    expect(inner.reads).toBe(2);
  });

  it('with a TTL of 0 reads the repository every time', async () => {
    const direct = new CachedServiceRepository(inner, { ttlMs: 0, maxEntries: 10 }, () => now);
    await direct.findById('a');
    await direct.findById('a');
    await direct.findByIds(['a', 'b']);
    expect(inner.reads).toBe(4);
  });
});
