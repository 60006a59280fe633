import type { AppointmentStatus, ClaimRecord } from '../../domain/types';
import {
  DuplicateClaimIdError,
  DuplicateSlotClaimError,
  type ClaimRepository,
  type Cursor,
} from '../../services/ports';
import type { ClaimDoc, Models } from './models';
import { hex, isDuplicateKeyError, oid } from './object-ids';

const AFTER = { returnDocument: 'after' } as const;
/** The slot-claim value of a claim that no longer holds its slot. */
const released = (id: string): string => `~${id}`;

export class MongoClaimRepository implements ClaimRepository {
  constructor(private readonly models: Pick<Models, 'claims'>) {}

  async insert(c: ClaimRecord): Promise<void> {
    const doc: ClaimDoc = {
      _id: oid(c.id),
      userId: c.userId,
      serviceId: oid(c.serviceId),
      slotId: oid(c.slotId),
      status: c.status,
      slotClaim: c.slotId,
      startTime: c.startTime,
      endTime: c.endTime,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      expiresAt: c.expiresAt,
      holdSecret: c.holdSecret,
      cancelledAt: null,
      cancellationReason: '',
      cancelRequestKey: null,
      rescheduledAt: null,
      rescheduleRequestKey: null,
      previousSlotId: null,
    };
    try {
      await this.models.claims.collection.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // Which unique index refused it: the id, or the slot's active claim.
      if (await this.models.claims.exists({ _id: doc._id })) {
        throw new DuplicateClaimIdError(`claim ${c.id} exists already`);
      }
      throw new DuplicateSlotClaimError(`slot ${c.slotId} already has an active claim`);
    }
  }

  async findById(id: string): Promise<ClaimRecord | null> {
    const doc = await this.models.claims.findById(oid(id)).lean<ClaimDoc>().exec();
    return doc ? toClaimRecord(doc) : null;
  }

  async findByIds(ids: readonly string[]): Promise<ClaimRecord[]> {
    if (ids.length === 0) return [];
    const docs = await this.models.claims
      .find({ _id: { $in: ids.map(oid) } })
      .lean<ClaimDoc[]>()
      .exec();
    return docs.map(toClaimRecord);
  }

  async findActiveBySlot(slotId: string): Promise<ClaimRecord | null> {
    const doc = await this.models.claims.findOne({ slotClaim: slotId }).lean<ClaimDoc>().exec();
    return doc ? toClaimRecord(doc) : null;
  }

  confirmHold(opts: {
    holdId: string;
    userId: string;
    slotId: string;
    serviceId: string | null;
    secret: string;
    validAfter: Date;
    now: Date;
  }): Promise<ClaimRecord | null> {
    const filter: Record<string, unknown> = {
      _id: oid(opts.holdId),
      status: 'HELD',
      userId: opts.userId,
      slotId: oid(opts.slotId),
      holdSecret: opts.secret,
      expiresAt: { $gt: opts.validAfter },
    };
    if (opts.serviceId) filter.serviceId = oid(opts.serviceId);
    return this.update(filter, { status: 'CONFIRMED', createdAt: opts.now, updatedAt: opts.now });
  }

  releaseHold(opts: {
    holdId: string;
    userId: string;
    secret: string;
    now: Date;
  }): Promise<ClaimRecord | null> {
    return this.update(
      { _id: oid(opts.holdId), status: 'HELD', userId: opts.userId, holdSecret: opts.secret },
      { status: 'RELEASED', slotClaim: released(opts.holdId), updatedAt: opts.now },
    );
  }

  expireHold(opts: { holdId: string; now: Date }): Promise<ClaimRecord | null> {
    return this.update(
      { _id: oid(opts.holdId), status: 'HELD', expiresAt: { $lte: opts.now } },
      { status: 'EXPIRED', slotClaim: released(opts.holdId), updatedAt: opts.now },
    );
  }

  async findExpiredHolds(now: Date, limit: number): Promise<ClaimRecord[]> {
    const docs = await this.models.claims
      .find({ status: 'HELD', expiresAt: { $lte: now } })
      .limit(limit)
      .lean<ClaimDoc[]>()
      .exec();
    return docs.map(toClaimRecord);
  }

  cancel(opts: {
    appointmentId: string;
    now: Date;
    reason: string;
    requestKey: string | null;
  }): Promise<ClaimRecord | null> {
    return this.update(
      { _id: oid(opts.appointmentId), status: 'CONFIRMED' },
      {
        status: 'CANCELLED',
        slotClaim: released(opts.appointmentId),
        cancelledAt: opts.now,
        cancellationReason: opts.reason,
        cancelRequestKey: opts.requestKey,
        updatedAt: opts.now,
      },
    );
  }

  async moveClaim(opts: {
    appointmentId: string;
    fromSlotId: string;
    to: { slotId: string; startTime: Date; endTime: Date };
    now: Date;
    requestKey: string | null;
  }): Promise<ClaimRecord | null> {
    try {
      return await this.update(
        { _id: oid(opts.appointmentId), status: 'CONFIRMED', slotId: oid(opts.fromSlotId) },
        {
          slotId: oid(opts.to.slotId),
          slotClaim: opts.to.slotId,
          startTime: opts.to.startTime,
          endTime: opts.to.endTime,
          previousSlotId: oid(opts.fromSlotId),
          rescheduledAt: opts.now,
          rescheduleRequestKey: opts.requestKey,
          updatedAt: opts.now,
        },
      );
    } catch (err) {
      if (isDuplicateKeyError(err)) {
        throw new DuplicateSlotClaimError(`slot ${opts.to.slotId} already has an active claim`);
      }
      throw err;
    }
  }

  async completeMove(opts: { appointmentId: string; now: Date }): Promise<void> {
    await this.models.claims
      .updateOne({ _id: oid(opts.appointmentId) }, { $set: { previousSlotId: null, updatedAt: opts.now } })
      .exec();
  }

  async findActiveChangedBetween(from: Date, to: Date, limit: number): Promise<ClaimRecord[]> {
    const docs = await this.models.claims
      .find({ status: { $in: ['HELD', 'CONFIRMED'] }, updatedAt: { $gte: from, $lte: to } })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<ClaimDoc[]>()
      .exec();
    return docs.map(toClaimRecord);
  }

  async listAppointmentsByUser(opts: {
    userId: string;
    status: AppointmentStatus | null;
    after: Cursor | null;
    limit: number;
  }): Promise<ClaimRecord[]> {
    const filter: Record<string, unknown> = {
      userId: opts.userId,
      status: opts.status ?? { $in: ['CONFIRMED', 'CANCELLED'] },
    };
    if (opts.after) {
      const at = new Date(opts.after.key);
      filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: oid(opts.after.id) } }];
    }
    const docs = await this.models.claims
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(opts.limit)
      .lean<ClaimDoc[]>()
      .exec();
    return docs.map(toClaimRecord);
  }

  private async update(filter: Record<string, unknown>, set: Partial<ClaimDoc>): Promise<ClaimRecord | null> {
    const doc = await this.models.claims
      .findOneAndUpdate(filter, { $set: set }, AFTER)
      .lean<ClaimDoc>()
      .exec();
    return doc ? toClaimRecord(doc) : null;
  }
}

export function toClaimRecord(doc: ClaimDoc): ClaimRecord {
  return {
    id: hex(doc._id),
    userId: doc.userId,
    serviceId: hex(doc.serviceId),
    slotId: hex(doc.slotId),
    status: doc.status,
    startTime: doc.startTime,
    endTime: doc.endTime,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt ?? doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
    holdSecret: doc.holdSecret ?? null,
    cancelledAt: doc.cancelledAt ?? null,
    cancellationReason: doc.cancellationReason ?? '',
    cancelRequestKey: doc.cancelRequestKey ?? null,
    rescheduledAt: doc.rescheduledAt ?? null,
    rescheduleRequestKey: doc.rescheduleRequestKey ?? null,
    previousSlotId: doc.previousSlotId ? hex(doc.previousSlotId) : null,
  };
}
