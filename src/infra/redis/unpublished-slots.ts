import type { SlotRecord, SlotStatus } from '../../domain/types';

export interface RetrySettings {
  /** The first retry's delay; each failed round doubles it, up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Slots kept at most; beyond that the oldest go (the reconciler's window repairs them). */
  maxEntries: number;
}

export const DEFAULT_RETRY: RetrySettings = { initialDelayMs: 100, maxDelayMs: 2_000, maxEntries: 100_000 };

/**
 * Slot states whose publish failed (Redis timed out or was unreachable),
 * published again until one attempt succeeds: after 100 ms, then with the
 * delay doubling up to 2 s, and at once when the Redis connection is ready
 * again. Only the newest state of a slot is kept (the publish script drops
 * older ones anyway), and republishing is idempotent: a state that did reach
 * Redis (a timeout after the command ran) is not announced twice.
 */
export class UnpublishedSlots {
  private readonly pending = new Map<string, { slot: SlotRecord; before: SlotStatus | null }>();
  private timer: NodeJS.Timeout | undefined;
  private delayMs = 0;
  private running = false;
  private closed = false;

  constructor(
    private readonly publish: (slot: SlotRecord, before: SlotStatus | null) => Promise<number>,
    private readonly settings: RetrySettings,
    private readonly hooks: {
      /** A round published everything that was waiting: how many slots, how many were news to Redis. */
      onRepublished(slots: number, published: number): void;
      /** Slots given up on because too many were waiting. */
      onDropped(slots: number): void;
    },
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Keeps `slot` (unless a newer state of it is kept already) and schedules a retry. */
  add(slot: SlotRecord, before: SlotStatus | null): void {
    if (this.closed) return;
    const kept = this.pending.get(slot.id);
    if (kept && kept.slot.revision >= slot.revision) return;
    this.pending.delete(slot.id);
    this.pending.set(slot.id, { slot, before: kept?.before ?? before });
    let dropped = 0;
    while (this.pending.size > this.settings.maxEntries) {
      this.pending.delete(this.pending.keys().next().value!);
      dropped += 1;
    }
    if (dropped > 0) this.hooks.onDropped(dropped);
    this.schedule();
  }

  /** Retries now (the connection is back), unless a round is under way. */
  retryNow(): void {
    if (this.pending.size === 0 || this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.round();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer || this.running || this.closed) return;
    this.delayMs = Math.min(
      this.settings.maxDelayMs,
      this.delayMs === 0 ? this.settings.initialDelayMs : this.delayMs * 2,
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, this.delayMs);
  }

  private async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const entries = [...this.pending.values()];
    let failed = false;
    let published = 0;
    try {
      for (let i = 0; i < entries.length && !failed && !this.closed; i += 500) {
        const batch = entries.slice(i, i + 500);
        const results = await Promise.allSettled(batch.map((e) => this.publish(e.slot, e.before)));
        results.forEach((r, j) => {
          const e = batch[j]!;
          if (r.status === 'rejected') failed = true;
          else {
            if (r.value > 0) published += 1;
            // Unless a newer state came meanwhile (it is published in the next round).
            if (this.pending.get(e.slot.id) === e) this.pending.delete(e.slot.id);
          }
        });
      }
    } finally {
      this.running = false;
    }
    if (this.closed) return;
    if (!failed) {
      this.delayMs = 0;
      this.hooks.onRepublished(entries.length, published);
    }
    if (this.pending.size > 0) this.schedule();
  }
}
