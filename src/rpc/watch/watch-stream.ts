import { DomainError } from '../../domain/errors';
import type { WatchSlotAvailabilityRequest } from '../../gen/booking/v1/booking_service';
import type { Metrics } from '../../infra/metrics/metrics';
import type { Logger } from '../../logger';
import type { EventSubscription, SlotEvent } from '../../use-cases/ports';
import type { WatchMessage, WatchSink } from '../../use-cases/watch/watch-slot-availability';
import type { RpcError } from '../error-status';
import { StreamEnded } from '../pipeline/call';
import type { ServerStreamSink } from '../server-stream';
import { SubscriberQueue, type WatchCall } from './subscriber-queue';

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

/**
 * One subscriber's stream: its queue (SubscriberQueue) in front of grpc-js's
 * writes, the heartbeat timer that carries the resume revision while nothing
 * else is sent, and the subscription it releases when it is over. It ends
 * itself as too slow when its queue overflows; the status is sent by the
 * call (server-stream.ts), which learns of the end through `done`.
 */
export class WatchStream implements WatchSink, ServerStreamSink {
  readonly done: Promise<void>;
  private readonly queue: SubscriberQueue;
  private ended = false;
  private position = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private subscription: EventSubscription | undefined;
  private settle!: { resolve: () => void; reject: (err: StreamEnded) => void };

  constructor(
    call: WatchCall,
    private readonly settings: WatchSettings,
    private readonly logger: () => Logger,
    metrics: Metrics,
  ) {
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // Awaited only once the handler has opened the stream; an end before that is not "unhandled".
    this.done.catch(() => undefined);
    const batch = (call.request as Partial<WatchSlotAvailabilityRequest> | undefined)?.batchChanges === true;
    const observeLag = (event: SlotEvent): void =>
      metrics.watchDeliveryLagSeconds.observe(
        Math.max(0, Date.now() - event.slot.updatedAt.getTime()) / 1000,
      );
    this.queue = new SubscriberQueue(call, batch, settings, observeLag, () => this.tooSlow());
  }

  get closed(): boolean {
    return this.ended;
  }

  open(): void {
    if (this.ended) return;
    this.heartbeat = setInterval(
      () => this.queue.beat(this.position, this.settings.heartbeatMs),
      Math.max(50, Math.floor(this.settings.heartbeatMs / 2)),
    );
    this.heartbeat.unref();
  }

  /** Keeps the subscription until the stream is over (closes it at once if it already is). */
  hold(subscription: EventSubscription): void {
    if (this.ended) subscription.close();
    else this.subscription = subscription;
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
  end(error: RpcError): void {
    if (this.ended) return;
    this.settle.reject(new StreamEnded(error)); // before close() settles `done` as a client's leaving
    this.close(error.reason);
  }

  private tooSlow(): void {
    this.end(
      new DomainError(
        'SUBSCRIBER_TOO_SLOW',
        'the client is not reading fast enough; resume from its last revision',
      ),
    );
  }

  /** Releases everything held for this subscriber: reader slot, timer, queue. */
  close(why: string): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.subscription?.close();
    this.queue.close();
    this.settle.resolve();
    this.logger().debug({ why }, 'watch closed');
  }
}
