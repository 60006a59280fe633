import { isActiveClaim, type ClaimRecord, type SlotRecord } from '../domain/types';
import type {
  ClaimRepository,
  Clock,
  IdempotencyStore,
  PlacesLedger,
  SlotOwner,
  SlotRepository,
} from './ports';
import { ownerOf, type SlotClaims, type ServiceLogger } from './slot-claims';
import { Sweep, type Stretch } from './sweep';

/**
 * How far back each pass looks again (writes stamped before they land), and
 * how much time one pass examines at most (per stretch; the start-up backlog
 * is worked through one such stretch per pass). Constants rather than
 * settings: they bound cost, not behaviour.
 */
const OVERLAP_MS = 30_000;
const MAX_SPAN_MS = 10 * 60_000;
/** Time between passes while a start-up backlog is left. */
const BACKLOG_INTERVAL_MS = 250;

export interface ReconcilerSettings {
  /** A state younger than this may be an operation in progress: left alone. */
  graceMs: number;
  /** How far back changes are examined. */
  lookbackMs: number;
  /** How long request_id results are remembered. */
  requestRetentionMs: number;
  /** Most records examined per scan. */
  batchSize: number;
  /** Recent slot changes are announced again (in case a crash lost them) over this window. */
  republishWindowMs: number;
}

export interface RepairCounts {
  holdsExpired: number;
  slotsRepaired: number;
  movesCompleted: number;
  /** Claim transitions decided by a request that crashed before writing them, now applied. */
  transitionsSettled: number;
  /** request_log entries and VOID claims (refused requests) past REQUEST_ID_RETENTION_MS. */
  requestsPurged: number;
  eventsRepublished: number;
  /** Members of slots of several places whose claim had left (or never came), dropped. */
  placesFreed: number;
}

/**
 * Repairs what a crash between two writes can leave behind, converging slot
 * projections on the claim records (which the unique index made the truth):
 * - holds past their expiry are expired and their slots freed;
 * - a slot BOOKED or LOCKED by a claim that does not exist or is no longer
 *   active is pointed at the slot's active claim, or freed;
 * - an active claim whose slot does not point at it gets its slot back;
 * - a move interrupted after the claim moved gives the old slot back.
 * Every repair is a conditional write (on the slot's revision), so several
 * instances can run it at once, and each change reaches subscribers.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private running: Promise<RepairCounts> | undefined;
  /**
   * What each job has examined so far: a pass costs what changed since the
   * previous one (equality lookups on time buckets), not what is stored.
   */
  private readonly repairs = new Sweep({ overlapMs: OVERLAP_MS, maxSpanMs: MAX_SPAN_MS });
  private readonly republishing = new Sweep({ overlapMs: OVERLAP_MS, maxSpanMs: MAX_SPAN_MS });
  private readonly purges = new Sweep({ overlapMs: 0, maxSpanMs: 60 * 60_000 });

  constructor(
    private readonly deps: {
      slots: SlotRepository;
      claims: ClaimRepository;
      requests: IdempotencyStore;
      slotClaims: SlotClaims;
      placesLedger: Pick<PlacesLedger, 'findSlotsChangedBetween'>;
      /** Publishes slot states subscribers have not seen; returns how many. */
      republish: (slots: readonly SlotRecord[]) => Promise<number>;
      clock: Clock;
      logger: ServiceLogger;
      settings: ReconcilerSettings;
      /** Told the counts of every pass (metrics). */
      onPass?: (counts: RepairCounts) => void;
    },
  ) {}

  /**
   * Runs now and then every `intervalMs` until stop(). While a start-up
   * backlog is left (the lookback window before this process ran), passes
   * follow each other every BACKLOG_INTERVAL_MS instead, so that it is
   * worked through in a minute or two, not in hours of passes, and the
   * service is then idle between passes.
   */
  start(intervalMs: number): void {
    this.stopped = false;
    const next = (delay: number): void => {
      if (this.stopped) return;
      this.timer = setTimeout(tick, delay);
      this.timer.unref();
    };
    const tick = (): void => {
      this.runOnce().then(
        (counts) => {
          const repaired = Object.values(counts).some((n) => n > 0);
          if (repaired) this.deps.logger.info({ ...counts }, 'reconciler repaired state');
          next(this.hasBacklog() ? Math.min(intervalMs, BACKLOG_INTERVAL_MS) : intervalMs);
        },
        (err: unknown) => {
          this.deps.logger.warn({ err }, 'reconciler run failed; will retry');
          next(intervalMs);
        },
      );
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Whether part of the start-up window is still to be examined. */
  hasBacklog(): boolean {
    return this.repairs.hasBacklog() || this.republishing.hasBacklog() || this.purges.hasBacklog();
  }

  /** One pass; concurrent calls share the pass in progress. */
  runOnce(): Promise<RepairCounts> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<RepairCounts> {
    const { settings } = this.deps;
    const now = this.deps.clock();
    const counts: RepairCounts = {
      holdsExpired: 0,
      slotsRepaired: 0,
      movesCompleted: 0,
      transitionsSettled: 0,
      requestsPurged: 0,
      eventsRepublished: 0,
      placesFreed: 0,
    };
    const settled = now.getTime() - settings.graceMs;

    // First what crashed requests decided: the repairs below then see it.
    counts.transitionsSettled = await this.deps.claims.settleTransitions({
      before: new Date(settled),
      limit: settings.batchSize,
    });
    counts.holdsExpired = await this.expireHolds(now);
    for (const stretch of this.repairs.plan(now.getTime() - settings.lookbackMs, settled)) {
      const slots = await this.repairOwnedSlots(stretch, now);
      const claims = await this.repairActiveClaims(stretch, now);
      counts.slotsRepaired += slots.repaired + claims.slots;
      counts.movesCompleted += claims.moves;
      counts.placesFreed += await this.auditPlaces(stretch);
      this.repairs.done(stretch);
    }
    for (const stretch of this.republishing.plan(
      now.getTime() - settings.republishWindowMs,
      now.getTime() - 1_000,
    )) {
      const changed = await this.deps.slots.findChangedBetween(
        new Date(stretch.from),
        new Date(stretch.to),
        WHOLE_STRETCH,
      );
      counts.eventsRepublished += await this.deps.republish(changed.rows);
      this.republishing.done(stretch);
    }
    // Request results, and the ids of refused bookings (kept as long, so a retry gets the same answer).
    const cutoff = now.getTime() - settings.requestRetentionMs;
    for (const stretch of this.purges.plan(cutoff - settings.lookbackMs, cutoff)) {
      const range = { from: new Date(stretch.from), cutoff: new Date(stretch.to) };
      counts.requestsPurged +=
        (await this.deps.requests.deleteCreatedBefore(range)) +
        (await this.deps.claims.deleteVoidCreatedBefore(range));
      this.purges.done(stretch);
    }
    this.deps.onPass?.(counts);
    return counts;
  }

  /**
   * Expires holds past their deadline and frees the slots they held. Behind
   * the slot's gate, taken as a repair's: a booking of the slot arriving
   * meanwhile waits for it instead of being told SLOT_BUSY (SlotClaims.gated).
   */
  private async expireHolds(now: Date): Promise<number> {
    const { claims, slots, settings, slotClaims } = this.deps;
    let expired = 0;
    for (const hold of await claims.findExpiredHolds(now, settings.batchSize)) {
      await slotClaims.ifFree(hold.slotId, async () => {
        if (await claims.expireHold({ holdId: hold.id, now })) expired += 1;
        if (hold.places !== null) await slotClaims.places.leave(hold.slotId, hold.id);
        else await slotClaims.giveBack(hold.slotId, hold.id);
      });
    }
    // Slots still showing an expired hold (its record expired by a booking that then failed, say).
    for (const slot of await slots.findWithExpiredHolds(now, settings.batchSize)) {
      await slotClaims.ifFree(slot.id, () => slotClaims.giveBack(slot.id, slot.holdId!));
    }
    return expired;
  }

  /** Slots pointing at a claim that does not hold them. */
  private async repairOwnedSlots(stretch: Stretch, now: Date): Promise<{ repaired: number }> {
    const { slots, claims } = this.deps;
    const changed = await slots.findOwnedChangedBetween(
      new Date(stretch.from),
      new Date(stretch.to),
      WHOLE_STRETCH,
    );
    const owned = changed.rows;
    const owners = byId(await claims.findByIds(owned.map(ownerIdOf)));
    let repaired = 0;
    for (const slot of owned) {
      const owner = owners.get(ownerIdOf(slot));
      if (owner && holds(owner, slot, now)) continue;
      const active = await claims.findActiveBySlot(slot.id);
      const to: SlotOwner = active && isActiveClaim(active, now) ? ownerOf(active) : { kind: 'none' };
      if (await this.repair(slot, to, now, 'slot points at a claim that does not hold it')) repaired += 1;
    }
    return { repaired };
  }

  /** Active claims whose slot does not point at them, and unfinished moves. */
  private async repairActiveClaims(stretch: Stretch, now: Date): Promise<{ slots: number; moves: number }> {
    const { slots, claims } = this.deps;
    let moves = 0;
    const changed = await claims.findActiveChangedBetween(
      new Date(stretch.from),
      new Date(stretch.to),
      WHOLE_STRETCH,
    );
    // A claim on a slot of several places is no slot's owner: its ledger is audited instead (auditPlaces).
    const active = changed.rows.filter((c) => isActiveClaim(c, now) && c.places === null);
    for (const claim of changed.rows) {
      if (claim.places !== null && claim.previousSlotId) {
        const previous = claim.previousSlotId;
        await this.deps.slotClaims.ifFree(previous, async () => {
          await this.deps.slotClaims.leave(previous, claim, claim.previousPlaces);
          await claims.completeMove({ appointmentId: claim.id, now });
          moves += 1;
        });
      }
    }
    const slotById = byId(await slots.findByIds(active.map((c) => c.slotId)));
    let repaired = 0;
    for (const claim of active) {
      const slot = slotById.get(claim.slotId);
      if (slot && !holds(claim, slot, now)) {
        if (await this.repair(slot, ownerOf(claim), now, 'active claim whose slot does not point at it')) {
          repaired += 1;
        }
      }
      if (claim.previousSlotId) {
        const previous = claim.previousSlotId;
        await this.deps.slotClaims.ifFree(previous, async () => {
          await this.deps.slotClaims.leave(previous, claim, claim.previousPlaces);
          await claims.completeMove({ appointmentId: claim.id, now });
          moves += 1;
        });
      }
    }
    return { slots: repaired, moves };
  }

  /**
   * Slots of several places whose ledger changed, or with a claim that
   * changed (a cancellation whose request crashed before its ledger entry):
   * members whose claim is not active there are dropped (SlotPlaces.audit),
   * behind the slot's gate.
   */
  private async auditPlaces(stretch: Stretch): Promise<number> {
    const { placesLedger, claims, slotClaims, settings } = this.deps;
    const from = new Date(stretch.from);
    const to = new Date(stretch.to);
    const slotIds = new Set<string>();
    for (const c of (await placesLedger.findSlotsChangedBetween(from, to, WHOLE_STRETCH)).rows) {
      slotIds.add(c.slotId);
    }
    for (const c of (await claims.findPlacesChangedBetween(from, to, WHOLE_STRETCH)).rows) {
      slotIds.add(c.slotId);
      if (c.previousSlotId && c.previousPlaces !== null) slotIds.add(c.previousSlotId);
    }
    let freed = 0;
    for (const slotId of slotIds) {
      freed +=
        (await slotClaims.ifFree(slotId, () => slotClaims.places.audit(slotId, settings.graceMs))) ?? 0;
    }
    return freed;
  }

  /** A conditional repair on the slot's revision, behind its gate (skipped while the slot is in use). */
  private async repair(slot: SlotRecord, to: SlotOwner, now: Date, why: string): Promise<boolean> {
    const change = await this.deps.slotClaims.ifFree(slot.id, () =>
      this.deps.slots.repair({ slotId: slot.id, revision: slot.revision, to, now }),
    );
    if (!change) return false; // in use, or changed meanwhile: the next pass looks again
    this.deps.slotClaims.published(change);
    this.deps.logger.warn(
      {
        slotId: slot.id,
        from: { status: change.before.status, appointmentId: slot.appointmentId, holdId: slot.holdId },
        to: {
          status: change.after.status,
          appointmentId: change.after.appointmentId,
          holdId: change.after.holdId,
        },
      },
      `reconciler repaired a slot: ${why}`,
    );
    return true;
  }
}

/**
 * Stretches are examined whole (their span bounds the cost): a row limit
 * could stop a pass inside its overlap again and again.
 */
const WHOLE_STRETCH = Number.MAX_SAFE_INTEGER;

const ownerIdOf = (slot: SlotRecord): string => (slot.appointmentId ?? slot.holdId)!;

/** Whether the slot projection points at this active claim, as it should. */
function holds(claim: ClaimRecord, slot: SlotRecord, now: Date): boolean {
  if (!isActiveClaim(claim, now) || claim.slotId !== slot.id) return false;
  return claim.status === 'CONFIRMED'
    ? slot.status === 'BOOKED' && slot.appointmentId === claim.id
    : slot.status === 'LOCKED' && slot.holdId === claim.id;
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}
