import { Schema, type Types } from 'mongoose';
import { schemaOptions } from './schema-options';

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
  /** Places per slot (absent on services stored before capacities existed: 1). */
  capacity?: number;
  createdAt: Date;
  updatedAt: Date;
  /** The owning provider (absent on services stored before providers existed: the platform's). */
  providerId?: string | null;
  /** When it was archived; absent or null while it is not. */
  deletedAt?: Date | null;
  /**
   * Grows by one with every update (absent: 0, a service stored before
   * revisions existed). Each update is decided by inserting its
   * `service_changes` entry `<id>:<revision>` first (see ServiceChangeDoc).
   */
  revision?: number;
  /**
   * The first and last UTC day (`YYYY-MM-DD`) that has slots of this service:
   * bounds the day-by-day walk of a listing without a time window. Only ever
   * widened; a range wider than the slots is harmless, a narrower one is not.
   * Absent while the service has no slots.
   */
  slotDays?: { first: string; last: string };
}

export const serviceSchema = new Schema<ServiceDoc>(
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
    capacity: { type: Number },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    providerId: { type: String, default: null },
    deletedAt: { type: Date, default: null },
    revision: { type: Number },
    slotDays: { type: { _id: false, first: String, last: String }, default: undefined },
  },
  { ...schemaOptions, collection: 'services' },
);
serviceSchema.index({ active: 1, _id: 1 });
