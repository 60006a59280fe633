import type { AppointmentStatus, ClaimRecord } from '../../domain/types';
import type { Changed, Cursor } from './listing';

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
