import type { PlannedSlot } from '../../domain/slot-plan';
import type { SlotRecord, SlotStatus } from '../../domain/types';
import type { Changed, Cursor } from './listing';

/** Who a slot projection points at. */
export type SlotOwner =
  { kind: 'none' } | { kind: 'appointment'; id: string } | { kind: 'hold'; id: string; expiresAt: Date };

/** A change of one slot: its state before and after the write. */
export interface SlotChange {
  before: SlotRecord;
  after: SlotRecord;
}

/** What `insertMissing` did: the slots it created, and how many of the planned ones already existed. */
export interface InsertedSlots {
  created: SlotRecord[];
  existing: number;
}

export interface SlotRepository {
  /**
   * Inserts the slots that do not exist yet (the unique (service, start)
   * index decides), AVAILABLE or, when `blocked`, LOCKED by the service
   * (which is not taking bookings).
   */
  insertMissing(
    serviceId: string,
    slots: readonly PlannedSlot[],
    now: Date,
    blocked: boolean,
    /** Places of each slot (default 1). */
    capacity?: number,
  ): Promise<InsertedSlots>;
  findById(id: string): Promise<SlotRecord | null>;
  findByIds(ids: readonly string[]): Promise<SlotRecord[]>;
  /**
   * Ordered by start time, then id; `status` is the effective status at `now`.
   * Up to `limit` rows; fewer, with `resumeAfter` set, when the call stopped
   * before the end of the window (it looks at a bounded stretch of time per
   * call): the next call goes on after `resumeAfter`.
   */
  list(opts: {
    serviceId: string;
    from: Date | null;
    to: Date | null;
    status: SlotStatus | null;
    now: Date;
    after: Cursor | null;
    limit: number;
  }): Promise<{ rows: SlotRecord[]; resumeAfter: Cursor | null }>;
  /**
   * The conditional update that takes a slot for `owner`: only if it has not
   * started, belongs to `serviceId` when given, and is free (AVAILABLE, or
   * LOCKED by a hold that has expired) or already points at `owner` (a retry
   * resuming its own work). Null when nothing matched.
   */
  claim(opts: {
    slotId: string;
    owner: Exclude<SlotOwner, { kind: 'none' }>;
    serviceId: string | null;
    now: Date;
  }): Promise<SlotChange | null>;
  /**
   * Points a slot that points at `from` (an appointment or hold id) at `to`.
   * Null when the slot no longer points at `from`.
   */
  reassign(opts: { slotId: string; from: string; to: SlotOwner; now: Date }): Promise<SlotChange | null>;
  /**
   * Provider's block and unblock: a free slot (or one its service blocked)
   * becomes LOCKED by the provider, a blocked one AVAILABLE.
   */
  setBlocked(opts: { slotId: string; blocked: boolean; now: Date }): Promise<SlotChange | null>;
  /** A free slot that has not started becomes LOCKED by its service (deactivated or archived). */
  blockForService(opts: { slotId: string; now: Date }): Promise<SlotChange | null>;
  /** A slot that has not started and is LOCKED by its service becomes AVAILABLE (never a provider's block). */
  unblockForService(opts: { slotId: string; now: Date }): Promise<SlotChange | null>;
  /**
   * Hands the service's slots that start after `now` to `visit`, one UTC day
   * at a time (an equality lookup per day, from today to the service's last
   * day with slots), a few days at once.
   */
  forEachFutureDay(
    serviceId: string,
    now: Date,
    visit: (slots: SlotRecord[]) => Promise<void>,
  ): Promise<void>;
  /**
   * Writes the projection of places entry `n` (places taken, the holds among
   * them), unless the slot shows entry `n` or a later one: the slot as
   * written, or null.
   */
  project(opts: {
    slotId: string;
    n: number;
    taken: number;
    held: readonly { places: number; expiresAt: Date }[];
    now: Date;
  }): Promise<SlotChange | null>;
  /** Repair: sets the owner only if the slot is still at `revision`. */
  repair(opts: { slotId: string; revision: number; to: SlotOwner; now: Date }): Promise<SlotChange | null>;
  /**
   * Slots that point at a claim (BOOKED, or LOCKED by a hold), changed in
   * [from, to]. See Changed for `limit`.
   */
  findOwnedChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<SlotRecord>>;
  /** Slots changed in [from, to], oldest change first. See Changed for `limit`. */
  findChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<SlotRecord>>;
  /** Slots LOCKED by a hold whose expiry has passed. */
  findWithExpiredHolds(now: Date, limit: number): Promise<SlotRecord[]>;
}
