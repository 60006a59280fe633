import type { ServerWritableStream } from '@grpc/grpc-js';
import type {
  WatchSlotAvailabilityRequest,
  WatchSlotAvailabilityResponse,
} from '../../gen/booking/v1/booking_service';
import type { SlotEvent } from '../../use-cases/ports';
import type { WatchMessage } from '../../use-cases/watch/watch-slot-availability';
import { encodedBatch, encodedChange, otherMessage } from './encoding';

export type WatchCall = ServerWritableStream<WatchSlotAvailabilityRequest, WatchSlotAvailabilityResponse>;

/** Changes in one batched message at most (a subscriber further behind gets several). */
export const MAX_CHANGES_PER_MESSAGE = 500;

type Queued = SlotEvent | WatchSlotAvailabilityResponse;
const isChange = (q: Queued): q is SlotEvent => !('type' in q);

/**
 * Queues with something new this turn, flushed together once it is through:
 * one microtask per turn for a fan-out pass over every subscriber, not one
 * per subscriber (queueMicrotask makes an async resource for each call).
 */
let toFlush: SubscriberQueue[] = [];
function flushAll(): void {
  const queues = toFlush;
  toFlush = [];
  let failure: { err: unknown } | undefined;
  for (const q of queues) {
    try {
      q.flushQueued();
    } catch (err) {
      failure ??= { err }; // the others are still flushed
    }
  }
  if (failure) throw failure.err;
}

export interface SubscriberQueueSettings {
  /** See WatchSettings.bufferLimit. */
  bufferLimit: number;
  /** How long a subscriber may stay over `bufferLimit`. */
  slowAfterMs: number;
}

/**
 * One subscriber's bounded queue in front of grpc-js's writes, drained at
 * the pace HTTP/2 flow control allows. A queue that overflows calls
 * `tooSlow` (the stream ends the subscriber); a slow one never slows the
 * others (the shared reader only appends to queues).
 *
 * Changes wait in the queue as the shared events and are encoded on the way
 * out (once per instance). A client that asked for `batch_changes` has at
 * most one change message in flight: what queues meanwhile (changes read
 * together from the log, or arriving while its connection does not drain)
 * goes out as one message, so a subscriber that falls behind costs one write
 * per batch, not one per change. Others get one message per change, as before.
 */
export class SubscriberQueue {
  private queue: Queued[] = [];
  private blocked = false;
  /** A batched client's change message not yet handed to HTTP/2. */
  private inFlight = false;
  private flushScheduled = false;
  private ended = false;
  private lastSent = Date.now();
  private slowTimer: NodeJS.Timeout | undefined;
  private roomWaiters: (() => void)[] = [];

  constructor(
    private readonly call: WatchCall,
    private readonly batch: boolean,
    private readonly settings: SubscriberQueueSettings,
    private readonly observeLag: (event: SlotEvent) => void,
    private readonly tooSlow: () => void,
  ) {}

  push(message: WatchMessage): void {
    if (this.ended) return;
    if (this.queue.length >= this.settings.bufferLimit * 4) return this.tooSlow();
    if (this.queue.length >= this.settings.bufferLimit) {
      this.slowTimer ??= setTimeout(() => {
        this.slowTimer = undefined;
        if (this.queue.length >= this.settings.bufferLimit) this.tooSlow();
      }, this.settings.slowAfterMs);
    }
    this.queue.push(message.type === 'CHANGE' ? message.event : otherMessage(message));
    // Written once the current turn is through: changes read together go out together.
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (toFlush.push(this) === 1) queueMicrotask(flushAll);
  }

  /** The turn that queued messages is through (flushAll). */
  flushQueued(): void {
    this.flushScheduled = false;
    this.flush();
  }

  private readonly written = (): void => {
    this.inFlight = false;
    this.flush();
  };

  room(): Promise<void> {
    if (this.ended || this.queue.length < this.settings.bufferLimit / 2) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Drops what is queued and wakes whoever waits for room: the stream is over. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.slowTimer);
    this.queue.length = 0;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  private flush(): void {
    while (!this.blocked && !this.inFlight && !this.ended && this.queue.length > 0) {
      this.lastSent = Date.now();
      const head = this.queue[0]!;
      if (this.batch && isChange(head)) {
        let n = 1;
        while (n < this.queue.length && n < MAX_CHANGES_PER_MESSAGE && isChange(this.queue[n]!)) n += 1;
        // Usually the whole queue: taken as it is rather than copied out.
        const events = (n === this.queue.length ? this.take() : this.queue.splice(0, n)) as SlotEvent[];
        const bytes = n === 1 ? encodedChange(head, this.observeLag) : encodedBatch(events, this.observeLag);
        this.inFlight = true;
        // What queues until HTTP/2 has taken this message goes out as the next one.
        this.call.write(bytes as unknown as WatchSlotAvailabilityResponse, this.written);
        continue;
      }
      this.queue.shift();
      // A Buffer is already encoded: the service definition passes it through (tolerantService).
      const message = isChange(head) ? encodedChange(head, this.observeLag) : head;
      if (!this.call.write(message as WatchSlotAvailabilityResponse)) {
        this.blocked = true;
        this.call.once('drain', () => {
          this.blocked = false;
          this.flush();
        });
      }
    }
    if (this.roomWaiters.length > 0 && this.queue.length < this.settings.bufferLimit / 2)
      for (const w of this.roomWaiters.splice(0)) w();
  }

  private take(): Queued[] {
    const all = this.queue;
    this.queue = [];
    return all;
  }

  /** A heartbeat carrying `revision` when nothing was sent for `heartbeatMs` and nothing waits. */
  beat(revision: number, heartbeatMs: number): void {
    if (this.ended || this.blocked || this.inFlight || this.queue.length > 0) return;
    if (Date.now() - this.lastSent < heartbeatMs) return;
    this.queue.push(otherMessage({ type: 'HEARTBEAT', revision }));
    this.flush();
  }
}
