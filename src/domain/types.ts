/** Domain records: what the services work with, free of storage and wire types. */

export type SlotStatus = 'AVAILABLE' | 'LOCKED' | 'BOOKED';
/**
 * Why a slot is LOCKED without a hold: blocked by the provider (SetSlotStatus),
 * or by its service, which is inactive or archived. Only the service's own
 * blocks are lifted when it is activated again.
 */
export type SlotBlocker = 'PROVIDER' | 'SERVICE';
export type AppointmentStatus = 'CONFIRMED' | 'CANCELLED';
/** A hold is a claim record too; once confirmed it is the appointment. */
export type HoldStatus = 'HELD' | 'RELEASED' | 'EXPIRED';
/**
 * VOID: the id of a booking request (with a request_id) that was refused,
 * recorded so that an earlier attempt of that request still on its way (from
 * an instance that died mid-request, say) can no longer create it afterwards.
 * Never active, never listed.
 */
export type ClaimStatus = AppointmentStatus | HoldStatus | 'VOID';

export interface Price {
  amountMinor: number;
  currencyCode: string;
}

/** A local time of day as minutes since midnight; 1440 means end of day. */
export type MinuteOfDay = number;

export interface ServiceDefinition {
  name: string;
  description: string;
  address: string;
  price: Price;
  timeZone: string;
  openingMinute: MinuteOfDay;
  closingMinute: MinuteOfDay;
  slotDurationMinutes: number;
  active: boolean;
  /** Places per slot (1 to MAX_CAPACITY), copied into each slot generated afterwards. */
  capacity: number;
}

export const MAX_CAPACITY = 1000;

export interface ServiceRecord extends ServiceDefinition {
  id: string;
  /** The provider that owns it (a provider token's subject); null: the platform's. */
  providerId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** When it was archived (DeleteService); null while it is not. */
  deletedAt: Date | null;
  /** Grows by one with every update (0 for a service stored before revisions existed): its etag. */
  revision: number;
}

/** Whether a service takes bookings and holds: active and not archived. */
export const takesBookings = (s: ServiceRecord): boolean => s.active && s.deletedAt === null;

/**
 * A slot as stored: a projection of which claim (appointment or hold) owns
 * it. The claim records decide; the projection follows them and is repaired
 * by the reconciler when a crash leaves it behind.
 */
export interface SlotRecord {
  id: string;
  serviceId: string;
  startTime: Date;
  endTime: Date;
  status: SlotStatus;
  /** The appointment holding the slot while BOOKED. */
  appointmentId: string | null;
  /** The hold holding the slot while LOCKED for a user; null for a provider's block. */
  holdId: string | null;
  holdExpiresAt: Date | null;
  revision: number;
  updatedAt: Date;
  /**
   * Who blocked it, while LOCKED without a hold (null otherwise). Set on
   * records read from the database; absent where not known (a slot decoded
   * from a watch event).
   */
  blockedBy?: SlotBlocker | null;
  /**
   * Places of the slot (1: one claim takes it, under the slot-claim arbiter;
   * more: places decided by the slot's places ledger, see slot-places.ts).
   */
  capacity: number;
  /** Places taken (confirmed and held, as last projected from the ledger; 0 for capacity 1). */
  placesTaken: number;
  /** The places ledger entry the projection shows (0 for capacity 1, or no change yet). */
  placesRev: number;
  /** The holds among them, with their expiry: their places stop counting when they expire. */
  placesHeld: readonly { places: number; expiresAt: Date }[];
}

/**
 * A claim on a slot: a hold (HELD until `expiresAt`) or an appointment
 * (CONFIRMED). At most one claim per slot is active (HELD or CONFIRMED),
 * enforced by a unique index. A confirmed hold becomes the appointment.
 */
export interface ClaimRecord {
  id: string;
  userId: string;
  serviceId: string;
  slotId: string;
  status: ClaimStatus;
  startTime: Date;
  endTime: Date;
  createdAt: Date;
  updatedAt: Date;
  /** Holds: when the hold stops counting. */
  expiresAt: Date | null;
  /** Holds: the secret half of the hold token. */
  holdSecret: string | null;
  cancelledAt: Date | null;
  cancellationReason: string;
  /** The idempotency key of the cancellation, so a retry is recognised. */
  cancelRequestKey: string | null;
  rescheduledAt: Date | null;
  /** The idempotency key of the last move, so a retry is recognised. */
  rescheduleRequestKey: string | null;
  /** The slot it was moved from, until the move is complete. */
  previousSlotId: string | null;
  /**
   * How many state changes the claim has had (0 when created). A request
   * that decided on the claim as read can require it unchanged when it writes.
   */
  revision: number;
  /**
   * Places the claim takes in a slot of several places (its party size);
   * null for a claim on a slot of capacity 1 (one place, under the unique
   * slot-claim index).
   */
  places: number | null;
  /** A moved claim, until the move completes: its places on `previousSlotId` (null: capacity 1). */
  previousPlaces: number | null;
}

/** How many places a claim takes. */
export const partyOf = (c: ClaimRecord): number => c.places ?? 1;

/** An appointment is a claim whose status is CONFIRMED or CANCELLED. */
export type AppointmentRecord = ClaimRecord & { status: AppointmentStatus };

export const isAppointment = (c: ClaimRecord): c is AppointmentRecord =>
  c.status === 'CONFIRMED' || c.status === 'CANCELLED';

/** A HELD claim counts only until it expires. */
export const isActiveClaim = (c: ClaimRecord, now: Date): boolean =>
  c.status === 'CONFIRMED' || (c.status === 'HELD' && c.expiresAt !== null && c.expiresAt > now);

/**
 * The slot as callers see it: a slot LOCKED by a hold that has expired is
 * AVAILABLE, even before any clean-up has run.
 */
export function effectiveSlot(slot: SlotRecord, now: Date): SlotRecord {
  if (slot.capacity > 1) {
    // Places of holds that have expired stop counting at once, like a held slot of one place.
    const expired = slot.placesHeld.filter((h) => h.expiresAt <= now);
    if (expired.length === 0) return slot;
    const placesTaken = slot.placesTaken - expired.reduce((n, h) => n + h.places, 0);
    return {
      ...slot,
      placesTaken,
      placesHeld: slot.placesHeld.filter((h) => h.expiresAt > now),
      status: placesStatus(slot.status, slot.capacity, placesTaken),
    };
  }
  if (slot.status === 'LOCKED' && slot.holdExpiresAt !== null && slot.holdExpiresAt <= now) {
    return { ...slot, status: 'AVAILABLE', holdId: null, holdExpiresAt: null };
  }
  return slot;
}

/**
 * A slot that points at a claim: BOOKED, or LOCKED by a hold. A provider's
 * block (LOCKED, no hold) points at none; nor does a slot of several places.
 */
export const pointsAtClaim = (s: SlotRecord): boolean =>
  s.capacity === 1 && (s.status === 'BOOKED' || s.holdId !== null);

/**
 * The status a slot of several places shows: LOCKED while blocked (by the
 * provider or its service), else BOOKED when no place is left, else
 * AVAILABLE (even with some places taken).
 */
export const placesStatus = (stored: SlotStatus, capacity: number, taken: number): SlotStatus =>
  stored === 'LOCKED' ? 'LOCKED' : taken >= capacity ? 'BOOKED' : 'AVAILABLE';

/** Places a booking could still take (0 while the slot is blocked). */
export const placesLeft = (slot: SlotRecord): number =>
  slot.status === 'LOCKED'
    ? 0
    : slot.capacity > 1
      ? Math.max(0, slot.capacity - slot.placesTaken)
      : slot.status === 'AVAILABLE'
        ? 1
        : 0;

/** An appointment with the service and slot it refers to (either may be gone). */
export interface AppointmentView {
  appointment: AppointmentRecord;
  service: ServiceRecord | null;
  slot: SlotRecord | null;
}

/** A calendar date without a time zone. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}
