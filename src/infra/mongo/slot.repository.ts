import type { PlannedSlot } from '../../domain/slot-plan';
import type { SlotRecord, SlotStatus } from '../../domain/types';
import type { Cursor, SlotChange, SlotOwner, SlotRepository } from '../../services/ports';
import type { Models, SlotDoc } from './models';
import { hex, isDuplicateKeyError, oid } from './object-ids';
import { Types } from 'mongoose';

const BEFORE = { returnDocument: 'before' } as const;

export class MongoSlotRepository implements SlotRepository {
  constructor(private readonly models: Pick<Models, 'slots'>) {}

  async insertMissing(
    serviceId: string,
    slots: readonly PlannedSlot[],
    now: Date,
    blocked: boolean,
  ): Promise<{ created: SlotRecord[]; existing: number }> {
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
      revision: 1,
      updatedAt: now,
    }));
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
    now: Date;
    after: Cursor | null;
    limit: number;
  }): Promise<SlotRecord[]> {
    const startTime: Record<string, Date> = {};
    if (opts.from) startTime.$gte = opts.from;
    if (opts.to) startTime.$lt = opts.to;
    const and: Record<string, unknown>[] = [{ serviceId: oid(opts.serviceId) }];
    if (Object.keys(startTime).length > 0) and.push({ startTime });
    if (opts.status) and.push(effectiveStatusFilter(opts.status, opts.now));
    if (opts.after) {
      const at = new Date(opts.after.key);
      and.push({
        $or: [{ startTime: { $gt: at } }, { startTime: at, _id: { $gt: oid(opts.after.id) } }],
      });
    }
    const docs = await this.models.slots
      .find(and.length === 1 ? and[0]! : { $and: and })
      .sort({ startTime: 1, _id: 1 })
      .limit(opts.limit)
      .lean<SlotDoc[]>()
      .exec();
    return docs.map(toSlotRecord);
  }

  async claim(opts: {
    slotId: string;
    owner: Exclude<SlotOwner, { kind: 'none' }>;
    serviceId: string | null;
    now: Date;
  }): Promise<SlotChange | null> {
    const ownerField = opts.owner.kind === 'appointment' ? 'appointmentId' : 'holdId';
    const filter: Record<string, unknown> = {
      _id: oid(opts.slotId),
      startTime: { $gt: opts.now },
      $or: [
        ...freeFilters(opts.now),
        // A retry resuming its own work finds the slot already pointing at it.
        { [ownerField]: oid(opts.owner.id) },
      ],
    };
    if (opts.serviceId) filter.serviceId = oid(opts.serviceId);
    return this.update(filter, ownerFields(opts.owner), opts.now);
  }

  reassign(opts: { slotId: string; from: string; to: SlotOwner; now: Date }): Promise<SlotChange | null> {
    const from = oid(opts.from);
    return this.update(
      { _id: oid(opts.slotId), $or: [{ appointmentId: from }, { holdId: from }] },
      ownerFields(opts.to),
      opts.now,
    );
  }

  setBlocked(opts: { slotId: string; blocked: boolean; now: Date }): Promise<SlotChange | null> {
    const filter = opts.blocked
      ? { _id: oid(opts.slotId), $or: freeFilters(opts.now) }
      : { _id: oid(opts.slotId), status: 'LOCKED', holdId: null };
    const set = opts.blocked
      ? { status: 'LOCKED' as const, appointmentId: null, holdId: null, holdExpiresAt: null }
      : ownerFields({ kind: 'none' });
    return this.update(filter, set, opts.now);
  }

  repair(opts: { slotId: string; revision: number; to: SlotOwner; now: Date }): Promise<SlotChange | null> {
    return this.update({ _id: oid(opts.slotId), revision: opts.revision }, ownerFields(opts.to), opts.now);
  }

  async findOwnedChangedBetween(from: Date, to: Date, limit: number): Promise<SlotRecord[]> {
    const docs = await this.models.slots
      .find({
        status: { $in: ['BOOKED', 'LOCKED'] },
        updatedAt: { $gte: from, $lte: to },
      })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<SlotDoc[]>()
      .exec();
    // A provider's block (LOCKED, no hold) points at no claim.
    return docs.map(toSlotRecord).filter((s) => s.status === 'BOOKED' || s.holdId !== null);
  }

  async findChangedBetween(from: Date, to: Date, limit: number): Promise<SlotRecord[]> {
    const docs = await this.models.slots
      .find({ updatedAt: { $gte: from, $lte: to } })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<SlotDoc[]>()
      .exec();
    return docs.map(toSlotRecord);
  }

  async findWithExpiredHolds(now: Date, limit: number): Promise<SlotRecord[]> {
    const docs = await this.models.slots
      .find({ status: 'LOCKED', holdExpiresAt: { $lte: now } })
      .limit(limit)
      .lean<SlotDoc[]>()
      .exec();
    return docs.map(toSlotRecord);
  }

  /** One conditional write; returns the state before and after it. */
  private async update(
    filter: Record<string, unknown>,
    set: Partial<Omit<SlotDoc, '_id'>>,
    now: Date,
  ): Promise<SlotChange | null> {
    const doc = await this.models.slots
      .findOneAndUpdate(filter, { $set: { ...set, updatedAt: now }, $inc: { revision: 1 } }, BEFORE)
      .lean<SlotDoc>()
      .exec();
    if (!doc) return null;
    // The write changed exactly the fields set here.
    const after: SlotDoc = { ...doc, ...set, updatedAt: now, revision: doc.revision + 1 };
    return { before: toSlotRecord(doc), after: toSlotRecord(after) };
  }
}

/** AVAILABLE, or LOCKED by a hold that has expired: a slot anyone may take. */
function freeFilters(now: Date): Record<string, unknown>[] {
  return [{ status: 'AVAILABLE' }, { status: 'LOCKED', holdExpiresAt: { $lte: now } }];
}

function effectiveStatusFilter(status: SlotStatus, now: Date): Record<string, unknown> {
  switch (status) {
    case 'AVAILABLE':
      return { $or: freeFilters(now) };
    case 'LOCKED':
      return { status: 'LOCKED', $or: [{ holdExpiresAt: null }, { holdExpiresAt: { $gt: now } }] };
    case 'BOOKED':
      return { status: 'BOOKED' };
  }
}

function ownerFields(
  owner: SlotOwner,
): Pick<SlotDoc, 'status' | 'appointmentId' | 'holdId' | 'holdExpiresAt'> {
  switch (owner.kind) {
    case 'none':
      return { status: 'AVAILABLE', appointmentId: null, holdId: null, holdExpiresAt: null };
    case 'appointment':
      return { status: 'BOOKED', appointmentId: oid(owner.id), holdId: null, holdExpiresAt: null };
    case 'hold':
      return { status: 'LOCKED', appointmentId: null, holdId: oid(owner.id), holdExpiresAt: owner.expiresAt };
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
    holdId: doc.holdId ? hex(doc.holdId) : null,
    holdExpiresAt: doc.holdExpiresAt ?? null,
    revision: doc.revision,
    updatedAt: doc.updatedAt,
  };
}
