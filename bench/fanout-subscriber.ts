/**
 * A subscriber process of `npm run bench -- --fanout` (forked by bench/fanout/run-one.ts): opens
 * `count` WatchSlotAvailability streams, `perChannel` per HTTP/2 connection, and records
 * the service revision and arrival time of every change delivered (a batched message's
 * changes one by one). At the end it turns them into commit-to-delivery delays with the
 * publish times the orchestrator sends, keyed by revision.
 */
import type { ClientReadableStream } from '@grpc/grpc-js';
import {
  WatchEventType,
  WatchSlotAvailabilityRequest,
  type WatchSlotAvailabilityResponse,
} from '../src/gen/booking/v1/booking_service';
import { serializeRequest, WATCH_PATH, watchRevisions, type WatchRevisions } from './fanout/watch-revisions';
import { failureLabel, failureOf, newClient, type BookingServiceClient } from './lib/grpc';
import { Histogram, wallNow, type HistogramJson } from './lib/stats';

export type SubscriberJob =
  | {
      kind: 'open';
      target: string;
      serviceId: string;
      count: number;
      perChannel: number;
      batch: boolean;
      /** Decode every message in full with the generated code, not only its revisions. */
      fullDecode: boolean;
      /** HTTP/2 flow-control window of each connection (and stream), bytes. */
      clientWindow: number;
    }
  | { kind: 'progress' }
  | { kind: 'collect'; revisions: number[]; publishedAt: number[]; measuredFrom: number };

export interface SubscriberResult {
  streams: number;
  received: number;
  messages: number;
  batched: number;
  unmatched: number;
  outOfOrder: number;
  firstAt: number;
  lastAt: number;
  ended: Record<string, number>;
  /** Commit-to-delivery of the changes published in the measured seconds. */
  delays: HistogramJson;
  /** The same of the changes published before (the warm-up). */
  warmupDelays: HistogramJson;
  /** All delays by the second of the run the change was published in (warm-up vs steady state). */
  delaysBySecond: HistogramJson[];
}

const clients: BookingServiceClient[] = [];
const streams: ClientReadableStream<WatchRevisions | WatchSlotAvailabilityResponse>[] = [];
const ended: Record<string, number> = {};
let revs: Float64Array = new Float64Array(1 << 16);
let times: Float64Array = new Float64Array(1 << 16);
let received = 0;
let messages = 0;
let batched = 0;
let outOfOrder = 0;

function record(revision: number, at: number): void {
  if (received === revs.length) {
    const grow = (a: Float64Array): Float64Array => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    revs = grow(revs);
    times = grow(times);
  }
  revs[received] = revision;
  times[received] = at;
  received += 1;
}

function open(job: Extract<SubscriberJob, { kind: 'open' }>): { opened: number } {
  const request = WatchSlotAvailabilityRequest.fromPartial({
    serviceId: job.serviceId,
    batchChanges: job.batch,
  });
  for (let i = 0; i < job.count; i++) {
    if (i % job.perChannel === 0)
      clients.push(
        newClient(job.target, clients.length, { 'grpc-node.flow_control_window': job.clientWindow }),
      );
    const client = clients[clients.length - 1]!;
    const stream = job.fullDecode
      ? client.watchSlotAvailability(request)
      : client.makeServerStreamRequest(WATCH_PATH, serializeRequest, watchRevisions, request);
    let last = 0;
    stream.on('data', (m: WatchRevisions | WatchSlotAvailabilityResponse) => {
      if (m.type !== WatchEventType.WATCH_EVENT_TYPE_CHANGE) return;
      const at = wallNow();
      messages += 1;
      if (m.changes.length > 0) batched += 1;
      const revisions =
        m.changes.length > 0 ? m.changes.map((c) => (typeof c === 'number' ? c : c.revision)) : [m.revision];
      for (const r of revisions) {
        if (r <= last) outOfOrder += 1;
        last = r;
        record(r, at);
      }
    });
    // Counted once per stream: an error ends it (no 'end' counted then).
    let done = false;
    const finish = (label: string): void => {
      if (!done) bump(label);
      done = true;
    };
    stream.on('error', (err) => finish(failureLabel(failureOf(err))));
    stream.on('end', () => finish('end'));
    streams.push(stream);
  }
  return { opened: streams.length };
}

const bump = (k: string): void => void (ended[k] = (ended[k] ?? 0) + 1);

function collect(job: Extract<SubscriberJob, { kind: 'collect' }>): SubscriberResult {
  const publishedAt = new Map<number, number>();
  job.revisions.forEach((r, i) => publishedAt.set(r, job.publishedAt[i]!));
  const delays = new Histogram();
  const warmupDelays = new Histogram();
  const bySecond: Histogram[] = [];
  const t0 = Math.min(...job.publishedAt);
  let unmatched = 0;
  let firstAt = Infinity;
  let lastAt = 0;
  for (let i = 0; i < received; i++) {
    const t = publishedAt.get(revs[i]!);
    if (t === undefined) unmatched += 1;
    else {
      (t >= job.measuredFrom ? delays : warmupDelays).record(times[i]! - t);
      (bySecond[Math.floor((t - t0) / 1000)] ??= new Histogram()).record(times[i]! - t);
    }
    firstAt = Math.min(firstAt, times[i]!);
    lastAt = Math.max(lastAt, times[i]!);
  }
  for (const s of streams) s.cancel();
  for (const c of clients) c.close();
  return {
    streams: streams.length,
    received,
    messages,
    batched,
    unmatched,
    outOfOrder,
    firstAt,
    lastAt,
    ended: { ...ended },
    delays: delays.toJSON(),
    warmupDelays: warmupDelays.toJSON(),
    delaysBySecond: Array.from(bySecond, (h) => (h ?? new Histogram()).toJSON()),
  };
}

process.on('message', (m: { id: number; job: SubscriberJob }) => {
  const answer = (result: unknown): void => void process.send?.({ id: m.id, result });
  try {
    if (m.job.kind === 'open') answer(open(m.job));
    else if (m.job.kind === 'progress')
      answer({ received, ended: Object.values(ended).reduce((a, b) => a + b, 0) });
    else answer(collect(m.job));
  } catch (err) {
    process.send?.({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
// The orchestrator disconnecting (or dying) ends this process.
process.on('disconnect', () => process.exit(0));
