import type { ServiceDefinition, ServiceRecord } from '../../domain/types';
import type { ServiceChange, ServiceRepository } from '../../use-cases/ports';
import type { Models, ServiceChangeDoc, ServiceDoc } from './models';
import { mapBounded } from './buckets';
import { hex, isDuplicateKeyError, oid } from './object-ids';

/** Writes of one update attempted before giving up on a service that keeps being overwritten. */
const MAX_WRITES = 3;

export class MongoServiceRepository implements ServiceRepository {
  constructor(private readonly models: Pick<Models, 'services' | 'serviceChanges'>) {}

  async create(def: ServiceDefinition & { providerId: string | null }, now: Date): Promise<ServiceRecord> {
    const [doc] = await this.models.services.insertMany([
      { ...def, price: { ...def.price }, createdAt: now, updatedAt: now, deletedAt: null, revision: 1 },
    ]);
    return toServiceRecord(doc!.toObject());
  }

  async findById(id: string): Promise<ServiceRecord | null> {
    const doc = await this.models.services.findById(oid(id)).lean<ServiceDoc>().exec();
    return doc ? toServiceRecord(doc) : null;
  }

  /** Point reads (an `$in` is not pushed down by FerretDB), missing ids left out. */
  async findByIds(ids: readonly string[]): Promise<ServiceRecord[]> {
    const found = await mapBounded([...new Set(ids)], 8, (id) => this.findById(id));
    return found.filter((s): s is ServiceRecord => s !== null);
  }

  async list(opts: {
    activeOnly: boolean;
    showDeleted: boolean;
    after: string | null;
    limit: number;
  }): Promise<ServiceRecord[]> {
    const filter: Record<string, unknown> = {};
    if (opts.activeOnly) filter.active = true;
    // Null matches a service stored before archiving existed (no field) too.
    if (!opts.showDeleted) filter.deletedAt = null;
    if (opts.after) filter._id = { $gt: oid(opts.after) };
    const docs = await this.models.services
      .find(filter)
      .sort({ _id: 1 })
      .limit(opts.limit)
      .lean<ServiceDoc[]>()
      .exec();
    return docs.map(toServiceRecord);
  }

  /**
   * Decided by inserting the change's entry `<id>:<revision + 1>` (unique
   * `_id`: one update per revision, whatever the backend), then written to
   * the service only while it is still at `revision`. An entry there already
   * means another update of that revision came first: it is written now if
   * its writer has not (a crash between the two), and this one is refused.
   * The write is read back: on FerretDB an update rewrites the whole document,
   * so a concurrent write of another field (a GenerateSlots widening
   * `slotDays`) can undo it; it is then written again.
   */
  async update(change: ServiceChange): Promise<ServiceRecord | null> {
    const revision = change.revision + 1;
    const set: Partial<ServiceDoc> = {
      ...change.set,
      price: { ...change.set.price },
      updatedAt: change.now,
      revision,
    };
    const entry: ServiceChangeDoc = {
      _id: `${change.id}:${revision}`,
      serviceId: oid(change.id),
      revision,
      set,
      by: change.by,
      paths: [...change.paths],
      at: change.now,
    };
    try {
      await this.models.serviceChanges.create(entry);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      await this.applyDecided(change.id, revision);
      return null;
    }
    for (let attempt = 0; attempt < MAX_WRITES; attempt++) {
      await this.write(change.id, revision, set);
      const stored = await this.models.services.findById(oid(change.id)).lean<ServiceDoc>().exec();
      if (!stored) return null;
      if ((stored.revision ?? 0) >= revision) return toServiceRecord(stored);
    }
    return null;
  }

  /** Writes the decided entry `<id>:<revision>` if the service is still just before it. */
  private async applyDecided(id: string, revision: number): Promise<void> {
    const entry = await this.models.serviceChanges
      .findById(`${id}:${revision}`)
      .lean<ServiceChangeDoc>()
      .exec();
    if (entry) await this.write(id, revision, entry.set);
  }

  /** Sets the fields of revision `revision` on a service still at the revision before it. */
  private async write(id: string, revision: number, set: Partial<ServiceDoc>): Promise<void> {
    // A service stored before revisions existed has none: it is at revision 0.
    const at = revision - 1 === 0 ? { $exists: false } : revision - 1;
    await this.models.services.updateOne({ _id: oid(id), revision: at }, { $set: set }).exec();
  }
}

export function toServiceRecord(doc: ServiceDoc): ServiceRecord {
  return {
    id: hex(doc._id),
    name: doc.name,
    description: doc.description,
    address: doc.address,
    price: { amountMinor: doc.price.amountMinor, currencyCode: doc.price.currencyCode },
    timeZone: doc.timeZone,
    openingMinute: doc.openingMinute,
    closingMinute: doc.closingMinute,
    slotDurationMinutes: doc.slotDurationMinutes,
    active: doc.active,
    // Absent on services stored before capacities existed: one place per slot.
    capacity: doc.capacity ?? 1,
    providerId: doc.providerId ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    deletedAt: doc.deletedAt ?? null,
    revision: doc.revision ?? 0,
  };
}
