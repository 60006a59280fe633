import { ExecutionError, Redlock, ResourceLockedError } from '@sesamecare-oss/redlock';
import type { Redis } from 'ioredis';
import type { GateResult, SlotGate } from '../../use-cases/ports';

/**
 * The fast gate: a Redlock lock per slot, tried once with no waiting queue.
 * It only saves the database from doomed work; correctness never depends on
 * it (a lease can expire under a pause). A background repair locks a second
 * key with the slot's (`repairPrefix`, set and released with it in one
 * script), so that a request finding the slot busy can tell it is a repair.
 */
export class RedlockSlotGate implements SlotGate {
  private readonly redlock: Redlock;

  /**
   * @param markers the Redis holding "slot taken" markers (the main one)
   * @param takenTtlMs how long a marker lives: the most a slot freed without
   *   its marker being cleared (a crash, Redis unreachable) stays refused
   */
  constructor(
    private readonly clients: readonly Redis[],
    private readonly ttlMs: number,
    private readonly markers: Redis,
    private readonly takenTtlMs: number,
    private readonly observe: (outcome: GateResult['outcome'], seconds: number) => void = () => undefined,
    private readonly keyPrefix = 'booking:lock:slot:',
    private readonly takenPrefix = 'booking:taken:slot:',
    private readonly repairPrefix = 'booking:lock:repair:slot:',
  ) {
    this.redlock = new Redlock(clients, {
      retryCount: 0,
      driftFactor: 0.01,
      automaticExtensionThreshold: 0,
    });
    // Redlock re-emits client errors; they surface through tryAcquire instead.
    this.redlock.on('error', () => undefined);
  }

  async tryAcquire(
    slotId: string,
    opts: { ignoreTaken?: boolean; repair?: boolean } = {},
  ): Promise<GateResult> {
    const started = process.hrtime.bigint();
    const result = await this.attempt(slotId, opts.ignoreTaken ?? false, opts.repair ?? false);
    this.observe(result.outcome, Number(process.hrtime.bigint() - started) / 1e9);
    return result;
  }

  markTaken(slotId: string, appointmentId: string): void {
    if (this.takenTtlMs <= 0) return;
    this.markers.set(this.takenPrefix + slotId, appointmentId, 'PX', this.takenTtlMs).catch(() => undefined);
  }

  clearTaken(slotId: string): void {
    this.markers.del(this.takenPrefix + slotId).catch(() => undefined);
  }

  markPlaces(slotId: string): void {
    this.markers.set(PLACES_PREFIX + slotId, '1', 'PX', PLACES_HINT_TTL_MS).catch(() => undefined);
  }

  private async attempt(slotId: string, ignoreTaken: boolean, repair: boolean): Promise<GateResult> {
    // A slot known to be booked is refused before any database work. The
    // marker is read while the lock is tried (one round trip, one write when
    // pipelined): the common case, a free slot, needs both answers anyway.
    // The same round trip reads whether the slot has several places (a busy gate is then waited for).
    const [marks, locked] = await Promise.all([
      ignoreTaken
        ? null
        : this.markers.mget(this.takenPrefix + slotId, PLACES_PREFIX + slotId).catch(() => null),
      this.lock(slotId, repair),
    ]);
    const taken = marks?.[0] ?? null;
    if (taken !== null) {
      if (locked.outcome === 'acquired') void locked.release();
      return { outcome: 'taken', by: taken };
    }
    if (locked.outcome === 'busy' && (marks?.[1] ?? null) !== null) return { ...locked, places: true };
    return locked;
  }

  private async lock(slotId: string, repair: boolean): Promise<GateResult> {
    const keys = [this.keyPrefix + slotId];
    if (repair) keys.push(this.repairPrefix + slotId);
    for (let attempt = 0; ; attempt++) {
      try {
        const lock = await this.redlock.acquire(keys, this.ttlMs);
        return {
          outcome: 'acquired',
          release: async () => {
            // A failed release is harmless: the lease expires by itself.
            await lock.release().catch(() => undefined);
          },
        };
      } catch (err) {
        const refusal = await refusalOf(err, this.clients.length);
        // A split vote: with several nodes (one of them perhaps down),
        // concurrent attempts can each take some nodes and none a majority;
        // each gives back what it took, so nobody holds the slot and refusing
        // would leave it unbooked. Retry after a random pause (Redlock's own
        // remedy), a bounded number of times.
        if (refusal === 'split' && attempt < SPLIT_RETRIES) {
          await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * SPLIT_JITTER_MS));
          continue;
        }
        if (refusal !== 'unavailable') {
          return { outcome: 'busy', byRepair: !repair && (await this.heldByRepair(slotId)) };
        }
        return { outcome: 'unavailable', error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
  }

  /**
   * Whether the slot's lock is held by a background repair (its repair key
   * carries the same lock value), or was let go between the refusal and this
   * look: either way, a request's brief wait and retry is worthwhile. Best
   * effort: an error counts as no (the request answers SLOT_BUSY, as it would
   * without repairs).
   */
  private async heldByRepair(slotId: string): Promise<boolean> {
    const seen = await Promise.all(
      this.clients.map((c) =>
        c.mget(this.keyPrefix + slotId, this.repairPrefix + slotId).catch(() => [undefined, null]),
      ),
    );
    const byRepair = seen.some(([lock, repair]) => repair !== null && repair === lock);
    return byRepair || seen.every(([lock]) => lock === null);
  }
}

/** How often a lock attempt lost in a split vote is retried, and the random part of the pause before. */
const SPLIT_RETRIES = 2;
const SPLIT_JITTER_MS = 20;

/** Redis key prefix of "this slot has several places" (SlotGate.markPlaces), and how long it lives. */
const PLACES_PREFIX = 'booking:places:slot:';
const PLACES_HINT_TTL_MS = 10 * 60_000;

/**
 * Why the lock was refused: `held` when a majority of the nodes said another
 * lock holds the slot; `split` when some did but fewer than a majority, so
 * nobody may hold it (concurrent attempts each took some nodes, or a node is
 * down); `unavailable` when the refusals are only connection errors (Redis is
 * unavailable). With one node, a refusal by a holder is always `held`.
 */
async function refusalOf(err: unknown, nodes: number): Promise<'held' | 'split' | 'unavailable'> {
  if (!(err instanceof ExecutionError)) return 'unavailable';
  const stats = await Promise.all(err.attempts);
  const lockedBy = (s: (typeof stats)[number]) =>
    [...s.votesAgainst.values()].filter((e) => e instanceof ResourceLockedError).length;
  const most = Math.max(0, ...stats.map(lockedBy));
  if (most === 0) return 'unavailable';
  return most >= Math.floor(nodes / 2) + 1 ? 'held' : 'split';
}

/** The gate switched off by configuration: every request goes to the database. */
export class OpenSlotGate implements SlotGate {
  tryAcquire(): Promise<GateResult> {
    return Promise.resolve({ outcome: 'acquired', release: () => Promise.resolve() });
  }

  markTaken(): void {}

  clearTaken(): void {}

  markPlaces(): void {}
}
