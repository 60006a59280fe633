/**
 * What the use cases need from the outside world. Implemented in `src/infra`,
 * wired in `src/app.ts`; each service receives only the ports it uses.
 */
import type { PlannedSlot } from '../domain/slot-plan';
import type {
  AppointmentStatus,
  ClaimRecord,
  ServiceDefinition,
  ServiceRecord,
  SlotRecord,
  SlotStatus,
} from '../domain/types';

/** A position in a sorted listing: the sort key of the last item and its id. */
export interface Cursor {
  key: number;
  id: string;
}

/** The fields of a service an update writes: all of them, as decided on one revision. */
export type ServiceFields = ServiceDefinition & { providerId: string | null; deletedAt: Date | null };

/** An update of a service, decided on the service as read at `revision`. */
export interface ServiceChange {
  id: string;
  /** The revision it was decided on: it applies only if no other update of that revision came first. */
  revision: number;
  set: ServiceFields;
  now: Date;
  /** Who made it, and the fields it named: kept with the change. */
  by: string;
  paths: readonly string[];
}

export interface ServiceRepository {
  create(def: ServiceDefinition & { providerId: string | null }, now: Date): Promise<ServiceRecord>;
  findById(id: string): Promise<ServiceRecord | null>;
  findByIds(ids: readonly string[]): Promise<ServiceRecord[]>;
  /** Ordered by id (creation order); archived services only with `showDeleted`. */
  list(opts: {
    activeOnly: boolean;
    showDeleted: boolean;
    after: string | null;
    limit: number;
  }): Promise<ServiceRecord[]>;
  /**
   * Writes `change` as the service's next revision: the service as written,
   * or null when another update of the same revision came first (whatever
   * the backend's conditional updates do: see MongoServiceRepository.update).
   */
  update(change: ServiceChange): Promise<ServiceRecord | null>;
}

/** Who a slot projection points at. */
export type SlotOwner =
  { kind: 'none' } | { kind: 'appointment'; id: string } | { kind: 'hold'; id: string; expiresAt: Date };

/** A change of one slot: its state before and after the write. */
export interface SlotChange {
  before: SlotRecord;
  after: SlotRecord;
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
  ): Promise<{ created: SlotRecord[]; existing: number }>;
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

/**
 * Records changed in a stretch of time, oldest change first. They are looked
 * up in time buckets, oldest first, until `limit` rows are found (all rows of
 * the last bucket read are returned, so there may be more); `through` is the
 * time up to which the stretch has been examined in full.
 */
export interface Changed<T> {
  rows: T[];
  through: Date;
}

/** A claim holding places of a slot of several places. */
export interface PlaceMember {
  claimId: string;
  userId: string;
  places: number;
  /** A hold's expiry; null for an appointment. */
  expiresAt: Date | null;
  /** When it joined. */
  since: Date;
}

/** Change `n` of a slot's places: every member after it (n = 0: none, never stored). */
export interface PlacesEntry {
  slotId: string;
  n: number;
  capacity: number;
  members: readonly PlaceMember[];
  at: Date;
}

/** A slot whose places changed: its highest entry seen, and when that was written. */
export interface PlacesChange {
  slotId: string;
  n: number;
  capacity: number;
  updatedAt: Date;
}

/**
 * A slot's places ledger (see PlacesEntryDoc): change n+1 is decided by
 * inserting it, with a unique id per (slot, n).
 */
export interface PlacesLedger {
  /** Entry `n` of the slot, or null when it does not exist (entry 0 always does: empty). */
  read(slotId: string, n: number, capacity: number): Promise<PlacesEntry | null>;
  /** Inserts the entry; false when an entry with its number exists (another change won). */
  append(entry: PlacesEntry): Promise<boolean>;
  /** Slots with entries written in [from, to] (one lookup per 10-second bucket). See Changed. */
  findSlotsChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<PlacesChange>>;
}

export class DuplicateSlotClaimError extends Error {
  override readonly name = 'DuplicateSlotClaimError';
}

export class DuplicateClaimIdError extends Error {
  override readonly name = 'DuplicateClaimIdError';
}

export interface ClaimRepository {
  /**
   * Records a claim: an active one (HELD or CONFIRMED), or a VOID one (which
   * claims no slot and only reserves its id). The unique slot-claim index
   * admits one active claim per slot: DuplicateSlotClaimError when the slot has
   * one; DuplicateClaimIdError when a claim with this id exists.
   */
  insert(claim: ClaimRecord): Promise<void>;
  findById(id: string): Promise<ClaimRecord | null>;
  findByIds(ids: readonly string[]): Promise<ClaimRecord[]>;
  /** The active claim (HELD or CONFIRMED) on a slot, if any. */
  findActiveBySlot(slotId: string): Promise<ClaimRecord | null>;
  /**
   * HELD -> CONFIRMED when it is this user's hold on this slot (and service,
   * if given), the secret matches and the hold lasts beyond `validAfter`.
   */
  confirmHold(opts: {
    holdId: string;
    userId: string;
    slotId: string;
    serviceId: string | null;
    secret: string;
    validAfter: Date;
    now: Date;
  }): Promise<ClaimRecord | null>;
  /** HELD -> RELEASED by its owner, freeing the slot claim. */
  releaseHold(opts: {
    holdId: string;
    userId: string;
    secret: string;
    now: Date;
  }): Promise<ClaimRecord | null>;
  /** HELD -> EXPIRED when its expiry has passed, freeing the slot claim. */
  expireHold(opts: { holdId: string; now: Date }): Promise<ClaimRecord | null>;
  findExpiredHolds(now: Date, limit: number): Promise<ClaimRecord[]>;
  /** CONFIRMED -> CANCELLED, freeing the slot claim. Null when not CONFIRMED. */
  cancel(opts: {
    appointmentId: string;
    now: Date;
    reason: string;
    requestKey: string | null;
    /**
     * The claim as the caller just read it: decided on without reading it
     * again, if it is CONFIRMED (a claim changed since is caught by the
     * transition's revision check, and costs a round).
     */
    known?: ClaimRecord;
  }): Promise<ClaimRecord | null>;
  /**
   * Moves a CONFIRMED appointment's claim from one slot to another in one
   * write. DuplicateSlotClaimError when the new slot has an active claim.
   */
  moveClaim(opts: {
    appointmentId: string;
    fromSlotId: string;
    /** The revision the move was decided on: it happens only if the claim has not changed since. */
    revision: number;
    to: { slotId: string; startTime: Date; endTime: Date };
    now: Date;
    /** The idempotency key of the move, so a retry is recognised after it completed. */
    requestKey: string | null;
    /** Places on the new slot if it has several (it is then a member of its ledger already); else null. */
    places?: number | null;
    /** Places the claim had on its old slot (null: a slot of capacity 1), kept until the move completes. */
    previousPlaces?: number | null;
  }): Promise<ClaimRecord | null>;
  /** Clears `previousSlotId` once the old slot has been given back. */
  completeMove(opts: { appointmentId: string; now: Date }): Promise<void>;
  /**
   * Records a change of nothing on a claim still at `revision` (false if it
   * has changed since). A request about to answer "no" uses it so that an
   * earlier attempt of itself, decided on that revision and still on its way
   * (from an instance that died, say), can no longer land afterwards.
   */
  fence(opts: { id: string; revision: number }): Promise<boolean>;
  /**
   * Applies transitions decided before `before` that their writer never
   * applied (it crashed between deciding and writing); returns how many.
   */
  settleTransitions(opts: { before: Date; limit: number }): Promise<number>;
  /**
   * Deletes VOID claims (refused requests' ids) created from about `from`
   * (the start of its time bucket) to before `cutoff`; returns how many. It
   * may keep some created shortly before `cutoff` (until the next call).
   */
  deleteVoidCreatedBefore(opts: { from: Date; cutoff: Date }): Promise<number>;
  /** Claims on slots of several places (or moved from one), in any state, changed in [from, to]. */
  findPlacesChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<ClaimRecord>>;
  /** Active claims (HELD or CONFIRMED) changed in [from, to]. See Changed for `limit`. */
  findActiveChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<ClaimRecord>>;
  /** A user's appointments (never holds), newest first (by creation time, then id). */
  listAppointmentsByUser(opts: {
    userId: string;
    status: AppointmentStatus | null;
    after: Cursor | null;
    limit: number;
  }): Promise<ClaimRecord[]>;
}

/** A remembered result of a request carrying a request_id (AIP-155). */
export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  resultId: string;
  createdAt: Date;
}

export interface IdempotencyStore {
  find(key: string): Promise<IdempotencyRecord | null>;
  /** Saves a record; returns the one already stored under that key, if any. */
  save(record: IdempotencyRecord): Promise<IdempotencyRecord | null>;
  /** Deletes records created from about `from` to before `cutoff`, as deleteVoidCreatedBefore. */
  deleteCreatedBefore(opts: { from: Date; cutoff: Date }): Promise<number>;
}

/** Result of trying the per-slot lock: the fast gate in front of the database. */
export type GateResult =
  | { outcome: 'acquired'; release(): Promise<void> }
  /**
   * Held by another request. `byRepair`: by a background repair (or let go
   * since), which requests may briefly wait for rather than give up.
   */
  | {
      outcome: 'busy';
      byRepair: boolean;
      /**
       * The slot is known to have several places (SlotGate.markPlaces): the
       * holder is another booker, and places may be left after it, so the
       * request waits briefly rather than give up.
       */
      places?: boolean;
    }
  /** Known to be booked by `by` (a short-lived marker): refused without the database. */
  | { outcome: 'taken'; by: string }
  | { outcome: 'unavailable'; error: Error };

export interface SlotGate {
  /**
   * `ignoreTaken`: lock even a slot marked taken (repairs, which may free it).
   * `repair`: a background repair; whoever finds the gate held by it is told `byRepair`.
   */
  tryAcquire(slotId: string, opts?: { ignoreTaken?: boolean; repair?: boolean }): Promise<GateResult>;
  /**
   * Remembers for a short, bounded time that a slot is booked, so that
   * further attempts are refused without the database. Best effort.
   */
  markTaken(slotId: string, appointmentId: string): void;
  /** Forgets it (the slot was freed). Best effort: the marker expires anyway. */
  clearTaken(slotId: string): void;
  /** Remembers for a while that a slot has several places (see GateResult `places`). Best effort. */
  markPlaces(slotId: string): void;
}

/** Told of every change of a slot, to tell availability subscribers. */
export interface SlotEvents {
  changed(change: SlotChange): void;
  /** New slots, or slots whose latest state may not have been announced (repair). */
  announce(slots: readonly SlotRecord[]): void;
}

export type Clock = () => Date;

/** One change of a slot, as published: the service's revision orders them. */
export interface SlotEvent {
  revision: number;
  /** The revision the service was at before this one: gaps show as a mismatch. */
  previousRevision: number;
  slot: SlotRecord;
  previousStatus: SlotStatus | null;
}

/** A live subscription to a service's events. */
export interface EventSubscription {
  close(): void;
}

/**
 * The per-service, ordered, trimmed log of slot events shared by every
 * instance (Redis Streams).
 */
export interface SlotEventLog {
  /** The latest revision of a service; 0 when it has none. */
  latestRevision(serviceId: string): Promise<number>;
  /**
   * Delivers, in order, every event after `afterRevision` (history first,
   * then live), calling `onError` once if that cannot be done: with
   * `'too-old'` when history after `afterRevision` is gone, or with an
   * error when the log is unreachable for too long.
   */
  subscribe(
    serviceId: string,
    afterRevision: number,
    handlers: {
      onEvent(event: SlotEvent): void;
      /** The log moved on to `revision` (events may have been filtered out). */
      onProgress(revision: number): void;
      onError(reason: 'too-old' | Error): void;
      /** Resolves when the subscriber can take more history. */
      room(): Promise<void>;
    },
  ): Promise<EventSubscription>;
}
