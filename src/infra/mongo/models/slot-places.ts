import { Schema, type Types } from 'mongoose';
import { schemaOptions } from './schema-options';

/** A member of a slot's places: a claim and the places it takes. */
export interface PlaceMemberDoc {
  claimId: Types.ObjectId;
  userId: string;
  places: number;
  /** A hold's expiry (its places stop counting then); null for an appointment. */
  expiresAt: Date | null;
  /** When it joined (a member whose claim never appears is dropped only after a grace time). */
  since: Date;
}

/**
 * Change `n` of a slot's places (collection `slot_places`), `_id`
 * `<slot id>:<n>`: the full list of members after the change. Inserting it is
 * what decides the change: the unique `_id` admits one change n per slot,
 * atomically on every MongoDB-wire backend, and every entry respects the
 * slot's capacity, so the places taken never exceed it. Entries are kept
 * (the slot's booking history); entry 0 (no members) is never stored.
 */
export interface PlacesEntryDoc {
  _id: string;
  slotId: Types.ObjectId;
  n: number;
  capacity: number;
  members: PlaceMemberDoc[];
  at: Date;
  /** `at` in 10-second buckets: what the reconciler looks up. */
  updatedBucket: number;
}

export const placesEntrySchema = new Schema<PlacesEntryDoc>(
  {
    _id: { type: String, required: true },
    slotId: { type: Schema.Types.ObjectId, required: true },
    n: { type: Number, required: true },
    capacity: { type: Number, required: true },
    members: {
      type: [
        {
          _id: false,
          claimId: Schema.Types.ObjectId,
          userId: String,
          places: Number,
          expiresAt: Date,
          since: Date,
        },
      ],
      required: true,
    },
    at: { type: Date, required: true },
    updatedBucket: { type: Number, required: true },
  },
  { ...schemaOptions, collection: 'slot_places' },
);
// The reconciler: entries written in a 10-second bucket (members whose claim left, or never came).
placesEntrySchema.index({ updatedBucket: 1 }, { name: 'updated_bucket' });
