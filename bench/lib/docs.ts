/**
 * Storage shapes written directly by the bench (seeding, and the bare-driver
 * floor), the same as src/infra/mongo/models.ts describes, so that the floor
 * writes the documents the service writes.
 */
import mongoose from 'mongoose';

export const { MongoClient, ObjectId } = mongoose.mongo;
export type MongoClientT = InstanceType<typeof MongoClient>;
export type Db = ReturnType<MongoClientT['db']>;
export type ObjectIdT = InstanceType<typeof ObjectId>;

export interface SlotDoc {
  _id: ObjectIdT;
  serviceId: ObjectIdT;
  startTime: Date;
  endTime: Date;
  status: 'AVAILABLE' | 'LOCKED' | 'BOOKED';
  appointmentId: ObjectIdT | null;
  holdId: ObjectIdT | null;
  holdExpiresAt: Date | null;
  revision: number;
  updatedAt: Date;
}

export interface ClaimDoc {
  _id: ObjectIdT;
  userId: string;
  serviceId: ObjectIdT;
  slotId: ObjectIdT;
  status: 'CONFIRMED' | 'CANCELLED';
  slotClaim: string;
  startTime: Date;
  endTime: Date;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: null;
  holdSecret: null;
  cancelledAt: Date | null;
  cancellationReason: string;
  cancelRequestKey: null;
  rescheduledAt: null;
  previousSlotId: null;
}

/** `count` consecutive AVAILABLE slots of `minutes` each, from `from`. */
export function slotDocs(
  serviceId: string,
  from: Date,
  count: number,
  minutes: number,
  now = new Date(),
): SlotDoc[] {
  const service = new ObjectId(serviceId);
  return Array.from({ length: count }, (_, i) => {
    const start = new Date(from.getTime() + i * minutes * 60_000);
    return {
      _id: new ObjectId(),
      serviceId: service,
      startTime: start,
      endTime: new Date(start.getTime() + minutes * 60_000),
      status: 'AVAILABLE',
      appointmentId: null,
      holdId: null,
      holdExpiresAt: null,
      revision: 1,
      updatedAt: now,
    };
  });
}

/** The appointment a booking of `slot` by `userId` creates. */
export function claimDoc(
  slot: Pick<SlotDoc, '_id' | 'serviceId' | 'startTime' | 'endTime'>,
  userId: string,
  id: ObjectIdT,
  now: Date,
): ClaimDoc {
  return {
    _id: id,
    userId,
    serviceId: slot.serviceId,
    slotId: slot._id,
    status: 'CONFIRMED',
    slotClaim: slot._id.toHexString(),
    startTime: slot.startTime,
    endTime: slot.endTime,
    createdAt: now,
    updatedAt: now,
    expiresAt: null,
    holdSecret: null,
    cancelledAt: null,
    cancellationReason: '',
    cancelRequestKey: null,
    rescheduledAt: null,
    previousSlotId: null,
  };
}

/** The conditional update of a booking: AVAILABLE -> BOOKED by `appointmentId`. */
export function bookUpdate(slotId: ObjectIdT, appointmentId: ObjectIdT, now: Date) {
  return {
    filter: { _id: slotId, status: 'AVAILABLE' as const },
    update: {
      $set: { status: 'BOOKED' as const, appointmentId, holdId: null, holdExpiresAt: null, updatedAt: now },
      $inc: { revision: 1 },
    },
  };
}

export const COLLECTIONS = ['services', 'slots', 'appointments', 'request_log'] as const;

/** Creates `to`'s collections with the indexes `from` has (the service's own, from ensureIndexes). */
export async function copyIndexes(from: Db, to: Db): Promise<void> {
  for (const name of COLLECTIONS) {
    await to.createCollection(name).catch((err: unknown) => {
      if ((err as { code?: number }).code !== 48) throw err;
    });
    const indexes = (await from.collection(name).listIndexes().toArray()) as {
      name: string;
      key: Record<string, 1 | -1>;
      unique?: boolean;
    }[];
    for (const ix of indexes) {
      if (ix.name === '_id_') continue;
      await to.collection(name).createIndex(ix.key, { name: ix.name, unique: ix.unique === true });
    }
  }
}

/**
 * Deletes every document (indexes stay): FerretDB's updates scan the whole
 * collection, so each scenario starts empty. In batches: FerretDB's SQLite
 * backend refuses a delete of more than ~32k documents at once.
 */
export async function wipe(
  db: Db,
  names: readonly string[] = ['slots', 'appointments', 'request_log'],
): Promise<void> {
  for (const name of names) {
    const c = db.collection(name);
    for (;;) {
      const ids = (
        await c
          .find({}, { projection: { _id: 1 } })
          .limit(5_000)
          .toArray()
      ).map((d) => d._id);
      if (ids.length === 0) break;
      await c.deleteMany({ _id: { $in: ids } });
    }
  }
}
