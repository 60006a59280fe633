import type { Redis } from 'ioredis';
import type { EventSubscription, SlotEvent } from '../../../use-cases/ports';
import { decodeEntry } from './codec';
import { CoalescingWindow, windowFor } from './coalescing-window';

export interface SubscriberHandlers {
  onEvent(event: SlotEvent): void;
  onProgress(revision: number): void;
  onError(reason: 'too-old' | Error): void;
  room(): Promise<void>;
}

interface Subscriber {
  handlers: SubscriberHandlers;
  /** The subscriber has every event up to here (a resume can be ahead of what this tail delivered). */
  after: number;
  /** Events delivered live while the subscriber still reads history. */
  pending: SlotEvent[] | null;
  closed: boolean;
}

/**
 * One blocking reader per service and instance, shared by all of its local
 * subscribers: a subscriber costs a queue entry, not a Redis connection.
 *
 * Events read are delivered to every subscriber in one pass per coalescing
 * window (`baseWindowMs` per 1,000 subscribers: windowFor, CoalescingWindow):
 * all of them get the same events in the same turn, so a batched stream
 * sends them as one message, encoded once for every subscriber at the same
 * position. Two positions are kept: where the reader is in the stream, and
 * what has been delivered; only the latter is a starting point or a resume
 * point (held events are not yet anyone's).
 */
export class ServiceTail {
  private readonly subscribers = new Set<Subscriber>();
  private reader: Redis | undefined;
  /** The last revision delivered to the subscribers. */
  private position: number | undefined;
  /** The last revision read from the stream (at or after `position`). */
  private readPosition: number | undefined;
  private readonly window: CoalescingWindow<SlotEvent>;
  private loop: Promise<void> | undefined;
  private closed = false;
  /** Consecutive failed reads: while Redis does not answer, the position may be stale. */
  private failures = 0;

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly blockMs: number,
    private readonly baseWindowMs: number,
    private readonly onEmpty: () => void,
  ) {
    this.window = new CoalescingWindow(baseWindowMs, (events) => this.deliver(events));
  }

  /** The window follows the number of subscribers (windowFor). */
  private resizeWindow(): void {
    this.window.resize(windowFor(this.baseWindowMs, this.subscribers.size));
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** Where the live reader's subscribers are, if it is reading (not closed, not failing). */
  livePosition(): number | undefined {
    return this.closed || this.failures > 0 ? undefined : this.position;
  }

  async join(
    afterRevision: number,
    handlers: SubscriberHandlers,
    latest: number,
  ): Promise<EventSubscription> {
    const sub: Subscriber = { handlers, after: afterRevision, pending: [], closed: false };
    this.subscribers.add(sub);
    this.resizeWindow();
    // The live reader starts at the latest revision it knows; history up to
    // that point is read separately, and live events wait in `pending`.
    this.position ??= latest;
    this.readPosition ??= latest;
    const liveFrom = this.position;
    this.loop ??= this.run();
    const subscription = { close: () => this.leave(sub) };
    try {
      await this.catchUp(sub, afterRevision, liveFrom, latest);
    } catch (err) {
      this.leave(sub);
      handlers.onError(err instanceof Error ? err : new Error(String(err)));
      return subscription;
    }
    if (!sub.closed) {
      const pending = sub.pending ?? [];
      sub.pending = null;
      for (const e of pending) if (e.revision > sub.after) handlers.onEvent(e);
      handlers.onProgress(Math.max(afterRevision, liveFrom));
    }
    return subscription;
  }

  /** Delivers history in (afterRevision, liveFrom], proving nothing is missing. */
  private async catchUp(
    sub: Subscriber,
    afterRevision: number,
    liveFrom: number,
    latest: number,
  ): Promise<void> {
    // Newer than anything published: not a revision of this log (or Redis lost its data).
    if (afterRevision > Math.max(latest, liveFrom)) return this.fail(sub, 'too-old');
    let cursor = afterRevision;
    while (cursor < liveFrom && !sub.closed) {
      const batch = await this.redis.xrange(this.stream, `(0-${cursor}`, `0-${liveFrom}`, 'COUNT', 500);
      if (batch.length === 0) return this.fail(sub, 'too-old');
      for (const entry of batch) {
        const event = decodeEntry(entry);
        if (event.previousRevision !== cursor) return this.fail(sub, 'too-old'); // trimmed, or lost
        cursor = event.revision;
        sub.handlers.onEvent(event);
      }
      await sub.handlers.room(); // history goes at the subscriber's pace
    }
  }

  private fail(sub: Subscriber, reason: 'too-old' | Error): void {
    if (sub.closed) return;
    this.leave(sub);
    sub.handlers.onError(reason);
  }

  private failAll(reason: 'too-old' | Error): void {
    for (const sub of [...this.subscribers]) this.fail(sub, reason);
  }

  private leave(sub: Subscriber): void {
    sub.closed = true;
    this.subscribers.delete(sub);
    if (this.subscribers.size === 0) this.close();
    else this.resizeWindow();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.window.close();
    this.onEmpty();
    // Ends a blocking read at once; the loop then sees `closed`.
    this.disconnectReader();
  }

  private disconnectReader(): void {
    if (this.reader && this.reader.status !== 'end') this.reader.disconnect();
  }

  private async run(): Promise<void> {
    // A blocking read needs a connection of its own, with an offline queue so
    // that it waits out a reconnect instead of failing at once.
    this.reader = this.redis.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    });
    this.reader.on('error', () => undefined); // reconnects by itself; reads report failures
    while (!this.closed) {
      try {
        const result = await this.reader.xread(
          'COUNT',
          500,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          this.stream,
          `0-${this.readPosition}`,
        );
        this.failures = 0;
        const entries = result?.[0]?.[1] ?? [];
        if (entries.length > 0) this.received(entries.map(decodeEntry));
        else this.progress();
      } catch (err) {
        if (this.closed) break;
        this.failures += 1;
        // Redis unavailable: keep trying for a while, then tell subscribers
        // to resume (from their last revision) elsewhere or later.
        if (this.failures >= 20) {
          this.window.flush();
          this.failAll(err instanceof Error ? err : new Error(String(err)));
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * this.failures, 1_000)));
      }
    }
    this.disconnectReader();
  }

  /** Events read, in order: into the window, unless the chain broke. */
  private received(events: SlotEvent[]): void {
    let from = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      if (event.previousRevision !== this.readPosition) {
        // The chain broke (Redis lost its data): nobody can be sure they missed nothing.
        // What was read before the break is delivered first, as it would have been.
        this.window.add(events.slice(from, i));
        this.window.flush();
        this.failAll('too-old');
        from = i;
      }
      this.readPosition = event.revision;
    }
    this.window.add(from === 0 ? events : events.slice(from));
  }

  /** One pass over the subscribers with every event the window held. */
  private deliver(events: readonly SlotEvent[]): void {
    this.position = events[events.length - 1]!.revision;
    for (const sub of this.subscribers) {
      if (sub.pending) {
        for (const e of events) sub.pending.push(e);
        continue;
      }
      for (const e of events) {
        if (sub.closed) break;
        if (e.revision > sub.after) sub.handlers.onEvent(e);
      }
    }
  }

  private progress(): void {
    // What was delivered, not what was read: held events are not yet anyone's.
    for (const sub of this.subscribers) if (!sub.pending) sub.handlers.onProgress(this.position!);
  }
}
