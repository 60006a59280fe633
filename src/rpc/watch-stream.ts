import { status as Code, type ServerWritableStream } from '@grpc/grpc-js';
import { DomainError } from '../domain/errors';
import type { Principal, Role } from '../domain/principal';
import type {
  WatchSlotAvailabilityRequest,
  WatchSlotAvailabilityResponse,
} from '../gen/booking/v1/booking_service';
import type { Metrics } from '../infra/metrics/metrics';
import type { Logger } from '../logger';
import type { EventSubscription, SlotEvent } from '../use-cases/ports';
import type {
  WatchMessage,
  WatchSink,
  WatchSlotAvailability,
} from '../use-cases/watch/watch-slot-availability';
import type { CallGuard } from './call-guard';
import { classifyError } from './error-status';
import { parseWatchSlotAvailability } from './requests';
import { isMalformed } from './tolerant-service';
import { requestIdOf } from './unary';
import { encodedBatch, encodedChange, otherMessage } from './watch-encoding';

type WatchCall = ServerWritableStream<WatchSlotAvailabilityRequest, WatchSlotAvailabilityResponse>;

export interface WatchSettings {
  /**
   * Messages queued for one subscriber: over this for `slowAfterMs` without
   * the client draining them, or over four times this at any moment, and it
   * is cut off as too slow. (A burst from the shared reader arrives faster
   * than one event-loop turn can flush, so a moment over the limit is not
   * slowness by itself.)
   */
  bufferLimit: number;
  /** How long a subscriber may stay over `bufferLimit`. */
  slowAfterMs: number;
  /** A heartbeat after this long without a message. */
  heartbeatMs: number;
  /** Open streams one principal may have on this instance. */
  maxStreamsPerPrincipal: number;
}

/** The open watch streams of this instance: to limit them per principal and end them on shutdown. */
export class WatchRegistry {
  private readonly open = new Set<WatchStream>();
  private readonly perPrincipal = new Map<string, number>();

  /** Registers a stream; false when the principal has too many open already. */
  add(stream: WatchStream, principal: string, limit: number): boolean {
    const count = this.perPrincipal.get(principal) ?? 0;
    if (count >= limit) return false;
    this.perPrincipal.set(principal, count + 1);
    this.open.add(stream);
    return true;
  }

  delete(stream: WatchStream, principal: string): void {
    if (!this.open.delete(stream)) return;
    const count = (this.perPrincipal.get(principal) ?? 1) - 1;
    if (count > 0) this.perPrincipal.set(principal, count);
    else this.perPrincipal.delete(principal);
  }

  get size(): number {
    return this.open.size;
  }

  /** Ends every stream with UNAVAILABLE, so clients resume on another instance. */
  endAll(): void {
    for (const s of [...this.open]) {
      s.end(new DomainError('SHUTTING_DOWN', 'the server is shutting down; resume on another instance'));
    }
  }
}

/** Changes in one batched message at most (a subscriber further behind gets several). */
export const MAX_CHANGES_PER_MESSAGE = 500;

type Queued = SlotEvent | WatchSlotAvailabilityResponse;
const isChange = (q: Queued): q is SlotEvent => !('type' in q);

/**
 * One subscriber's stream: a bounded queue in front of grpc-js's writes,
 * drained at the pace HTTP/2 flow control allows. A subscriber whose queue
 * overflows is ended with RESOURCE_EXHAUSTED; a slow one never slows the
 * others (the shared reader only appends to queues). Heartbeats carry the
 * resume revision while nothing else is sent.
 *
 * Changes wait in the queue as the shared events and are encoded on the way
 * out (once per instance). A client that asked for `batch_changes` has at
 * most one change message in flight: what queues meanwhile (changes read
 * together from the log, or arriving while its connection does not drain)
 * goes out as one message, so a subscriber that falls behind costs one write
 * per batch, not one per change. Others get one message per change, as before.
 */
export class WatchStream implements WatchSink {
  private readonly queue: Queued[] = [];
  private readonly batch: boolean;
  private blocked = false;
  /** A batched client's change message not yet handed to HTTP/2. */
  private inFlight = false;
  private flushQueued = false;
  private ended = false;
  private position = 0;
  private lastSent = Date.now();
  private heartbeat: NodeJS.Timeout | undefined;
  private slowTimer: NodeJS.Timeout | undefined;
  private subscription: EventSubscription | undefined;
  private roomWaiters: (() => void)[] = [];
  private principal = '';
  private readonly observeLag = (event: SlotEvent): void =>
    this.metrics.watchDeliveryLagSeconds.observe(
      Math.max(0, Date.now() - event.slot.updatedAt.getTime()) / 1000,
    );

  constructor(
    private readonly call: WatchCall,
    private readonly settings: WatchSettings,
    private readonly registry: WatchRegistry,
    private logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.batch = (call.request as Partial<WatchSlotAvailabilityRequest> | undefined)?.batchChanges === true;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Names the caller in this stream's log lines, refusals included. */
  identify(principal: Principal): void {
    this.logger = this.logger.child({ principal: principal.subject, roles: [...principal.roles] });
  }

  start(watch: WatchSlotAvailability, admit: () => Promise<Principal>): void {
    this.call.on('cancelled', () => this.close('cancelled by the client'));
    this.call.on('error', () => this.close('stream error'));
    const run = async (): Promise<void> => {
      if (isMalformed(this.call.request)) {
        throw new DomainError('MALFORMED_REQUEST', 'the request is not a valid protobuf message');
      }
      const principal = await admit();
      const query = parseWatchSlotAvailability(this.call.request);
      if (this.ended) return;
      if (!this.registry.add(this, principal.subject, this.settings.maxStreamsPerPrincipal)) {
        throw new DomainError('TOO_MANY_STREAMS', 'this principal has too many open watch streams', {
          limit: String(this.settings.maxStreamsPerPrincipal),
        });
      }
      this.principal = principal.subject;
      this.heartbeat = setInterval(
        () => this.beat(),
        Math.max(50, Math.floor(this.settings.heartbeatMs / 2)),
      );
      this.heartbeat.unref();
      this.logger.info(
        { principal: principal.subject, serviceId: query.serviceId, snapshot: query.snapshot },
        'watch started',
      );
      const subscription = await watch.run(query, this);
      if (this.ended) subscription.close();
      else this.subscription = subscription;
    };
    run().catch((err: unknown) => this.fail(err));
  }

  push(message: WatchMessage): void {
    if (this.ended) return;
    if (this.queue.length >= this.settings.bufferLimit * 4) return this.tooSlow();
    if (this.queue.length >= this.settings.bufferLimit) {
      this.slowTimer ??= setTimeout(() => {
        this.slowTimer = undefined;
        if (this.queue.length >= this.settings.bufferLimit) this.tooSlow();
      }, this.settings.slowAfterMs);
    }
    this.position = Math.max(this.position, message.revision);
    this.queue.push(message.type === 'CHANGE' ? message.event : otherMessage(message));
    // Written once the current turn is through: changes read together go out together.
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushLater);
  }

  private readonly flushLater = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  private readonly written = (): void => {
    this.inFlight = false;
    this.flush();
  };

  progress(revision: number): void {
    this.position = Math.max(this.position, revision);
  }

  room(): Promise<void> {
    if (this.ended || this.queue.length < this.settings.bufferLimit / 2) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Ends the stream with the status of `error`. */
  end(error: DomainError): void {
    if (this.ended) return;
    const { error: status, reason } = classifyError(error);
    this.logger.info({ code: Code[status.code], reason }, 'watch ended');
    this.metrics.watchStreamsEnded.inc({ reason });
    this.close(reason);
    this.call.emit('error', status);
  }

  private tooSlow(): void {
    this.end(
      new DomainError(
        'SUBSCRIBER_TOO_SLOW',
        'the client is not reading fast enough; resume from its last revision',
      ),
    );
  }

  private fail(err: unknown): void {
    if (this.ended) return;
    const classified = classifyError(err);
    if (classified.kind === 'bug') this.logger.error({ err }, 'watch failed with an unexpected error');
    else this.logger.info({ reason: classified.reason }, 'watch refused');
    this.close(classified.reason);
    this.call.emit('error', classified.error);
  }

  /** Releases everything held for this subscriber: reader slot, timer, queue. */
  private close(why: string): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.slowTimer);
    this.subscription?.close();
    this.queue.length = 0;
    this.registry.delete(this, this.principal);
    for (const w of this.roomWaiters.splice(0)) w();
    this.logger.debug({ why }, 'watch closed');
  }

  private flush(): void {
    while (!this.blocked && !this.inFlight && !this.ended && this.queue.length > 0) {
      this.lastSent = Date.now();
      const head = this.queue[0]!;
      if (this.batch && isChange(head)) {
        let n = 1;
        while (n < this.queue.length && n < MAX_CHANGES_PER_MESSAGE && isChange(this.queue[n]!)) n += 1;
        const events = this.queue.splice(0, n) as SlotEvent[];
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
    if (this.queue.length < this.settings.bufferLimit / 2) for (const w of this.roomWaiters.splice(0)) w();
  }

  private beat(): void {
    if (this.ended || this.blocked || this.inFlight || this.queue.length > 0) return;
    if (Date.now() - this.lastSent < this.settings.heartbeatMs) return;
    this.queue.push(otherMessage({ type: 'HEARTBEAT', revision: this.position }));
    this.flush();
  }
}

/** The server-streaming handler: one WatchStream per call. */
export function watchHandler(
  watch: WatchSlotAvailability,
  deps: {
    registry: WatchRegistry;
    settings: WatchSettings;
    guard: CallGuard;
    roles: readonly Role[];
    logger: Logger;
    metrics: Metrics;
  },
): (call: WatchCall) => void {
  return (call) => {
    const method = 'WatchSlotAvailability';
    const log = deps.logger.child({ method, requestId: requestIdOf(call.metadata) });
    const stream = new WatchStream(call, deps.settings, deps.registry, log, deps.metrics);
    stream.start(watch, () => deps.guard.admit(call.metadata, method, deps.roles, (p) => stream.identify(p)));
  };
}
