import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { backfillQueryFields } from './backfill';

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
   * is listed as a few equality lookups, one per day (see MongoSlotRepository.list).
   * Optional in the type only for documents written before it existed (see backfill.ts).
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
  /** `updatedAt` in 10-second buckets (see buckets.ts), written with it. */
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

/** A claim on a slot: a hold or an appointment (collection `appointments`). */
export interface ClaimDoc {
  _id: Types.ObjectId;
  userId: string;
  serviceId: Types.ObjectId;
  slotId: Types.ObjectId;
  status: 'HELD' | 'CONFIRMED' | 'CANCELLED' | 'RELEASED' | 'EXPIRED' | 'VOID';
  /**
   * The arbiter of "one active claim per slot", under a plain unique index
   * (no partial index needed): the slot id (hex) while the claim is active
   * (HELD or CONFIRMED), `~` + the claim's own id once it is not, so inactive
   * claims never collide with anything and the slot can be claimed again.
   */
  slotClaim: string;
  startTime: Date;
  endTime: Date;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
  holdSecret: string | null;
  cancelledAt: Date | null;
  cancellationReason: string;
  cancelRequestKey: string | null;
  rescheduledAt: Date | null;
  rescheduleRequestKey: string | null;
  previousSlotId: Types.ObjectId | null;
  /**
   * The claim's revision: how many transitions it has had (absent on claims
   * written before revisions existed: 0). See `TransitionDoc`.
   */
  rev?: number;
  /** Which transition wrote this revision (its nonce), so its writer can recognise it. */
  revBy?: string | null;
  /** `updatedAt` in 10-second buckets (see buckets.ts), written with it. */
  updatedBucket?: number;
  /** VOID claims only: `createdAt` in minute buckets, what their purge selects by. */
  voidBucket?: number;
  /** Claims on slots of several places: the places taken (absent: a claim of capacity 1's arbiter). */
  places?: number | null;
  /** A moved claim: the places it had on `previousSlotId` (null or absent: that slot had capacity 1). */
  previousPlaces?: number | null;
}

/**
 * A decided transition of a claim (collection `claim_transitions`), `_id`
 * `<claim id>:<revision it creates>`. Inserting it is what decides the
 * transition: the unique `_id` admits one transition from each revision,
 * atomically on every MongoDB-wire backend (FerretDB 1.x applies a
 * conditional update as a read followed by a write of the whole document, so
 * two conditional updates of one claim can both "succeed"). Its writer then
 * applies `set` to the claim and deletes it; one left behind (a crash in
 * between) is applied by whoever next touches the claim, or by the reconciler.
 */
export interface TransitionDoc {
  _id: string;
  claimId: Types.ObjectId;
  rev: number;
  set: Record<string, unknown>;
  at: Date;
}

/**
 * One update of a service (collection `service_changes`), `_id`
 * `<service id>:<revision it creates>`. Inserting it decides the update: the
 * unique `_id` admits one update from each revision, atomically on every
 * MongoDB-wire backend (a conditional update cannot decide it on FerretDB
 * 1.x). Its writer then writes `set` to the service; an entry whose writer
 * crashed before that is written by the next update that finds it. Kept: the
 * service's change history (who, when, which fields).
 */
export interface ServiceChangeDoc {
  _id: string;
  serviceId: Types.ObjectId;
  revision: number;
  set: Record<string, unknown>;
  by: string;
  paths: string[];
  at: Date;
}

/** What a request with a request_id returned (collection `request_log`). */
export interface IdempotencyDoc {
  _id: string;
  fingerprint: string;
  resultId: string;
  createdAt: Date;
  /** `createdAt` in minute buckets (see buckets.ts), what the purge selects by. */
  createdBucket?: number;
}

/** A one-off data migration that has run on this database (collection `migrations`). */
export interface MigrationDoc {
  _id: string;
  at: Date;
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
    capacity: { type: Number },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    providerId: { type: String, default: null },
    deletedAt: { type: Date, default: null },
    revision: { type: Number },
    slotDays: { type: { _id: false, first: String, last: String }, default: undefined },
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
  { ...options, collection: 'slots' },
);
// One slot per service and start instant: what makes GenerateSlots idempotent.
slotSchema.index({ serviceId: 1, startTime: 1 }, { unique: true, name: 'service_start_unique' });
// Listings: a window is one equality lookup per UTC day, in (startTime, _id) order.
slotSchema.index({ serviceDay: 1, startTime: 1, _id: 1 }, { name: 'service_day' });
// The reconciler: slots changed in a 10-second bucket (repairs, republishing), and held slots.
slotSchema.index({ updatedBucket: 1 }, { name: 'updated_bucket' });
slotSchema.index({ hold: 1 }, { name: 'hold' });

const claimSchema = new Schema<ClaimDoc>(
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
  { ...options, collection: 'appointments' },
);
claimSchema.index({ slotClaim: 1 }, { unique: true, name: 'slot_claim_unique' });
claimSchema.index({ userId: 1, createdAt: -1, _id: -1 }, { name: 'user_history' });
// The reconciler: claims changed in a 10-second bucket, live holds ({status: 'HELD'}), VOID claims by minute.
claimSchema.index({ updatedBucket: 1 }, { name: 'updated_bucket' });
claimSchema.index({ status: 1, expiresAt: 1 }, { name: 'status_expiry' });
claimSchema.index({ voidBucket: 1 }, { name: 'void_bucket' });

const transitionSchema = new Schema<TransitionDoc>(
  {
    _id: { type: String, required: true },
    claimId: { type: Schema.Types.ObjectId, required: true },
    rev: { type: Number, required: true },
    set: { type: Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
  },
  { ...options, collection: 'claim_transitions' },
);
// The reconciler's scan for transitions left behind.
transitionSchema.index({ at: 1 }, { name: 'at' });

const placesEntrySchema = new Schema<PlacesEntryDoc>(
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
  { ...options, collection: 'slot_places' },
);
// The reconciler: entries written in a 10-second bucket (members whose claim left, or never came).
placesEntrySchema.index({ updatedBucket: 1 }, { name: 'updated_bucket' });

const serviceChangeSchema = new Schema<ServiceChangeDoc>(
  {
    _id: { type: String, required: true },
    serviceId: { type: Schema.Types.ObjectId, required: true },
    revision: { type: Number, required: true },
    set: { type: Schema.Types.Mixed, required: true },
    by: { type: String, required: true },
    paths: { type: [String], required: true },
    at: { type: Date, required: true },
  },
  { ...options, collection: 'service_changes' },
);

const idempotencySchema = new Schema<IdempotencyDoc>(
  {
    _id: { type: String, required: true },
    fingerprint: { type: String, required: true },
    resultId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    createdBucket: { type: Number },
  },
  { ...options, collection: 'request_log' },
);
idempotencySchema.index({ createdBucket: 1 }, { name: 'created_bucket' });

const migrationSchema = new Schema<MigrationDoc>(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { ...options, collection: 'migrations' },
);

export interface Models {
  services: Model<ServiceDoc>;
  slots: Model<SlotDoc>;
  claims: Model<ClaimDoc>;
  transitions: Model<TransitionDoc>;
  serviceChanges: Model<ServiceChangeDoc>;
  places: Model<PlacesEntryDoc>;
  requests: Model<IdempotencyDoc>;
  migrations: Model<MigrationDoc>;
}

export function registerModels(connection: Connection): Models {
  return {
    services: connection.model<ServiceDoc>('Service', serviceSchema),
    slots: connection.model<SlotDoc>('Slot', slotSchema),
    claims: connection.model<ClaimDoc>('Claim', claimSchema),
    transitions: connection.model<TransitionDoc>('ClaimTransition', transitionSchema),
    serviceChanges: connection.model<ServiceChangeDoc>('ServiceChange', serviceChangeSchema),
    places: connection.model<PlacesEntryDoc>('SlotPlaces', placesEntrySchema),
    requests: connection.model<IdempotencyDoc>('RequestLog', idempotencySchema),
    migrations: connection.model<MigrationDoc>('Migration', migrationSchema),
  };
}

/**
 * Creates the collections and every declared index, then fills the query
 * fields of documents written before they existed (see backfill.ts); safe to
 * run on each start.
 */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of [
    models.services,
    models.slots,
    models.claims,
    models.transitions,
    models.serviceChanges,
    models.places,
    models.requests,
    models.migrations,
  ]) {
    await model.createCollection().catch((err: unknown) => {
      // NamespaceExists (48): another instance created it first.
      if ((err as { code?: number }).code !== 48) throw err;
    });
    await model.createIndexes();
  }
  await backfillQueryFields(models);
}
