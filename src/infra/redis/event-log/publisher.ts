import type { Redis } from 'ioredis';
import type { SlotRecord, SlotStatus } from '../../../domain/types';
import type { SlotChange } from '../../../use-cases/ports';
import { DEFAULT_RETRY, UnpublishedSlots, type RetrySettings } from '../unpublished-slots';
import { encodeSlot } from './codec';
import { logKeys, withScripts, type ScriptedRedis } from './scripts';

export interface PublisherHooks {
  onRepublished?(slots: number, published: number): void;
  onDropped?(slots: number): void;
}

/**
 * Appends slot changes to their service's stream (the PUBLISH script).
 *
 * A publish that fails (Redis timed out or is unreachable) is retried until
 * it succeeds (`UnpublishedSlots`: backoff from 100 ms to 2 s, and at once
 * when the connection is ready again), so subscribers learn of it within
 * seconds of Redis being back. A crash between a database write and its
 * publish is repaired by `republish` (called by the reconciler with recently
 * changed slots): the script publishes only what subscribers have not seen.
 */
export class SlotEventPublisher {
  private readonly redis: ScriptedRedis;
  private readonly unpublished: UnpublishedSlots;

  constructor(
    redis: Redis,
    private readonly maxLength: number,
    private readonly prefix: string,
    private readonly onPublishError: (err: unknown, change: SlotChange | null) => void,
    hooks: PublisherHooks = {},
    retry: RetrySettings = DEFAULT_RETRY,
  ) {
    this.redis = withScripts(redis);
    this.unpublished = new UnpublishedSlots((slot, before) => this.publish(slot, before), retry, {
      onRepublished: (n, published) => hooks.onRepublished?.(n, published),
      onDropped: (n) => hooks.onDropped?.(n),
    });
    redis.on('ready', () => this.unpublished.retryNow());
  }

  /** Fire and forget: a failed publish is logged and retried until Redis takes it. */
  changed(change: SlotChange): void {
    this.publish(change.after, change.before.status).catch((err: unknown) => {
      this.onPublishError(err, change);
      this.unpublished.add(change.after, change.before.status);
    });
  }

  /** Fire and forget: new slots, or states that may not have been announced. */
  announce(slots: readonly SlotRecord[]): void {
    this.republish(slots).catch((err: unknown) => {
      this.onPublishError(err, null);
      for (const slot of slots) this.unpublished.add(slot, null);
    });
  }

  /** Slot states waiting to be published again. */
  get unpublishedCount(): number {
    return this.unpublished.size;
  }

  /** Publishes what subscribers have not seen; returns how many were. */
  async republish(slots: readonly SlotRecord[]): Promise<number> {
    let published = 0;
    // In batches: one round trip per batch, however many slots.
    for (let i = 0; i < slots.length; i += 500) {
      const batch = slots.slice(i, i + 500);
      const results = await Promise.all(batch.map((slot) => this.publish(slot, null)));
      published += results.filter((r) => r > 0).length;
    }
    return published;
  }

  /** Returns the revision assigned, or 0 when subscribers have seen this state already. */
  async publish(slot: SlotRecord, previousStatus: SlotStatus | null): Promise<number> {
    const k = logKeys(this.prefix, slot.serviceId);
    const result = await this.redis.bookingPublishSlotEvent(
      k.counter,
      k.stream,
      k.lastBySlot,
      this.maxLength,
      slot.id,
      slot.revision,
      slot.status,
      previousStatus ?? '',
      encodeSlot(slot),
    );
    return Number(result);
  }

  close(): void {
    this.unpublished.close();
  }
}
