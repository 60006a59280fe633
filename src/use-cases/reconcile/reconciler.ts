import { auditPlaces } from './audit-places';
import { WHOLE_STRETCH, type RepairCounts, type RepairDeps } from './deps';
import { expireHolds } from './expire-holds';
import { repairActiveClaims, repairOwnedSlots } from './repair-slots';
import { Sweep } from './sweep';

export type { ReconcilerSettings, RepairCounts } from './deps';

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

  constructor(private readonly deps: RepairDeps) {}

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
    counts.holdsExpired = await expireHolds(this.deps, now);
    for (const stretch of this.repairs.plan(now.getTime() - settings.lookbackMs, settled)) {
      const slots = await repairOwnedSlots(this.deps, stretch, now);
      const claims = await repairActiveClaims(this.deps, stretch, now);
      counts.slotsRepaired += slots.repaired + claims.slots;
      counts.movesCompleted += claims.moves;
      counts.placesFreed += await auditPlaces(this.deps, stretch);
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
}
