import { isActiveClaim, type ClaimRecord, type SlotRecord } from '../../domain/types';
import type {
  ClaimRepository,
  Clock,
  ServiceRepository,
  SlotChange,
  SlotEvents,
  SlotGate,
  SlotOwner,
  SlotRepository,
  UseCaseLogger,
} from '../ports';
import { enterGate, type GateSettings } from './gate-entry';
import { SlotClaim } from './slot-claim';
import { ownerOf } from './refusals';
import type { SlotPlaces } from './slot-places';

export interface ClaimCoreDeps {
  slots: SlotRepository;
  services: Pick<ServiceRepository, 'findById'>;
  claims: ClaimRepository;
  gate: SlotGate;
  events: SlotEvents;
  clock: Clock;
  /** Slots of several places: their places ledger. */
  places: SlotPlaces;
  logger: UseCaseLogger;
  settings: GateSettings;
}

/**
 * The claim core: taking and giving back slots for claims, shared by
 * booking, holding and rescheduling (and the reconciler's repairs).
 *
 * 1. begin: the gate (a Redis lock per slot) turns concurrent attempts away
 *    early with SLOT_BUSY, without touching the database;
 * 2. take: a conditional update points the slot at the claim, only if it is
 *    free (and tells subscribers); a slot of several places is decided by
 *    its places ledger instead (SlotPlaces);
 * 3. commit: the claim record is written behind a plain unique index on its
 *    slot claim, which admits one active claim (hold or appointment) per
 *    slot. That index is the arbiter even where the conditional update is
 *    not atomic (FerretDB): the slot document is a projection of the claims;
 * 4. if the write fails, the slot is given back, or pointed at the claim that
 *    won; then unlock.
 */
export class ClaimCore {
  constructor(private readonly deps: ClaimCoreDeps) {}

  /**
   * Step 1: enters the slot's gate (every gate refusal is thrown here); the
   * handle takes the slot, commits the claim, and unlocks (see SlotClaim).
   * `resumingFor`: a retry of the request that booked the slot, whose taken
   * marker naming that claim does not turn it away.
   */
  async begin(slotId: string, opts: { resumingFor?: string } = {}): Promise<SlotClaim> {
    const gate = await enterGate(this.deps, slotId, opts.resumingFor);
    return new SlotClaim(this.deps, this, slotId, gate);
  }

  /**
   * Runs `work` behind the slot's gate if nobody holds it; undefined (work not
   * run) when busy. For background repairs: skip a slot in use, and never
   * repair the same slot twice at once from two instances. The gate is taken
   * as a repair's, which requests wait for (see enterGate) rather than answer
   * SLOT_BUSY. Without Redis the work runs anyway: every repair is conditional.
   */
  async ifFree<T>(slotId: string, work: () => Promise<T>): Promise<T | undefined> {
    const gate = await this.deps.gate.tryAcquire(slotId, { ignoreTaken: true, repair: true });
    if (gate.outcome === 'busy') return undefined;
    try {
      return await work();
    } finally {
      if (gate.outcome === 'acquired') await gate.release();
    }
  }

  /**
   * Settles a slot projection that points at `ownerId` on the slot's actual
   * active claim: used to undo a projection that did not become a claim (the
   * slot goes back to AVAILABLE, or points at the claim that won: on a
   * database whose conditional update is not atomic, the loser's write may be
   * the one the slot shows), and by the reconciler. Only a slot still pointing
   * at `ownerId` is touched. A failure here is logged and left for the
   * reconciler, never hidden.
   */
  async giveBack(slotId: string, ownerId: string): Promise<void> {
    try {
      const now = this.deps.clock();
      const active = await this.deps.claims.findActiveBySlot(slotId);
      const to: SlotOwner = active && isActiveClaim(active, now) ? ownerOf(active) : { kind: 'none' };
      const change = await this.deps.slots.reassign({ slotId, from: ownerId, to, now });
      if (change) this.published(change);
    } catch (err) {
      this.deps.logger.error({ slotId, ownerId, err }, 'could not give a slot back; the reconciler will');
    }
  }

  /** Tells subscribers of a change made outside this class (the reconciler's repairs). */
  published(change: SlotChange): void {
    this.deps.events.changed(change);
    if (change.after.status !== 'BOOKED') this.deps.gate.clearTaken(change.after.id);
  }

  /** The places ledgers of slots of several places. */
  get places(): SlotPlaces {
    return this.deps.places;
  }

  /**
   * Gives back what `claim` held on `slotId`, once the claim has left it
   * (its transition is written): the member's places (`places` not null: a
   * slot of several places), else the slot projection.
   */
  async leave(slotId: string, claim: ClaimRecord, places: number | null): Promise<SlotRecord | null> {
    if (places !== null) return this.deps.places.leave(slotId, claim.id, claim);
    return this.reassign(slotId, claim.id, { kind: 'none' });
  }

  /** Points a slot that points at `from` at `to`: the slot as written, or null if it no longer pointed at `from`. */
  async reassign(slotId: string, from: string, to: SlotOwner): Promise<SlotRecord | null> {
    const change = await this.deps.slots.reassign({ slotId, from, to, now: this.deps.clock() });
    if (change) this.published(change);
    return change?.after ?? null;
  }
}
