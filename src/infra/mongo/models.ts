import { Schema, type Connection, type Model, type Types } from 'mongoose';

/**
 * Storage shapes. Each index is declared here and created at start-up by
 * `ensureIndexes` (autoIndex is off: index builds are an explicit step).
 */

export interface ServiceDoc {
  _id: Types.ObjectId;
  name: string;
  description: string;
  address: string;
  price: { amountMinor: number; currencyCode: string };
  timeZone: string;
  openingMinute: number;
  closingMinute: number;
  slotDurationMinutes: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface SlotDoc {
  _id: Types.ObjectId;
  serviceId: Types.ObjectId;
  startTime: Date;
  endTime: Date;
  status: 'AVAILABLE' | 'LOCKED' | 'BOOKED';
  appointmentId: Types.ObjectId | null;
  revision: number;
  updatedAt: Date;
}

export interface AppointmentDoc {
  _id: Types.ObjectId;
  userId: string;
  serviceId: Types.ObjectId;
  slotId: Types.ObjectId;
  status: 'CONFIRMED' | 'CANCELLED';
  /**
   * The arbiter of "one confirmed appointment per slot", under a plain unique
   * index: the slot id (hex) while CONFIRMED, `~` + the appointment's own id
   * once CANCELLED, so cancelled appointments never collide with anything.
   */
  slotClaim: string;
  startTime: Date;
  endTime: Date;
  createdAt: Date;
  cancelledAt: Date | null;
  cancellationReason: string;
}

const options = { versionKey: false, autoIndex: false, autoCreate: false, strict: true } as const;

const serviceSchema = new Schema<ServiceDoc>(
  {
    name: { type: String, required: true },
    description: { type: String, default: '' },
    address: { type: String, default: '' },
    price: {
      amountMinor: { type: Number, required: true },
      currencyCode: { type: String, required: true },
    },
    timeZone: { type: String, required: true },
    openingMinute: { type: Number, required: true },
    closingMinute: { type: Number, required: true },
    slotDurationMinutes: { type: Number, required: true },
    active: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...options, collection: 'services' },
);
serviceSchema.index({ active: 1, _id: 1 });

const slotSchema = new Schema<SlotDoc>(
  {
    serviceId: { type: Schema.Types.ObjectId, required: true },
    startTime: { type: Date, required: true },
    endTime: { type: Date, required: true },
    status: { type: String, required: true, enum: ['AVAILABLE', 'LOCKED', 'BOOKED'] },
    appointmentId: { type: Schema.Types.ObjectId, default: null },
    revision: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { ...options, collection: 'slots' },
);
// One slot per service and start instant: what makes GenerateSlots idempotent.
slotSchema.index({ serviceId: 1, startTime: 1 }, { unique: true, name: 'service_start_unique' });

const appointmentSchema = new Schema<AppointmentDoc>(
  {
    userId: { type: String, required: true },
    serviceId: { type: Schema.Types.ObjectId, required: true },
    slotId: { type: Schema.Types.ObjectId, required: true },
    status: { type: String, required: true, enum: ['CONFIRMED', 'CANCELLED'] },
    slotClaim: { type: String, required: true },
    startTime: { type: Date, required: true },
    endTime: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    cancelledAt: { type: Date, default: null },
    cancellationReason: { type: String, default: '' },
  },
  { ...options, collection: 'appointments' },
);
appointmentSchema.index({ slotClaim: 1 }, { unique: true, name: 'slot_claim_unique' });
appointmentSchema.index({ userId: 1, createdAt: -1, _id: -1 }, { name: 'user_history' });
appointmentSchema.index({ userId: 1, status: 1, createdAt: -1, _id: -1 }, { name: 'user_history_by_status' });

export interface Models {
  services: Model<ServiceDoc>;
  slots: Model<SlotDoc>;
  appointments: Model<AppointmentDoc>;
}

export function registerModels(connection: Connection): Models {
  return {
    services: connection.model<ServiceDoc>('Service', serviceSchema),
    slots: connection.model<SlotDoc>('Slot', slotSchema),
    appointments: connection.model<AppointmentDoc>('Appointment', appointmentSchema),
  };
}

/** Creates the collections and every declared index; safe to run on each start. */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of [models.services, models.slots, models.appointments]) {
    await model.createCollection().catch((err: unknown) => {
      // NamespaceExists (48): another instance created it first.
      if ((err as { code?: number }).code !== 48) throw err;
    });
    await model.createIndexes();
  }
}
