import { ExecutionError, Redlock, ResourceLockedError } from '@sesamecare-oss/redlock';
import type { Redis } from 'ioredis';
import type { GateResult, SlotGate } from '../../services/ports';

/**
 * The fast gate: a Redlock lock per slot, tried once with no waiting queue.
 * It only saves the database from doomed work; correctness never depends on
 * it (a lease can expire under a pause).
 */
export class RedlockSlotGate implements SlotGate {
  private readonly redlock: Redlock;

  /**
   * @param markers the Redis holding "slot taken" markers (the main one)
   * @param takenTtlMs how long a marker lives: the most a slot freed without
   *   its marker being cleared (a crash, Redis unreachable) stays refused
   */
  constructor(
    clients: readonly Redis[],
    private readonly ttlMs: number,
    private readonly markers: Redis,
    private readonly takenTtlMs: number,
    private readonly observe: (outcome: GateResult['outcome'], seconds: number) => void = () => undefined,
    private readonly keyPrefix = 'booking:lock:slot:',
    private readonly takenPrefix = 'booking:taken:slot:',
  ) {
    this.redlock = new Redlock(clients, {
      retryCount: 0,
      driftFactor: 0.01,
      automaticExtensionThreshold: 0,
    });
    // Redlock re-emits client errors; they surface through tryAcquire instead.
    this.redlock.on('error', () => undefined);
  }

  async tryAcquire(slotId: string, opts: { ignoreTaken?: boolean } = {}): Promise<GateResult> {
    const started = process.hrtime.bigint();
    const result = await this.attempt(slotId, opts.ignoreTaken ?? false);
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

  private async attempt(slotId: string, ignoreTaken: boolean): Promise<GateResult> {
    // A slot known to be booked is refused before any lock (or database) work.
    if (!ignoreTaken) {
      const taken = await this.markers.get(this.takenPrefix + slotId).catch(() => null);
      if (taken !== null) return { outcome: 'taken', by: taken };
    }
    try {
      const lock = await this.redlock.acquire([this.keyPrefix + slotId], this.ttlMs);
      return {
        outcome: 'acquired',
        release: async () => {
          // A failed release is harmless: the lease expires by itself.
          await lock.release().catch(() => undefined);
        },
      };
    } catch (err) {
      if (await isHeldByAnother(err)) return { outcome: 'busy' };
      return { outcome: 'unavailable', error: err instanceof Error ? err : new Error(String(err)) };
    }
  }
}

/**
 * True when the lock was refused because somebody holds it: at least one node
 * said so. Refusals made only of connection errors mean Redis is unavailable.
 */
async function isHeldByAnother(err: unknown): Promise<boolean> {
  if (!(err instanceof ExecutionError)) return false;
  const stats = await Promise.all(err.attempts);
  return stats.some((s) => [...s.votesAgainst.values()].some((e) => e instanceof ResourceLockedError));
}

/** The gate switched off by configuration: every request goes to the database. */
export class OpenSlotGate implements SlotGate {
  tryAcquire(): Promise<GateResult> {
    return Promise.resolve({ outcome: 'acquired', release: () => Promise.resolve() });
  }

  markTaken(): void {}

  clearTaken(): void {}
}
