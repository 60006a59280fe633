import type { Redis } from 'ioredis';
import type { SlotRecord, SlotStatus } from '../../domain/types';
import type {
  EventSubscription,
  SlotChange,
  SlotEvent,
  SlotEventLog,
  SlotEvents,
} from '../../use-cases/ports';
import { DEFAULT_RETRY, UnpublishedSlots, type RetrySettings } from './unpublished-slots';

/**
 * Slot events in Redis Streams, one stream per service, shared by every
 * instance.
 *
 * Publishing is one Lua script, atomic in Redis: it drops an event older than
 * the last one published for that slot (by the slot's own revision, so a
 * subscriber never sees a slot go back to an older state, whatever order
 * instances publish in), assigns the next service revision, max(previous + 1,
 * Redis time in microseconds) (so revisions keep growing even if Redis loses
 * its data), and appends `0-<revision>` to the stream, trimmed to about
 * `maxLength` entries. Each entry records the revision before it, so a reader
 * can prove it missed nothing.
 *
 * A publish that fails (Redis timed out or is unreachable) is retried until
 * it succeeds (`UnpublishedSlots`: backoff from 100 ms to 2 s, and at once
 * when the connection is ready again), so subscribers learn of it within
 * seconds of Redis being back. A crash between a database write and its
 * publish is repaired by `republish` (called by the reconciler with recently
 * changed slots): the script publishes only what subscribers have not seen.
 */
const PUBLISH = `
local last = redis.call('HGET', KEYS[3], ARGV[2])
local lastRev = -1
local lastStatus = ''
if last then
  local sep = string.find(last, ':')
  lastRev = tonumber(string.sub(last, 1, sep - 1))
  lastStatus = string.sub(last, sep + 1)
end
local slotRev = tonumber(ARGV[3])
if slotRev <= lastRev then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local prev = tonumber(redis.call('GET', KEYS[1]) or '0')
local rev = prev + 1
if now > rev then rev = now end
local revText = string.format('%d', rev)
redis.call('SET', KEYS[1], revText)
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3] .. ':' .. ARGV[4])
if lastStatus == '' then lastStatus = ARGV[5] end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], '0-' .. revText,
  'prev', string.format('%d', prev), 'before', lastStatus, 'slot', ARGV[6])
return revText
`;

/**
 * The latest revision of a service; a service with none yet starts at Redis
 * time in µs, so 0 ("from now" in a request) is never a revision to resume from.
 */
const LATEST = `
local v = redis.call('GET', KEYS[1])
if not v then
  local t = redis.call('TIME')
  v = string.format('%d', tonumber(t[1]) * 1000000 + tonumber(t[2]))
  redis.call('SET', KEYS[1], v, 'NX')
  v = redis.call('GET', KEYS[1])
end
return v
`;

interface Keys {
  counter: string;
  stream: string;
  lastBySlot: string;
}

export interface EventLogSettings {
  /** Entries kept per service (approximately): how far back a resume can go. */
  maxLength: number;
  /** How long a blocking read waits before looping (and noticing closes). */
  blockMs: number;
}

export class RedisSlotEventLog implements SlotEvents, SlotEventLog {
  private readonly tails = new Map<string, ServiceTail>();
  private readonly unpublished: UnpublishedSlots;
  private readonly reads = new Map<string, Promise<number>>();

  constructor(
    private readonly redis: Redis,
    private readonly settings: EventLogSettings,
    private readonly onPublishError: (err: unknown, change: SlotChange | null) => void,
    private readonly prefix = 'booking:events:',
    hooks: { onRepublished?(slots: number, published: number): void; onDropped?(slots: number): void } = {},
    retry: RetrySettings = DEFAULT_RETRY,
  ) {
    redis.defineCommand('bookingPublishSlotEvent', { numberOfKeys: 3, lua: PUBLISH });
    redis.defineCommand('bookingLatestRevision', { numberOfKeys: 1, lua: LATEST });
    this.unpublished = new UnpublishedSlots((slot, before) => this.publish(slot, before), retry, {
      onRepublished: (n, published) => hooks.onRepublished?.(n, published),
      onDropped: (n) => hooks.onDropped?.(n),
    });
    redis.on('ready', () => this.unpublished.retryNow());
  }

  keys(serviceId: string): Keys {
    const base = `${this.prefix}{${serviceId}}`;
    return { counter: `${base}:rev`, stream: `${base}:stream`, lastBySlot: `${base}:slots` };
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

  /** Slot states waiting to be published again (tests, metrics). */
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
    const k = this.keys(slot.serviceId);
    const redis = this.redis as Redis & {
      bookingPublishSlotEvent(...args: (string | number)[]): Promise<string | number>;
    };
    const result = await redis.bookingPublishSlotEvent(
      k.counter,
      k.stream,
      k.lastBySlot,
      this.settings.maxLength,
      slot.id,
      slot.revision,
      slot.status,
      previousStatus ?? '',
      JSON.stringify(encodeSlot(slot)),
    );
    return Number(result);
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
    const redis = this.redis as Redis & { bookingLatestRevision(key: string): Promise<string> };
    for (let attempt = 0; ; attempt++) {
      try {
        return Number(await redis.bookingLatestRevision(this.keys(serviceId).counter));
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }

  async subscribe(
    serviceId: string,
    afterRevision: number,
    handlers: {
      onEvent(event: SlotEvent): void;
      onProgress(revision: number): void;
      onError(reason: 'too-old' | Error): void;
      room(): Promise<void>;
    },
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
    this.unpublished.close();
    for (const t of [...this.tails.values()]) t.close();
  }
}

interface Subscriber {
  handlers: {
    onEvent(event: SlotEvent): void;
    onProgress(revision: number): void;
    onError(reason: 'too-old' | Error): void;
    room(): Promise<void>;
  };
  /** Events arriving live while the subscriber still reads history. */
  pending: SlotEvent[] | null;
  closed: boolean;
}

/**
 * One blocking reader per service and instance, shared by all of its local
 * subscribers: a subscriber costs a queue entry, not a Redis connection.
 */
class ServiceTail {
  private readonly subscribers = new Set<Subscriber>();
  private reader: Redis | undefined;
  private lastRevision: number | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;
  /** Consecutive failed reads: while Redis does not answer, the position may be stale. */
  private failures = 0;

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly blockMs: number,
    private readonly onEmpty: () => void,
  ) {}

  get size(): number {
    return this.subscribers.size;
  }

  /** Where the live reader is, if it is reading (not closed, not failing). */
  livePosition(): number | undefined {
    return this.closed || this.failures > 0 ? undefined : this.lastRevision;
  }

  async join(
    afterRevision: number,
    handlers: Subscriber['handlers'],
    latest: number,
  ): Promise<EventSubscription> {
    const sub: Subscriber = { handlers, pending: [], closed: false };
    this.subscribers.add(sub);
    // The live reader starts at the latest revision it knows; history up to
    // that point is read separately, and live events wait in `pending`.
    this.lastRevision ??= latest;
    const liveFrom = this.lastRevision;
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
      for (const e of pending) if (e.revision > afterRevision) handlers.onEvent(e);
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

  private leave(sub: Subscriber): void {
    sub.closed = true;
    this.subscribers.delete(sub);
    if (this.subscribers.size === 0) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
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
          `0-${this.lastRevision}`,
        );
        this.failures = 0;
        const entries = result?.[0]?.[1] ?? [];
        for (const entry of entries) this.dispatch(decodeEntry(entry));
        if (entries.length === 0) this.progress();
      } catch (err) {
        if (this.closed) break;
        this.failures += 1;
        // Redis unavailable: keep trying for a while, then tell subscribers
        // to resume (from their last revision) elsewhere or later.
        if (this.failures >= 20) {
          for (const sub of [...this.subscribers])
            this.fail(sub, err instanceof Error ? err : new Error(String(err)));
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * this.failures, 1_000)));
      }
    }
    this.disconnectReader();
  }

  private dispatch(event: SlotEvent): void {
    if (event.previousRevision !== this.lastRevision) {
      // The chain broke (Redis lost its data): nobody can be sure they missed nothing.
      for (const sub of [...this.subscribers]) this.fail(sub, 'too-old');
    }
    this.lastRevision = event.revision;
    for (const sub of this.subscribers) {
      if (sub.pending) sub.pending.push(event);
      else sub.handlers.onEvent(event);
    }
  }

  private progress(): void {
    for (const sub of this.subscribers) if (!sub.pending) sub.handlers.onProgress(this.lastRevision!);
  }
}

interface EncodedSlot {
  id: string;
  serviceId: string;
  startTime: number;
  endTime: number;
  status: SlotRecord['status'];
  appointmentId: string | null;
  holdId: string | null;
  holdExpiresAt: number | null;
  revision: number;
  updatedAt: number;
  /** Absent in events published before capacities existed. */
  capacity?: number;
  placesTaken?: number;
  placesHeld?: { places: number; expiresAt: number }[];
}

const encodeSlot = (s: SlotRecord): EncodedSlot => ({
  id: s.id,
  serviceId: s.serviceId,
  startTime: s.startTime.getTime(),
  endTime: s.endTime.getTime(),
  status: s.status,
  appointmentId: s.appointmentId,
  holdId: s.holdId,
  holdExpiresAt: s.holdExpiresAt?.getTime() ?? null,
  revision: s.revision,
  updatedAt: s.updatedAt.getTime(),
  capacity: s.capacity,
  placesTaken: s.placesTaken,
  placesHeld: s.placesHeld.map((h) => ({ places: h.places, expiresAt: h.expiresAt.getTime() })),
});

function decodeEntry([id, fields]: [string, string[]]): SlotEvent {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const s = JSON.parse(map.get('slot') ?? '{}') as EncodedSlot;
  const before = map.get('before') ?? '';
  return {
    revision: Number(id.slice(2)),
    previousRevision: Number(map.get('prev') ?? 0),
    previousStatus: before === '' ? null : (before as SlotStatus),
    slot: {
      id: s.id,
      serviceId: s.serviceId,
      startTime: new Date(s.startTime),
      endTime: new Date(s.endTime),
      status: s.status,
      appointmentId: s.appointmentId,
      holdId: s.holdId,
      holdExpiresAt: s.holdExpiresAt === null ? null : new Date(s.holdExpiresAt),
      revision: s.revision,
      updatedAt: new Date(s.updatedAt),
      capacity: s.capacity ?? 1,
      placesTaken: s.placesTaken ?? 0,
      placesRev: 0,
      placesHeld: (s.placesHeld ?? []).map((h) => ({ places: h.places, expiresAt: new Date(h.expiresAt) })),
    },
  };
}
