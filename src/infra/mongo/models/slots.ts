import { Schema, type Types } from 'mongoose';
import { schemaOptions } from './schema-options';

export interface SlotDoc {
  _id: Types.ObjectId;
  serviceId: Types.ObjectId;
  startTime: Date;
  endTime: Date;
  status: 'AVAILABLE' | 'LOCKED' | 'BOOKED';
  appointmentId: Types.ObjectId | null;
  holdId: Types.ObjectId | null;
  holdExpiresAt: Date | null;
  revision: number;
  updatedAt: Date;
  /**
   * `<service id hex>:<YYYY-MM-DD>`, the UTC day of `startTime`: a time window
   * is listed as a few equality lookups, one per day (see MongoSlotQueries.list, slot-queries.ts).
   * Optional in the type only for documents written before it existed (see ../backfill.ts).
   */
  serviceDay?: string;
  /** True while LOCKED by a hold (not by the provider): `{hold: true}` selects the held slots. */
  hold?: boolean;
  /**
   * While LOCKED without a hold: by the provider (SetSlotStatus) or by the
   * service (inactive or archived); null otherwise. Absent on slots written
   * before it existed, which count as the provider's (never lifted by an
   * activation).
   */
  blockedBy?: 'PROVIDER' | 'SERVICE' | null;
  /** `updatedAt` in 10-second buckets (see ../buckets.ts), written with it. */
  updatedBucket?: number;
  /** Places (copied from the service at generation; absent on older slots: 1). Never changes. */
  capacity?: number;
  /**
   * Slots of several places only: a projection of the slot's latest known
   * `slot_places` entry (number `placesRev`): places taken, and the holds
   * among them with their expiry. Written after the entry; never trusted to
   * decide (see PlacesEntryDoc).
   */
  placesTaken?: number;
  placesRev?: number;
  placesHeld?: { places: number; expiresAt: Date }[];
}

export const slotSchema = new Schema<SlotDoc>(
  {
    serviceId: { type: Schema.Types.ObjectId, required: true },
    startTime: { type: Date, required: true },
    endTime: { type: Date, required: true },
    status: { type: String, required: true, enum: ['AVAILABLE', 'LOCKED', 'BOOKED'] },
    appointmentId: { type: Schema.Types.ObjectId, default: null },
    holdId: { type: Schema.Types.ObjectId, default: null },
    holdExpiresAt: { type: Date, default: null },
    revision: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
    serviceDay: { type: String },
    hold: { type: Boolean },
    blockedBy: { type: String, enum: ['PROVIDER', 'SERVICE', null], default: null },
    updatedBucket: { type: Number },
    capacity: { type: Number },
    placesTaken: { type: Number },
    placesRev: { type: Number },
    placesHeld: { type: [{ _id: false, places: Number, expiresAt: Date }], default: undefined },
  },
  { ...schemaOptions, collection: 'slots' },
);
// One slot per service and start instant: what makes GenerateSlots idempotent.
slotSchema.index({ serviceId: 1, startTime: 1 }, { unique: true, name: 'service_start_unique' });
// Listings: a window is one equality lookup per UTC day, in (startTime, _id) order.
slotSchema.index({ serviceDay: 1, startTime: 1, _id: 1 }, { name: 'service_day' });
// The reconciler: slots changed in a 10-second bucket (repairs, republishing), and held slots.
slotSchema.index({ updatedBucket: 1 }, { name: 'updated_bucket' });
slotSchema.index({ hold: 1 }, { name: 'hold' });
