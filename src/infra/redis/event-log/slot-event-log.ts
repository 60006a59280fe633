import type { Redis } from 'ioredis';
import type { SlotRecord, SlotStatus } from '../../../domain/types';
import type { EventSubscription, SlotChange, SlotEventLog, SlotEvents } from '../../../use-cases/ports';
import { DEFAULT_RETRY, type RetrySettings } from '../unpublished-slots';
import { SlotEventPublisher, type PublisherHooks } from './publisher';
import { logKeys, withScripts, type LogKeys, type ScriptedRedis } from './scripts';
import { ServiceTail, type SubscriberHandlers } from './service-tail';

export interface EventLogSettings {
  /** Entries kept per service (approximately): how far back a resume can go. */
  maxLength: number;
  /** How long a blocking read waits before looping (and noticing closes). */
  blockMs: number;
  /**
   * Changes read within this many ms (per 1,000 subscribers, 1x to 5x: see
   * windowFor) of a service's previous fan-out pass go to its subscribers
   * together in the next one (CoalescingWindow); 0 delivers every read at once.
   */
  batchWindowMs?: number;
}

/**
 * Slot events in Redis Streams, one stream per service, shared by every
 * instance: published by SlotEventPublisher (the scripts of ./scripts), read
 * by one ServiceTail per watched service and instance.
 */
export class RedisSlotEventLog implements SlotEvents, SlotEventLog {
  private readonly tails = new Map<string, ServiceTail>();
  private readonly publisher: SlotEventPublisher;
  private readonly scripted: ScriptedRedis;
  private readonly reads = new Map<string, Promise<number>>();

  constructor(
    private readonly redis: Redis,
    private readonly settings: EventLogSettings,
    onPublishError: (err: unknown, change: SlotChange | null) => void,
    private readonly prefix = 'booking:events:',
    hooks: PublisherHooks = {},
    retry: RetrySettings = DEFAULT_RETRY,
  ) {
    this.scripted = withScripts(redis);
    this.publisher = new SlotEventPublisher(redis, settings.maxLength, prefix, onPublishError, hooks, retry);
  }

  keys(serviceId: string): LogKeys {
    return logKeys(this.prefix, serviceId);
  }

  changed(change: SlotChange): void {
    this.publisher.changed(change);
  }

  announce(slots: readonly SlotRecord[]): void {
    this.publisher.announce(slots);
  }

  /** Slot states waiting to be published again (tests, metrics). */
  get unpublishedCount(): number {
    return this.publisher.unpublishedCount;
  }

  republish(slots: readonly SlotRecord[]): Promise<number> {
    return this.publisher.republish(slots);
  }

  publish(slot: SlotRecord, previousStatus: SlotStatus | null): Promise<number> {
    return this.publisher.publish(slot, previousStatus);
  }

  /**
   * The latest revision of a service. Where this instance already follows the
   * service (a live reader), its position answers without a Redis round trip:
   * any position in the chain is a correct starting point (later changes
   * follow, earlier ones are in the database already).
   */
  async latestRevision(serviceId: string): Promise<number> {
    return this.tails.get(serviceId)?.livePosition() ?? this.storedRevision(serviceId);
  }

  /**
   * The service's revision as Redis has it. Concurrent callers share one read
   * (a thousand subscribers arriving together cost one round trip); a caller
   * that needs at least `atLeast` reads again if the shared answer is older.
   */
  private async storedRevision(serviceId: string, atLeast = 0): Promise<number> {
    const shared = this.reads.get(serviceId);
    if (shared) {
      const revision = await shared;
      if (revision >= atLeast) return revision;
    }
    const read = this.readRevision(serviceId);
    this.reads.set(serviceId, read);
    const forget = (): void => {
      if (this.reads.get(serviceId) === read) this.reads.delete(serviceId);
    };
    read.then(forget, forget);
    return read;
  }

  /**
   * One read, tried again on failure for about 3 s (0.1, 0.2, 0.4, 0.8, 1.6 s apart):
   * a command timeout while the event loop is busy (thousands of streams opening at
   * once) must not refuse every subscriber waiting on it.
   */
  private async readRevision(serviceId: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        return Number(await this.scripted.bookingLatestRevision(this.keys(serviceId).counter));
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }

  async subscribe(
    serviceId: string,
    afterRevision: number,
    handlers: SubscriberHandlers,
  ): Promise<EventSubscription> {
    // No Redis read when the live reader is at or past the client's revision (the
    // common case: "from now", or just after a snapshot); a revision ahead of it (seen
    // through another instance) is checked against Redis.
    const known = this.tails.get(serviceId)?.livePosition();
    const latest =
      known !== undefined && afterRevision <= known
        ? known
        : await this.storedRevision(serviceId, afterRevision);
    // No await from here to the subscriber's registration in join(): a tail
    // found here cannot close (with its last subscriber) before we are in it.
    let tail = this.tails.get(serviceId);
    if (!tail) {
      const created: ServiceTail = new ServiceTail(
        this.redis,
        this.keys(serviceId).stream,
        this.settings.blockMs,
        this.settings.batchWindowMs ?? 0,
        () => {
          if (this.tails.get(serviceId) === created) this.tails.delete(serviceId);
        },
      );
      tail = created;
      this.tails.set(serviceId, tail);
    }
    return tail.join(afterRevision, handlers, latest);
  }

  /** For tests and metrics: live readers and subscribers. */
  stats(): { tails: number; subscribers: number } {
    let subscribers = 0;
    for (const t of this.tails.values()) subscribers += t.size;
    return { tails: this.tails.size, subscribers };
  }

  close(): void {
    this.publisher.close();
    for (const t of [...this.tails.values()]) t.close();
  }
}
