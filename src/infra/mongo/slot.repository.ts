import type { InsertedSlots, SlotChange, SlotRepository } from '../../use-cases/ports';
import type { SlotDoc } from './models';
import { updatedBucketOf } from './buckets';
import { isDuplicateKeyError, oid } from './object-ids';
import { serviceDayOf, utcDay, widenSlotDays } from './slot-days';
import { blockedFields, freeFilters, ownerFields, SERVICE_BLOCK, toSlotRecord } from './slot-docs';
import { MongoSlotQueries } from './slot-queries';
import { Types } from 'mongoose';

const BEFORE = { returnDocument: 'before' } as const;

/** The options of a method, as the port declares them. */
type Opts<K extends keyof SlotRepository> = Parameters<SlotRepository[K]>[0];
/** The positional parameters of a method, as the port declares them. */
type Args<K extends keyof SlotRepository> = Parameters<SlotRepository[K]>;

/**
 * Slots: the reads of MongoSlotQueries, and the writes. Every write but the
 * insert is one conditional update with a top-level `_id` equality (what
 * FerretDB pushes down), conditioned on what makes it right (the slot free,
 * its current owner, the revision read, an older places entry).
 */
export class MongoSlotRepository extends MongoSlotQueries implements SlotRepository {
  async insertMissing(
    ...[serviceId, slots, now, blocked, capacity = 1]: Args<'insertMissing'>
  ): Promise<InsertedSlots> {
    if (slots.length === 0) return { created: [], existing: 0 };
    const service = oid(serviceId);
    const docs: SlotDoc[] = slots.map((s) => ({
      _id: new Types.ObjectId(),
      serviceId: service,
      startTime: s.startTime,
      endTime: s.endTime,
      status: blocked ? 'LOCKED' : 'AVAILABLE',
      appointmentId: null,
      holdId: null,
      holdExpiresAt: null,
      blockedBy: blocked ? 'SERVICE' : null,
      revision: 1,
      updatedAt: now,
      serviceDay: serviceDayOf(service, s.startTime),
      hold: false,
      updatedBucket: updatedBucketOf(now),
      capacity,
      ...(capacity > 1 ? { placesTaken: 0, placesRev: 0, placesHeld: [] } : {}),
    }));
    // Widened before the slots exist, so a listing never misses one.
    const days = docs.map((d) => utcDay(d.startTime)).sort();
    await widenSlotDays(this.models, service, days[0]!, days[days.length - 1]!);
    try {
      // Unordered: every slot is tried; those whose (service, start) exists
      // already fail on the unique index and are counted, not duplicated.
      await this.models.slots.collection.insertMany(docs, { ordered: false });
      return { created: docs.map(toSlotRecord), existing: 0 };
    } catch (err) {
      const bulk = err as { writeErrors?: unknown };
      const writeErrors = Array.isArray(bulk.writeErrors)
        ? (bulk.writeErrors as unknown[])
        : bulk.writeErrors
          ? [bulk.writeErrors]
          : [];
      if (writeErrors.length === 0 || !writeErrors.every(isDuplicateKeyError)) throw err;
      const failed = new Set(writeErrors.map((e) => (e as { index: number }).index));
      const created = docs.filter((_, i) => !failed.has(i)).map(toSlotRecord);
      return { created, existing: failed.size };
    }
  }

  async claim(opts: Opts<'claim'>): Promise<SlotChange | null> {
    const ownerField = opts.owner.kind === 'appointment' ? 'appointmentId' : 'holdId';
    const filter: Record<string, unknown> = {
      _id: oid(opts.slotId),
      startTime: { $gt: opts.now },
      // Never a slot of several places: its places are decided by its ledger (slot-places.ts).
      // Its capacity never changes, so this holds even where the update is not atomic.
      capacity: { $not: { $gt: 1 } },
      $or: [
        ...freeFilters(opts.now),
        // A retry resuming its own work finds the slot already pointing at it.
        { [ownerField]: oid(opts.owner.id) },
      ],
    };
    if (opts.serviceId) filter.serviceId = oid(opts.serviceId);
    return this.update(filter, ownerFields(opts.owner), opts.now);
  }

  reassign(opts: Opts<'reassign'>): Promise<SlotChange | null> {
    const from = oid(opts.from);
    return this.update(
      { _id: oid(opts.slotId), $or: [{ appointmentId: from }, { holdId: from }] },
      ownerFields(opts.to),
      opts.now,
    );
  }

  setBlocked(opts: Opts<'setBlocked'>): Promise<SlotChange | null> {
    // Blocking a slot its service blocked makes it the provider's: an activation leaves it blocked.
    const filter = opts.blocked
      ? { _id: oid(opts.slotId), $or: [...freeFilters(opts.now), SERVICE_BLOCK] }
      : { _id: oid(opts.slotId), status: 'LOCKED', holdId: null };
    const set = opts.blocked ? blockedFields('PROVIDER') : ownerFields({ kind: 'none' });
    return this.update(filter, set, opts.now);
  }

  blockForService(opts: Opts<'blockForService'>): Promise<SlotChange | null> {
    return this.update(
      { _id: oid(opts.slotId), startTime: { $gt: opts.now }, $or: freeFilters(opts.now) },
      blockedFields('SERVICE'),
      opts.now,
    );
  }

  unblockForService(opts: Opts<'unblockForService'>): Promise<SlotChange | null> {
    return this.update(
      { _id: oid(opts.slotId), startTime: { $gt: opts.now }, ...SERVICE_BLOCK },
      ownerFields({ kind: 'none' }),
      opts.now,
    );
  }

  repair(opts: Opts<'repair'>): Promise<SlotChange | null> {
    return this.update({ _id: oid(opts.slotId), revision: opts.revision }, ownerFields(opts.to), opts.now);
  }

  project(opts: Opts<'project'>): Promise<SlotChange | null> {
    return this.update(
      { _id: oid(opts.slotId), placesRev: { $lt: opts.n } },
      { placesTaken: opts.taken, placesRev: opts.n, placesHeld: opts.held.map((h) => ({ ...h })) },
      opts.now,
    );
  }

  /** One conditional write; returns the state before and after it. */
  private async update(
    filter: Record<string, unknown>,
    set: Partial<Omit<SlotDoc, '_id'>>,
    now: Date,
  ): Promise<SlotChange | null> {
    // Every conditional update has a top-level `_id` equality: what FerretDB pushes down.
    const fields = { ...set, updatedAt: now, updatedBucket: updatedBucketOf(now) };
    const doc = await this.models.slots
      .findOneAndUpdate(filter, { $set: fields, $inc: { revision: 1 } }, BEFORE)
      .lean<SlotDoc>()
      .exec();
    if (!doc) return null;
    // The write changed exactly the fields set here.
    const after: SlotDoc = { ...doc, ...fields, revision: doc.revision + 1 };
    return { before: toSlotRecord(doc), after: toSlotRecord(after) };
  }
}
