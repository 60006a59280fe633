import { Schema, type Types } from 'mongoose';
import type { ClaimRecord } from '../../../domain/types';
import { schemaOptions } from './schema-options';

/**
 * A claim on a slot: a hold or an appointment (collection `appointments`).
 * The fields of ClaimRecord, with ObjectIds for the ids, and the fields only
 * the store has.
 */
export interface ClaimDoc extends Omit<
  ClaimRecord,
  'id' | 'serviceId' | 'slotId' | 'previousSlotId' | 'revision' | 'places' | 'previousPlaces'
> {
  _id: Types.ObjectId;
  serviceId: Types.ObjectId;
  slotId: Types.ObjectId;
  /**
   * The arbiter of "one active claim per slot", under a plain unique index
   * (no partial index needed): the slot id (hex) while the claim is active
   * (HELD or CONFIRMED), `~` + the claim's own id once it is not, so inactive
   * claims never collide with anything and the slot can be claimed again.
   */
  slotClaim: string;
  previousSlotId: Types.ObjectId | null;
  /**
   * The claim's revision: how many transitions it has had (absent on claims
   * written before revisions existed: 0). See `TransitionDoc`.
   */
  rev?: number;
  /** Which transition wrote this revision (its nonce), so its writer can recognise it. */
  revBy?: string | null;
  /** `updatedAt` in 10-second buckets (see ../buckets.ts), written with it. */
  updatedBucket?: number;
  /** VOID claims only: `createdAt` in minute buckets, what their purge selects by. */
  voidBucket?: number;
  /** Claims on slots of several places: the places taken (absent: a claim of capacity 1's arbiter). */
  places?: number | null;
  /** A moved claim: the places it had on `previousSlotId` (null or absent: that slot had capacity 1). */
  previousPlaces?: number | null;
}

export const claimSchema = new Schema<ClaimDoc>(
  {
    userId: { type: String, required: true },
    serviceId: { type: Schema.Types.ObjectId, required: true },
    slotId: { type: Schema.Types.ObjectId, required: true },
    status: {
      type: String,
      required: true,
      enum: ['HELD', 'CONFIRMED', 'CANCELLED', 'RELEASED', 'EXPIRED', 'VOID'],
    },
    slotClaim: { type: String, required: true },
    startTime: { type: Date, required: true },
    endTime: { type: Date, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    expiresAt: { type: Date, default: null },
    holdSecret: { type: String, default: null },
    cancelledAt: { type: Date, default: null },
    cancellationReason: { type: String, default: '' },
    cancelRequestKey: { type: String, default: null },
    rescheduledAt: { type: Date, default: null },
    rescheduleRequestKey: { type: String, default: null },
    previousSlotId: { type: Schema.Types.ObjectId, default: null },
    rev: { type: Number, default: 0 },
    revBy: { type: String, default: null },
    updatedBucket: { type: Number },
    voidBucket: { type: Number },
    places: { type: Number, default: undefined },
    previousPlaces: { type: Number, default: undefined },
  },
  { ...schemaOptions, collection: 'appointments' },
);
claimSchema.index({ slotClaim: 1 }, { unique: true, name: 'slot_claim_unique' });
claimSchema.index({ userId: 1, createdAt: -1, _id: -1 }, { name: 'user_history' });
// The reconciler: claims changed in a 10-second bucket, live holds ({status: 'HELD'}), VOID claims by minute.
claimSchema.index({ updatedBucket: 1 }, { name: 'updated_bucket' });
claimSchema.index({ status: 1, expiresAt: 1 }, { name: 'status_expiry' });
claimSchema.index({ voidBucket: 1 }, { name: 'void_bucket' });
