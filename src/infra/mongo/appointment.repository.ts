import type { AppointmentRecord, AppointmentStatus } from '../../domain/types';
import { DuplicateSlotClaimError, type AppointmentRepository, type Cursor } from '../../services/ports';
import type { AppointmentDoc, Models } from './models';
import { hex, isDuplicateKeyError, oid } from './object-ids';

export class MongoAppointmentRepository implements AppointmentRepository {
  constructor(private readonly models: Pick<Models, 'appointments'>) {}

  async insertConfirmed(a: AppointmentRecord): Promise<void> {
    const doc: AppointmentDoc = {
      _id: oid(a.id),
      userId: a.userId,
      serviceId: oid(a.serviceId),
      slotId: oid(a.slotId),
      status: 'CONFIRMED',
      slotClaim: a.slotId,
      startTime: a.startTime,
      endTime: a.endTime,
      createdAt: a.createdAt,
      cancelledAt: null,
      cancellationReason: '',
    };
    try {
      await this.models.appointments.collection.insertOne(doc);
    } catch (err) {
      if (isDuplicateKeyError(err)) {
        throw new DuplicateSlotClaimError(`slot ${a.slotId} already has a confirmed appointment`);
      }
      throw err;
    }
  }

  async findById(id: string): Promise<AppointmentRecord | null> {
    const doc = await this.models.appointments.findById(oid(id)).lean<AppointmentDoc>().exec();
    return doc ? toAppointmentRecord(doc) : null;
  }

  async findConfirmedBySlot(slotId: string): Promise<AppointmentRecord | null> {
    const doc = await this.models.appointments.findOne({ slotClaim: slotId }).lean<AppointmentDoc>().exec();
    return doc ? toAppointmentRecord(doc) : null;
  }

  async cancel(opts: {
    appointmentId: string;
    now: Date;
    reason: string;
  }): Promise<AppointmentRecord | null> {
    const doc = await this.models.appointments
      .findOneAndUpdate(
        { _id: oid(opts.appointmentId), status: 'CONFIRMED' },
        {
          $set: {
            status: 'CANCELLED',
            slotClaim: `~${opts.appointmentId}`,
            cancelledAt: opts.now,
            cancellationReason: opts.reason,
          },
        },
        { returnDocument: 'after' },
      )
      .lean<AppointmentDoc>()
      .exec();
    return doc ? toAppointmentRecord(doc) : null;
  }

  async listByUser(opts: {
    userId: string;
    status: AppointmentStatus | null;
    after: Cursor | null;
    limit: number;
  }): Promise<AppointmentRecord[]> {
    const filter: Record<string, unknown> = { userId: opts.userId };
    if (opts.status) filter.status = opts.status;
    if (opts.after) {
      const at = new Date(opts.after.key);
      filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: oid(opts.after.id) } }];
    }
    const docs = await this.models.appointments
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(opts.limit)
      .lean<AppointmentDoc[]>()
      .exec();
    return docs.map(toAppointmentRecord);
  }
}

export function toAppointmentRecord(doc: AppointmentDoc): AppointmentRecord {
  return {
    id: hex(doc._id),
    userId: doc.userId,
    serviceId: hex(doc.serviceId),
    slotId: hex(doc.slotId),
    status: doc.status,
    startTime: doc.startTime,
    endTime: doc.endTime,
    createdAt: doc.createdAt,
    cancelledAt: doc.cancelledAt ?? null,
    cancellationReason: doc.cancellationReason ?? '',
  };
}
