import { DomainError, serviceArchived, serviceNotFound, slotNotFound } from '../domain/errors';
import {
  effectiveSlot,
  isActiveClaim,
  type ClaimRecord,
  type ServiceRecord,
  type SlotRecord,
} from '../domain/types';
import { requestIdReused } from './idempotency';
import {
  DuplicateClaimIdError,
  DuplicateSlotClaimError,
  type ClaimRepository,
  type Clock,
  type GateResult,
  type SlotChange,
  type SlotEvents,
  type SlotGate,
  type SlotOwner,
  type ServiceRepository,
  type SlotRepository,
} from './ports';
import { FULL_MARKER, type SlotPlaces } from './slot-places';

export type LockFailureMode = 'proceed' | 'reject';

export interface ServiceLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SlotClaimsDeps {
  slots: SlotRepository;
  services: Pick<ServiceRepository, 'findById'>;
  claims: ClaimRepository;
  gate: SlotGate;
  events: SlotEvents;
  clock: Clock;
  lockFailureMode: LockFailureMode;
  /** How long a request waits for a slot's gate held by a background repair (0: not at all). */
  repairWaitMs: number;
  /** How long a request waits for the gate of a slot of several places held by another booker. */
  placesWaitMs: number;
  /** Slots of several places: their places ledger. */
  places: SlotPlaces;
  logger: ServiceLogger;
}

/** How often a request waiting for a repair to let go of a slot's gate tries again. */
const REPAIR_POLL_MS = 20;
/**
 * How often a request waiting for the gate of a slot of several places tries
 * again (plus as much jitter): a crowd waits there, and each try is a lock
 * attempt and a marker read in Redis.
 */
const PLACES_POLL_MS = 50;

/** Who a slot projection should point at for an active claim. */
export const ownerOf = (claim: ClaimRecord): SlotOwner =>
  claim.status === 'HELD'
    ? { kind: 'hold', id: claim.id, expiresAt: claim.expiresAt! }
    : { kind: 'appointment', id: claim.id };

export const serviceInactive = (serviceId: string): DomainError =>
  new DomainError('SERVICE_INACTIVE', `service ${serviceId} is not taking bookings`, { serviceId });

/** Why a service takes no bookings (archived, or inactive); null when it does. */
const refusalOf = (service: ServiceRecord): DomainError | null =>
  service.deletedAt !== null
    ? serviceArchived(service.id)
    : !service.active
      ? serviceInactive(service.id)
      : null;

/** The service, if it exists and takes bookings; NOT_FOUND, SERVICE_ARCHIVED or SERVICE_INACTIVE otherwise. */
export async function activeService(
  services: Pick<ServiceRepository, 'findById'>,
  serviceId: string,
): Promise<ServiceRecord> {
  const service = await services.findById(serviceId);
  if (!service) throw serviceNotFound(serviceId);
  const refusal = refusalOf(service);
  if (refusal) throw refusal;
  return service;
}

export const slotFull = (slotId: string): DomainError =>
  new DomainError('SLOT_FULL', `slot ${slotId} has no place left`, { slotId, placesLeft: '0' });

export const slotUnavailable = (slotId: string, status?: string): DomainError =>
  new DomainError(
    'SLOT_UNAVAILABLE',
    status ? `slot ${slotId} is ${status.toLowerCase()}` : `slot ${slotId} is no longer available`,
    status ? { slotId, status } : { slotId },
  );

/**
 * Taking a slot for a claim, shared by booking, holding and rescheduling.
 *
 * 1. The gate (a Redis lock per slot) turns concurrent attempts away early
 *    with SLOT_BUSY, without touching the database.
 * 2. A conditional update points the slot at the claim, only if it is free.
 * 3. The claim record is written behind a plain unique index on its slot
 *    claim, which admits one active claim (hold or appointment) per slot. That
 *    index is the arbiter even where the conditional update is not atomic
 *    (FerretDB): the slot document is a projection of the claims.
 * 4. If anything fails after the slot was taken, the slot is given back, or
 *    pointed at the claim that won.
 */
export class SlotClaims {
  constructor(private readonly deps: SlotClaimsDeps) {}

  /**
   * Runs `work` behind the slot's gate; SLOT_BUSY when another request holds
   * it, SLOT_UNAVAILABLE when the slot is known to be booked, unless by
   * `ownerId` (a retry of the request that booked it, which must resume).
   *
   * A gate held by a background repair (see ifFree) is waited for, up to
   * `repairWaitMs`: a repair is a few database writes, and turning the user
   * away for it would make the service refuse work because of its own
   * housekeeping (a hold the reconciler is expiring, say, is exactly when a
   * slot becomes bookable). Waiting keeps repairs and requests apart on the
   * slot, which matters on FerretDB where a conditional update is a read then
   * a write, so a repair racing a booking could overwrite its fresh slot
   * projection (the unique index would still keep the slot exclusive, but the
   * slot would show AVAILABLE until the next pass).
   */
  async gated<T>(slotId: string, work: () => Promise<T>, ownerId?: string): Promise<T> {
    const tryGate = async (): Promise<GateResult> => {
      const first = await this.deps.gate.tryAcquire(slotId);
      if (first.outcome === 'taken' && first.by === ownerId) {
        return this.deps.gate.tryAcquire(slotId, { ignoreTaken: true });
      }
      return first;
    };
    let gate = await tryGate();
    const started = Date.now();
    const waitUntil = started + this.deps.repairWaitMs;
    // A slot of several places: its holder is another booker, and places may be left after it.
    const placesUntil = started + this.deps.placesWaitMs;
    while (
      gate.outcome === 'busy' &&
      ((gate.byRepair && Date.now() < waitUntil) || (gate.places === true && Date.now() < placesUntil))
    ) {
      const poll = gate.byRepair ? REPAIR_POLL_MS : PLACES_POLL_MS + Math.random() * PLACES_POLL_MS;
      await new Promise((resolve) => setTimeout(resolve, poll));
      gate = await tryGate();
    }
    if (gate.outcome === 'taken') {
      if (gate.by === FULL_MARKER) throw slotFull(slotId);
      throw slotUnavailable(slotId, 'BOOKED');
    }
    if (gate.outcome === 'busy') {
      throw new DomainError('SLOT_BUSY', `slot ${slotId} is being changed by another request; retry`, {
        slotId,
      });
    }
    if (gate.outcome === 'unavailable') {
      if (this.deps.lockFailureMode === 'reject') {
        throw new DomainError('LOCK_UNAVAILABLE', 'the booking lock service is unavailable; retry', {
          slotId,
        });
      }
      this.deps.logger.warn(
        { slotId, err: gate.error.message },
        'lock unavailable; proceeding without the gate (the database still decides)',
      );
    }
    try {
      return await work();
    } finally {
      // Not awaited: the answer does not wait for the unlock. This instance's
      // later commands on the slot (the marker, the next lock) go after it on
      // the same Redis connection, and a lost unlock only lets the lease run out.
      if (gate.outcome === 'acquired') void gate.release();
    }
  }

  /**
   * Runs `work` behind the slot's gate if nobody holds it; undefined (work not
   * run) when busy. For background repairs: skip a slot in use, and never
   * repair the same slot twice at once from two instances. The gate is taken
   * as a repair's, which requests wait for (see gated) rather than answer
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
   * Points the slot at `owner`, then runs `record`, the write of the claim
   * (insert or move) that the unique slot-claim index decides. If `record`
   * fails, the slot is given back.
   */
  async acquire(opts: {
    slotId: string;
    serviceId: string | null;
    owner: Exclude<SlotOwner, { kind: 'none' }>;
    record: (slot: SlotRecord, now: Date) => Promise<ClaimRecord>;
    onServiceMismatch?: () => DomainError;
    /** Who claims, and how many places (1 unless a party; more only on a slot of several places). */
    userId: string;
    party: number;
  }): Promise<{ slot: SlotRecord; claim: ClaimRecord }> {
    const now = this.deps.clock();
    // A party of several can only go to a slot of several places: no conditional update to try.
    const change =
      opts.party > 1
        ? null
        : await this.deps.slots.claim({
            slotId: opts.slotId,
            owner: opts.owner,
            serviceId: opts.serviceId,
            now,
          });
    if (!change) {
      const why = await this.whyNotClaimed(
        opts.slotId,
        opts.serviceId,
        now,
        opts.onServiceMismatch,
        opts.party,
      );
      if (why instanceof DomainError) throw why;
      // A slot of several places (the conditional update above never matches one): its ledger decides.
      return this.deps.places.take(
        why,
        {
          claimId: opts.owner.id,
          userId: opts.userId,
          places: opts.party,
          expiresAt: opts.owner.kind === 'hold' ? opts.owner.expiresAt : null,
        },
        () => opts.record(why, now),
      );
    }
    this.deps.events.changed(change);
    const slot = change.after;
    try {
      const claim = await this.withExpiredHoldCleared(slot.id, now, () => opts.record(slot, now));
      if (claim.status === 'CONFIRMED') this.deps.gate.markTaken(slot.id, claim.id);
      return { slot, claim };
    } catch (err) {
      await this.giveBack(slot.id, opts.owner.id);
      if (err instanceof DuplicateSlotClaimError) throw slotUnavailable(opts.slotId);
      throw err;
    }
  }

  /**
   * Inserts a new claim. If a claim with its id exists, this is a retry of
   * the same request (ids derive from the request_id): the existing claim is
   * returned when it is the same request's, SLOT_UNAVAILABLE when the same
   * request was refused (a VOID claim), else REQUEST_ID_REUSED.
   */
  async insertOrResume(
    claim: ClaimRecord,
    sameRequest: (existing: ClaimRecord) => boolean,
  ): Promise<ClaimRecord> {
    try {
      await this.deps.claims.insert(claim);
      return claim;
    } catch (err) {
      if (!(err instanceof DuplicateClaimIdError)) throw err;
      const existing = await this.deps.claims.findById(claim.id);
      if (existing && sameRequest(existing)) return existing;
      // The same request was refused before (see BookingService.refuseBooking): so it stays.
      if (
        existing?.status === 'VOID' &&
        existing.userId === claim.userId &&
        existing.slotId === claim.slotId
      ) {
        throw slotUnavailable(claim.slotId);
      }
      throw requestIdReused();
    }
  }

  /**
   * Runs a write that claims `slotId`; if the slot's active claim is a hold
   * that has expired, that hold is expired first and the write tried again:
   * an expired hold stops counting at its deadline, before any clean-up.
   */
  async withExpiredHoldCleared<T>(slotId: string, now: Date, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof DuplicateSlotClaimError)) throw err;
      const holder = await this.deps.claims.findActiveBySlot(slotId);
      if (!holder || holder.status !== 'HELD' || isActiveClaim(holder, now)) throw err;
      await this.deps.claims.expireHold({ holdId: holder.id, now });
      return write();
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

  /**
   * Explains a failed claim: unknown slot, another service's, past, or taken;
   * or, for a slot of several places that takes bookings, returns it (its
   * ledger decides). PARTY_TOO_LARGE for a party larger than the slot.
   */
  private async whyNotClaimed(
    slotId: string,
    serviceId: string | null,
    now: Date,
    onServiceMismatch: (() => DomainError) | undefined,
    party: number,
  ): Promise<DomainError | SlotRecord> {
    const stored = await this.deps.slots.findById(slotId);
    if (!stored) return slotNotFound(slotId);
    if (serviceId !== null && stored.serviceId !== serviceId) {
      return onServiceMismatch ? onServiceMismatch() : slotNotFound(slotId);
    }
    const slot = effectiveSlot(stored, now);
    if (slot.startTime.getTime() <= now.getTime()) {
      return new DomainError('SLOT_IN_PAST', `slot ${slotId} has already started`, { slotId });
    }
    if (party > slot.capacity) {
      return new DomainError(
        'PARTY_TOO_LARGE',
        `slot ${slotId} has ${slot.capacity} place(s) in all, fewer than the ${party} asked for`,
        { slotId, capacity: String(slot.capacity) },
      );
    }
    if (slot.capacity > 1 && slot.status !== 'LOCKED') return slot;
    if (slot.status === 'LOCKED' && slot.holdId === null) {
      const service = await this.deps.services.findById(slot.serviceId);
      const refusal = service ? refusalOf(service) : null;
      if (refusal) return refusal;
    }
    // The next attempts learn it from Redis, not from the database.
    if (slot.status === 'BOOKED' && slot.appointmentId) this.deps.gate.markTaken(slotId, slot.appointmentId);
    return slotUnavailable(slotId, slot.status);
  }
}
