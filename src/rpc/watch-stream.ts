import { status as Code } from '@grpc/grpc-js';
import { DomainError } from '../domain/errors';
import type { Principal, Role } from '../domain/principal';
import type { WatchSlotAvailabilityRequest } from '../gen/booking/v1/booking_service';
import type { Metrics } from '../infra/metrics/metrics';
import type { Logger } from '../logger';
import type { EventSubscription, SlotEvent } from '../use-cases/ports';
import type { WatchMessage, WatchService, WatchSink } from '../use-cases/watch.service';
import type { CallGuard } from './call-guard';
import { classifyError } from './error-status';
import { parseWatchSlotAvailability } from './requests';
import { isMalformed } from './tolerant-service';
import { requestIdOf } from './unary';
import { SubscriberQueue, type WatchCall } from './watch/subscriber-queue';

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

/**
 * One subscriber's stream: its queue (SubscriberQueue) in front of grpc-js's
 * writes, the heartbeat timer that carries the resume revision while nothing
 * else is sent, and the subscription it releases when it ends.
 */
export class WatchStream implements WatchSink {
  private readonly queue: SubscriberQueue;
  private ended = false;
  private position = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private subscription: EventSubscription | undefined;
  private principal = '';

  constructor(
    private readonly call: WatchCall,
    private readonly settings: WatchSettings,
    private readonly registry: WatchRegistry,
    private logger: Logger,
    private readonly metrics: Metrics,
  ) {
    const batch = (call.request as Partial<WatchSlotAvailabilityRequest> | undefined)?.batchChanges === true;
    const observeLag = (event: SlotEvent): void =>
      this.metrics.watchDeliveryLagSeconds.observe(
        Math.max(0, Date.now() - event.slot.updatedAt.getTime()) / 1000,
      );
    this.queue = new SubscriberQueue(call, batch, settings, observeLag, () => this.tooSlow());
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Names the caller in this stream's log lines, refusals included. */
  identify(principal: Principal): void {
    this.logger = this.logger.child({ principal: principal.subject, roles: [...principal.roles] });
  }

  start(watch: WatchService, admit: () => Promise<Principal>): void {
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
        () => this.queue.beat(this.position, this.settings.heartbeatMs),
        Math.max(50, Math.floor(this.settings.heartbeatMs / 2)),
      );
      this.heartbeat.unref();
      this.logger.info(
        { principal: principal.subject, serviceId: query.serviceId, snapshot: query.snapshot },
        'watch started',
      );
      const subscription = await watch.watch(query, this);
      if (this.ended) subscription.close();
      else this.subscription = subscription;
    };
    run().catch((err: unknown) => this.fail(err));
  }

  push(message: WatchMessage): void {
    if (this.ended) return;
    this.position = Math.max(this.position, message.revision);
    this.queue.push(message);
  }

  progress(revision: number): void {
    this.position = Math.max(this.position, revision);
  }

  room(): Promise<void> {
    return this.queue.room();
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
    this.subscription?.close();
    this.queue.close();
    this.registry.delete(this, this.principal);
    this.logger.debug({ why }, 'watch closed');
  }
}

/** The server-streaming handler: one WatchStream per call. */
export function watchHandler(
  watch: WatchService,
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
