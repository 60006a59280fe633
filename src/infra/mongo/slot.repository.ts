import type { PlannedSlot } from '../../domain/slot-plan';
import type { SlotRecord, SlotStatus } from '../../domain/types';
import type { Cursor, SlotRepository } from '../../services/ports';
import type { Models, SlotDoc } from './models';
import { hex, isDuplicateKeyError, oid } from './object-ids';
import { Types } from 'mongoose';

const AFTER = { returnDocument: 'after' } as const;

export class MongoSlotRepository implements SlotRepository {
  constructor(private readonly models: Pick<Models, 'slots'>) {}

  async insertMissing(
    serviceId: string,
    slots: readonly PlannedSlot[],
    now: Date,
  ): Promise<{ created: number; existing: number }> {
    if (slots.length === 0) return { created: 0, existing: 0 };
    const service = oid(serviceId);
    const docs: SlotDoc[] = slots.map((s) => ({
      _id: new Types.ObjectId(),
      serviceId: service,
      startTime: s.startTime,
      endTime: s.endTime,
      status: 'AVAILABLE',
      appointmentId: null,
      revision: 1,
      updatedAt: now,
    }));
    try {
      // Unordered: every slot is tried; those whose (service, start) exists
      // already fail on the unique index and are counted, not duplicated.
      const result = await this.models.slots.collection.insertMany(docs, { ordered: false });
      return { created: result.insertedCount, existing: 0 };
    } catch (err) {
      const bulk = err as {
        writeErrors?: unknown;
        result?: { insertedCount?: number };
        insertedCount?: number;
      };
      const writeErrors = Array.isArray(bulk.writeErrors)
        ? (bulk.writeErrors as unknown[])
        : bulk.writeErrors
          ? [bulk.writeErrors]
          : [];
      if (writeErrors.length === 0 || !writeErrors.every(isDuplicateKeyError)) throw err;
      const created = bulk.insertedCount ?? bulk.result?.insertedCount ?? 0;
      return { created, existing: slots.length - created };
    }
  }

  async findById(id: string): Promise<SlotRecord | null> {
    const doc = await this.models.slots.findById(oid(id)).lean<SlotDoc>().exec();
    return doc ? toSlotRecord(doc) : null;
  }

  async findByIds(ids: readonly string[]): Promise<SlotRecord[]> {
    if (ids.length === 0) return [];
    const docs = await this.models.slots
      .find({ _id: { $in: ids.map(oid) } })
      .lean<SlotDoc[]>()
      .exec();
    return docs.map(toSlotRecord);
  }

  async list(opts: {
    serviceId: string;
    from: Date | null;
    to: Date | null;
    status: SlotStatus | null;
    after: Cursor | null;
    limit: number;
  }): Promise<SlotRecord[]> {
    const startTime: Record<string, Date> = {};
    if (opts.from) startTime.$gte = opts.from;
    if (opts.to) startTime.$lt = opts.to;
    const filter: Record<string, unknown> = { serviceId: oid(opts.serviceId) };
    if (Object.keys(startTime).length > 0) filter.startTime = startTime;
    if (opts.status) filter.status = opts.status;
    if (opts.after) {
      const at = new Date(opts.after.key);
      filter.$or = [{ startTime: { $gt: at } }, { startTime: at, _id: { $gt: oid(opts.after.id) } }];
    }
    const docs = await this.models.slots
      .find(filter)
      .sort({ startTime: 1, _id: 1 })
      .limit(opts.limit)
      .lean<SlotDoc[]>()
      .exec();
    return docs.map(toSlotRecord);
  }

  async claim(opts: {
    slotId: string;
    appointmentId: string;
    serviceId: string | null;
    now: Date;
  }): Promise<SlotRecord | null> {
    const filter: Record<string, unknown> = {
      _id: oid(opts.slotId),
      status: 'AVAILABLE',
      startTime: { $gt: opts.now },
    };
    if (opts.serviceId) filter.serviceId = oid(opts.serviceId);
    const doc = await this.models.slots
      .findOneAndUpdate(
        filter,
        {
          $set: { status: 'BOOKED', appointmentId: oid(opts.appointmentId), updatedAt: opts.now },
          $inc: { revision: 1 },
        },
        AFTER,
      )
      .lean<SlotDoc>()
      .exec();
    return doc ? toSlotRecord(doc) : null;
  }

  async releaseClaim(opts: {
    slotId: string;
    appointmentId: string;
    heldBy: string | null;
    now: Date;
  }): Promise<boolean> {
    const set = opts.heldBy
      ? { status: 'BOOKED', appointmentId: oid(opts.heldBy), updatedAt: opts.now }
      : { status: 'AVAILABLE', appointmentId: null, updatedAt: opts.now };
    const result = await this.models.slots
      .updateOne(
        { _id: oid(opts.slotId), status: 'BOOKED', appointmentId: oid(opts.appointmentId) },
        { $set: set, $inc: { revision: 1 } },
      )
      .exec();
    return result.modifiedCount > 0;
  }

  async transition(opts: {
    slotId: string;
    from: SlotStatus;
    to: SlotStatus;
    now: Date;
  }): Promise<SlotRecord | null> {
    const doc = await this.models.slots
      .findOneAndUpdate(
        { _id: oid(opts.slotId), status: opts.from },
        { $set: { status: opts.to, updatedAt: opts.now }, $inc: { revision: 1 } },
        AFTER,
      )
      .lean<SlotDoc>()
      .exec();
    return doc ? toSlotRecord(doc) : null;
  }
}

export function toSlotRecord(doc: SlotDoc): SlotRecord {
  return {
    id: hex(doc._id),
    serviceId: hex(doc.serviceId),
    startTime: doc.startTime,
    endTime: doc.endTime,
    status: doc.status,
    appointmentId: doc.appointmentId ? hex(doc.appointmentId) : null,
    revision: doc.revision,
    updatedAt: doc.updatedAt,
  };
}
