import { DomainError } from '../../domain/errors';
import { isActiveClaim, type ClaimRecord, type SlotRecord } from '../../domain/types';
import { DuplicateSlotClaimError, type GateResult, type SlotOwner } from '../ports';
import type { ClaimCore, ClaimCoreDeps } from './claim-core';
import { leaveGate } from './gate-entry';
import { slotUnavailable, whyNotClaimed } from './refusals';

/** What a request takes a slot for: `owner`, a new claim or one that moves there. */
export interface ClaimRequest {
  /** The service the slot must belong to (null: any). */
  serviceId: string | null;
  owner: Exclude<SlotOwner, { kind: 'none' }>;
  /** The refusal when the slot is another service's (default NOT_FOUND). */
  onServiceMismatch?: () => DomainError;
  /** Who claims, and how many places (1 unless a party; more only on a slot of several places). */
  userId: string;
  party: number;
}

/** How to write the claim on the slot taken (and undo the taking if that fails). */
interface Taken {
  commit(write: (slot: SlotRecord, now: Date) => Promise<ClaimRecord>): Promise<ClaimRecord>;
}

/**
 * One request's claim on one slot, from behind the slot's gate
 * (ClaimCore.begin) to its unlock; used in this order:
 *
 *     const claim = await core.begin(slotId);
 *     try {
 *       await claim.take({ owner, ... }); // the decision, told to subscribers
 *       const record = await claim.commit(write); // gives the slot back if the write fails
 *     } finally {
 *       claim.unlock();
 *     }
 */
export class SlotClaim {
  private taken: Taken | null = null;
  private locked = true;

  constructor(
    private readonly deps: ClaimCoreDeps,
    private readonly core: Pick<ClaimCore, 'giveBack'>,
    readonly slotId: string,
    private readonly gate: GateResult,
  ) {}

  /**
   * Step 2: points the slot at `req.owner` with a conditional update, only if
   * it is free, and tells subscribers; a slot of several places is decided by
   * its places ledger instead (SlotPlaces.join). Every refusal is thrown here.
   */
  async take(req: ClaimRequest): Promise<SlotRecord> {
    const { slots, events, gate, places } = this.deps;
    const slotId = this.slotId;
    const now = this.deps.clock();
    // A party of several can only go to a slot of several places: no conditional update to try.
    const change =
      req.party > 1 ? null : await slots.claim({ slotId, owner: req.owner, serviceId: req.serviceId, now });
    if (!change) {
      const why = await whyNotClaimed(this.deps, { ...req, slotId, now });
      if (why instanceof DomainError) throw why;
      // A slot of several places (the conditional update above never matches one): its ledger decides.
      const joined = await places.join(why, {
        claimId: req.owner.id,
        userId: req.userId,
        places: req.party,
        expiresAt: req.owner.kind === 'hold' ? req.owner.expiresAt : null,
      });
      this.taken = {
        commit: async (write) => {
          try {
            return await write(why, now);
          } catch (err) {
            await joined.undo();
            throw err;
          }
        },
      };
      return joined.slot;
    }
    events.changed(change);
    const slot = change.after;
    this.taken = {
      commit: async (write) => {
        try {
          const claim = await this.withExpiredHoldCleared(now, () => write(slot, now));
          if (claim.status === 'CONFIRMED') gate.markTaken(slot.id, claim.id);
          return claim;
        } catch (err) {
          await this.core.giveBack(slot.id, req.owner.id);
          if (err instanceof DuplicateSlotClaimError) throw slotUnavailable(slotId);
          throw err;
        }
      },
    };
    return slot;
  }

  /**
   * Step 3: writes the claim with `write` (its insert or move, which the
   * unique slot-claim index decides); if it fails, the slot is given back, or
   * pointed at the claim that won (SLOT_UNAVAILABLE when another claim holds
   * the index).
   */
  commit(write: (slot: SlotRecord, now: Date) => Promise<ClaimRecord>): Promise<ClaimRecord> {
    return this.mustBeTaken().commit(write);
  }

  /** Step 4: lets go of the slot's gate (see leaveGate); once, in a `finally`. */
  unlock(): void {
    if (this.locked) leaveGate(this.gate);
    this.locked = false;
  }

  private mustBeTaken(): Taken {
    if (!this.taken) throw new Error(`slot ${this.slotId} was not taken (take before commit)`);
    return this.taken;
  }

  /**
   * Runs a write that claims `slotId`; if the slot's active claim is a hold
   * that has expired, that hold is expired first and the write tried again:
   * an expired hold stops counting at its deadline, before any clean-up.
   */
  private async withExpiredHoldCleared<T>(now: Date, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof DuplicateSlotClaimError)) throw err;
      const holder = await this.deps.claims.findActiveBySlot(this.slotId);
      if (!holder || holder.status !== 'HELD' || isActiveClaim(holder, now)) throw err;
      await this.deps.claims.expireHold({ holdId: holder.id, now });
      return write();
    }
  }
}
