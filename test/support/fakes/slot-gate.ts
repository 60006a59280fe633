import type { Clock, GateResult, SlotGate } from '../../../src/use-cases/ports';

/**
 * The per-slot gate in memory, as RedlockSlotGate behaves for the use cases:
 * one holder per slot, tried once; "taken" markers that live `takenTtlMs` of
 * the world's clock (0: never set) and refuse before the lock; a busy gate
 * says whether a repair holds it, and whether the slot is known to have
 * several places. `outage` set: every attempt answers `unavailable`.
 */
export class FakeSlotGate implements SlotGate {
  private readonly held = new Map<string, { token: number; repair: boolean }>();
  private readonly taken = new Map<string, { by: string; until: number }>();
  private readonly places = new Set<string>();
  private tokens = 0;
  outage: Error | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly takenTtlMs = 3_000,
  ) {}

  tryAcquire(slotId: string, opts: { ignoreTaken?: boolean; repair?: boolean } = {}): Promise<GateResult> {
    if (this.outage) return Promise.resolve({ outcome: 'unavailable', error: this.outage });
    const by = opts.ignoreTaken ? null : this.takenBy(slotId);
    if (by !== null) return Promise.resolve({ outcome: 'taken', by });
    const holder = this.held.get(slotId);
    if (holder) {
      return Promise.resolve({
        outcome: 'busy',
        byRepair: !opts.repair && holder.repair,
        ...(!opts.ignoreTaken && this.places.has(slotId) ? { places: true } : {}),
      });
    }
    const token = ++this.tokens;
    this.held.set(slotId, { token, repair: opts.repair ?? false });
    return Promise.resolve({
      outcome: 'acquired',
      // Released at once when called (the use cases do not always wait for it).
      release: () => {
        if (this.held.get(slotId)?.token === token) this.held.delete(slotId);
        return Promise.resolve();
      },
    });
  }

  markTaken(slotId: string, appointmentId: string): void {
    if (this.takenTtlMs <= 0) return;
    this.taken.set(slotId, { by: appointmentId, until: this.clock().getTime() + this.takenTtlMs });
  }

  clearTaken(slotId: string): void {
    this.taken.delete(slotId);
  }

  markPlaces(slotId: string): void {
    this.places.add(slotId);
  }

  /** The marker on a slot while it lives, else null. */
  takenBy(slotId: string): string | null {
    const marker = this.taken.get(slotId);
    return marker && marker.until > this.clock().getTime() ? marker.by : null;
  }

  /** A holder died: the leases of every gate held now run out (as a Redis lock's TTL would). */
  expireLeases(): void {
    this.held.clear();
  }

  /** Whether anyone holds the slot's gate now. */
  isHeld(slotId: string): boolean {
    return this.held.has(slotId);
  }
}
