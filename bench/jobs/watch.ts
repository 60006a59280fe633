/** 4. Watch fan-out: many subscribers here; bookings from another process. */
import { type ClientReadableStream } from '@grpc/grpc-js';
import {
  BookSlotRequest,
  WatchEventType,
  WatchSlotAvailabilityRequest,
  type WatchSlotAvailabilityResponse,
} from '../../src/gen/booking/v1/booking_service';
import { call, failureLabel, failureOf, newClient, type BookingServiceClient } from '../lib/grpc';
import { Histogram, wallNow } from '../lib/stats';
import { bump, waitUntil } from './common';
import type { Job, JobResult } from './types';

export class Subscribers {
  private readonly clients: BookingServiceClient[] = [];
  private readonly streams: ClientReadableStream<WatchSlotAvailabilityResponse>[] = [];
  private readonly slotIndex = new Map<string, number>();
  private slotIdx = new Int32Array(1 << 16);
  private times = new Float64Array(1 << 16);
  received = 0;
  private readonly ended: Record<string, number> = {};
  private heartbeats = 0;

  constructor(private readonly job: Extract<Job, { kind: 'subscribe' }>) {}

  start(): { opened: number } {
    const request = WatchSlotAvailabilityRequest.fromPartial({ serviceId: this.job.serviceId });
    for (let i = 0; i < this.job.count; i++) {
      if (i % this.job.perChannel === 0) this.clients.push(newClient(this.job.target, this.clients.length));
      const client = this.clients[this.clients.length - 1]!;
      const stream = client.watchSlotAvailability(request);
      stream.on('data', (m: WatchSlotAvailabilityResponse) => this.onMessage(m));
      stream.on('error', (err) => bump(this.ended, failureLabel(failureOf(err))));
      stream.on('end', () => bump(this.ended, 'end'));
      this.streams.push(stream);
    }
    return { opened: this.streams.length };
  }

  private onMessage(m: WatchSlotAvailabilityResponse): void {
    const now = wallNow();
    if (m.type === WatchEventType.WATCH_EVENT_TYPE_HEARTBEAT) {
      this.heartbeats += 1;
      return;
    }
    if (m.type !== WatchEventType.WATCH_EVENT_TYPE_CHANGE || !m.slot) return;
    let idx = this.slotIndex.get(m.slot.id);
    if (idx === undefined) {
      idx = this.slotIndex.size;
      this.slotIndex.set(m.slot.id, idx);
    }
    if (this.received === this.times.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.slotIdx = grow(this.slotIdx, (n) => new Int32Array(n));
      this.times = grow(this.times, (n) => new Float64Array(n));
    }
    this.slotIdx[this.received] = idx;
    this.times[this.received] = now;
    this.received += 1;
  }

  /** Delivery delays against the commit times, then closes every stream. */
  collect(commits: Record<string, number>): JobResult {
    const commitByIdx = new Float64Array(this.slotIndex.size).fill(NaN);
    for (const [id, idx] of this.slotIndex) commitByIdx[idx] = commits[id] ?? NaN;
    const latency = new Histogram();
    let unmatched = 0;
    for (let i = 0; i < this.received; i++) {
      const c = commitByIdx[this.slotIdx[i]!]!;
      if (Number.isNaN(c)) unmatched += 1;
      else latency.record(this.times[i]! - c);
    }
    const committed = Object.keys(commits).length;
    const live = this.streams.length - Object.values(this.ended).reduce((a, b) => a + b, 0);
    for (const s of this.streams) s.cancel();
    this.clients.forEach((c) => c.close());
    return {
      outcomes: { ...this.ended },
      latency: latency.toJSON(),
      wallMs: 0,
      extra: {
        streams: this.streams.length,
        liveAtEnd: live,
        received: this.received,
        expected: committed * this.streams.length,
        unmatched,
        heartbeats: this.heartbeats,
      },
    };
  }
}

export async function bookEvery(job: Extract<Job, { kind: 'book-every' }>): Promise<JobResult> {
  const client = newClient(job.target);
  const outcomes: Record<string, number> = {};
  const latency = new Histogram();
  let maxInFlight = 0;
  let inFlight = 0;
  await waitUntil(job.startAt);
  const pending: Promise<void>[] = [];
  for (let i = 0; i < job.slotIds.length; i++) {
    await waitUntil(job.startAt + i * job.intervalMs);
    const slotId = job.slotIds[i]!;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const t0 = wallNow();
    pending.push(
      call(client, client.bookSlot, BookSlotRequest.fromPartial({ slotId, userId: job.userId }))
        .then(
          () => bump(outcomes, 'OK'),
          (err: unknown) => bump(outcomes, failureLabel(failureOf(err))),
        )
        .finally(() => {
          inFlight -= 1;
          latency.record(wallNow() - t0);
        }),
    );
  }
  await Promise.all(pending);
  const wallMs = Date.now() - job.startAt;
  client.close();
  return { outcomes, latency: latency.toJSON(), wallMs, extra: { maxInFlight } };
}
