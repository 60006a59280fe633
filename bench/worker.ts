/**
 * A load process, forked by bench/run.ts (through tsx). It runs one job at a
 * time, sent over IPC, and answers with its measurements (histograms, counts),
 * never with raw samples. Jobs against the service use gRPC; `*-floor` jobs
 * do the same work with the bare MongoDB driver (no gRPC, no Redis).
 * It exits when the orchestrator goes away (IPC disconnect).
 */
import { type ClientReadableStream } from '@grpc/grpc-js';
import {
  BookSlotRequest,
  GenerateSlotsRequest,
  ListAppointmentsRequest,
  WatchEventType,
  WatchSlotAvailabilityRequest,
  type WatchSlotAvailabilityResponse,
} from '../src/gen/booking/v1/booking_service';
import {
  bookUpdate,
  claimDoc,
  MongoClient,
  ObjectId,
  type Db,
  type MongoClientT,
  type SlotDoc,
} from './lib/docs';
import { call, failureLabel, failureOf, newClient, type BookingServiceClient } from './lib/grpc';
import { Histogram, sleep, wallNow, type HistogramJson } from './lib/stats';

export interface SlotRef {
  id: string;
  serviceId: string;
  startTime: number;
  endTime: number;
}

export type Job =
  | {
      kind: 'spread-rpc';
      target: string;
      clients: { userId: string; slotIds: string[] }[];
      durationMs: number;
      startAt: number;
    }
  | {
      kind: 'spread-floor';
      mongoUri: string;
      db: string;
      clients: { userId: string; slots: SlotRef[] }[];
      durationMs: number;
      startAt: number;
    }
  | {
      kind: 'hot-rpc';
      target: string;
      slotIds: string[];
      perSlot: number;
      prefix: string;
      retries: number;
      backoffMs: number;
      channels: number;
      startAt: number;
    }
  | {
      kind: 'hot-floor';
      mongoUri: string;
      db: string;
      slots: SlotRef[];
      perSlot: number;
      prefix: string;
      poolSize: number;
      startAt: number;
      /** Attempts not sent by then are counted, not sent: the rate is what was done in the time. */
      maxMs: number;
    }
  | { kind: 'subscribe'; target: string; serviceId: string; count: number; perChannel: number }
  | { kind: 'ping' }
  | { kind: 'progress' }
  | { kind: 'collect'; commits: Record<string, number> }
  | {
      kind: 'book-every';
      target: string;
      slotIds: string[];
      intervalMs: number;
      userId: string;
      startAt: number;
    }
  | { kind: 'generate-rpc'; target: string; serviceId: string; startDate: LocalDate; endDate: LocalDate }
  | {
      kind: 'generate-floor';
      mongoUri: string;
      db: string;
      serviceId: string;
      from: number;
      count: number;
      minutes: number;
    }
  | { kind: 'history-rpc'; target: string; userId: string; pageSize: number; rounds: number }
  | { kind: 'history-floor'; mongoUri: string; db: string; userId: string; pageSize: number; rounds: number };

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** What a job returns: counters by outcome, histograms in ms, and job-specific numbers. */
export interface JobResult {
  outcomes: Record<string, number>;
  latency: HistogramJson;
  /** Per logical client, first attempt to final answer (hot-rpc). */
  endToEnd?: HistogramJson;
  /** MongoDB commands this process sent, by name (floor jobs). */
  ops?: Record<string, number>;
  wallMs: number;
  extra?: Record<string, unknown>;
}

const send = (msg: unknown): void => {
  process.send?.(msg);
};

process.on('disconnect', () => process.exit(0));

let subscribers: Subscribers | undefined;

process.on('message', (msg: { id: number; job: Job }) => {
  run(msg.job).then(
    (result) => send({ id: msg.id, result }),
    (err: unknown) =>
      send({ id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});

async function run(job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'spread-rpc':
      return spreadRpc(job);
    case 'spread-floor':
      return spreadFloor(job);
    case 'hot-rpc':
      return hotRpc(job);
    case 'hot-floor':
      return hotFloor(job);
    case 'subscribe':
      subscribers = new Subscribers(job);
      return subscribers.start();
    case 'progress':
      return subscribers?.received ?? 0;
    case 'ping':
      return { pid: process.pid };
    case 'collect': {
      const result = subscribers!.collect(job.commits);
      subscribers = undefined;
      return result;
    }
    case 'book-every':
      return bookEvery(job);
    case 'generate-rpc':
      return generateRpc(job);
    case 'generate-floor':
      return generateFloor(job);
    case 'history-rpc':
      return historyRpc(job);
    case 'history-floor':
      return historyFloor(job);
  }
}

const waitUntil = (t: number): Promise<void> => sleep(t - Date.now());
const bump = (o: Record<string, number>, k: string, by = 1): void => {
  o[k] = (o[k] ?? 0) + by;
};

/** A MongoClient that counts the commands it sends. */
async function floorClient(
  uri: string,
  poolSize: number,
): Promise<{ client: MongoClientT; ops: Record<string, number> }> {
  const client = new MongoClient(uri, { maxPoolSize: poolSize, monitorCommands: true });
  const ops: Record<string, number> = {};
  // endSessions is the driver closing the client, not part of the work.
  client.on('commandStarted', (e) => {
    if (e.commandName !== 'endSessions') bump(ops, e.commandName);
  });
  await client.connect();
  await client.db('admin').command({ ping: 1 });
  return { client, ops };
}

const toSlot = (s: SlotRef): Pick<SlotDoc, '_id' | 'serviceId' | 'startTime' | 'endTime'> => ({
  _id: new ObjectId(s.id),
  serviceId: new ObjectId(s.serviceId),
  startTime: new Date(s.startTime),
  endTime: new Date(s.endTime),
});

// ---------------------------------------------------------------------------
// 1. Spread: closed-loop clients, each booking its own slots until time is up.

async function spreadRpc(job: Extract<Job, { kind: 'spread-rpc' }>): Promise<JobResult> {
  const channels = [0, 1, 2, 3].map((i) => newClient(job.target, i));
  const outcomes: Record<string, number> = {};
  const latency = new Histogram();
  await waitUntil(job.startAt);
  const end = job.startAt + job.durationMs;
  let ranOut = 0;
  await Promise.all(
    job.clients.map(async (c, i) => {
      const client = channels[i % channels.length]!;
      for (const slotId of c.slotIds) {
        if (Date.now() >= end) return;
        const t0 = wallNow();
        try {
          await call(client, client.bookSlot, BookSlotRequest.fromPartial({ slotId, userId: c.userId }));
          bump(outcomes, 'OK');
        } catch (err) {
          bump(outcomes, failureLabel(failureOf(err)));
        }
        latency.record(wallNow() - t0);
      }
      ranOut += 1;
    }),
  );
  const wallMs = spreadWallMs(job, ranOut);
  channels.forEach((c) => c.close());
  return { outcomes, latency: latency.toJSON(), wallMs, extra: { clientsOutOfSlots: ranOut } };
}

async function spreadFloor(job: Extract<Job, { kind: 'spread-floor' }>): Promise<JobResult> {
  const { client, ops } = await floorClient(job.mongoUri, job.clients.length);
  const db = client.db(job.db);
  const outcomes: Record<string, number> = {};
  const latency = new Histogram();
  const before = { ...ops };
  await waitUntil(job.startAt);
  const end = job.startAt + job.durationMs;
  let ranOut = 0;
  await Promise.all(
    job.clients.map(async (c) => {
      for (const ref of c.slots) {
        if (Date.now() >= end) return;
        const t0 = wallNow();
        try {
          bump(outcomes, await bookBare(db, toSlot(ref), c.userId));
        } catch (err) {
          bump(outcomes, `error: ${errorName(err)}`);
        }
        latency.record(wallNow() - t0);
      }
      ranOut += 1;
    }),
  );
  const wallMs = spreadWallMs(job, ranOut);
  await client.close();
  return {
    outcomes,
    latency: latency.toJSON(),
    ops: diff(ops, before),
    wallMs,
    extra: { clientsOutOfSlots: ranOut },
  };
}

/**
 * The time the clients booked for: the configured duration, or less when
 * every client ran out of slots before it (a rate over the full duration
 * would then understate it).
 */
function spreadWallMs(
  job: { clients: unknown[]; durationMs: number; startAt: number },
  ranOut: number,
): number {
  const elapsed = Date.now() - job.startAt;
  return ranOut === job.clients.length ? elapsed : Math.max(job.durationMs, elapsed);
}

/** The floor's booking: conditional update of the slot, then insert of the appointment. */
async function bookBare(
  db: Db,
  slot: Pick<SlotDoc, '_id' | 'serviceId' | 'startTime' | 'endTime'>,
  userId: string,
): Promise<string> {
  const now = new Date();
  const id = new ObjectId();
  const u = bookUpdate(slot._id, id, now);
  const res = await db.collection<SlotDoc>('slots').updateOne(u.filter, u.update);
  if (res.modifiedCount !== 1) return 'lost: slot not available';
  try {
    await db.collection('appointments').insertOne(claimDoc(slot, userId, id, now));
    return 'OK';
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return 'lost: unique slot claim';
    throw err;
  }
}

const errorName = (err: unknown): string => {
  const msg = err instanceof Error ? err.message : String(err);
  if (msg.includes('SQLITE_BUSY')) return 'SQLITE_BUSY';
  return msg.slice(0, 80);
};

const diff = (after: Record<string, number>, before: Record<string, number>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]): [string, number] => [k, v - (before[k] ?? 0)])
      .filter(([, v]) => v !== 0),
  );

// ---------------------------------------------------------------------------
// 2. Hot slots: a burst of `perSlot` clients on every slot; SLOT_BUSY is retried.

async function hotRpc(job: Extract<Job, { kind: 'hot-rpc' }>): Promise<JobResult> {
  const channels = Array.from({ length: job.channels }, (_, i) => newClient(job.target, i));
  const outcomes: Record<string, number> = {};
  const attemptsByOutcome: Record<string, number> = {};
  const latency = new Histogram();
  const endToEnd = new Histogram();
  const winsBySlot: Record<string, number> = {};
  let retriesDone = 0;
  // Warm the connections so the burst measures calls, not connection set-up.
  await Promise.all(
    channels.map((c) => new Promise<void>((r) => c.waitForReady(Date.now() + 10_000, () => r()))),
  );
  await waitUntil(job.startAt);
  const started = Date.now();
  let k = 0;
  const clients: Promise<void>[] = [];
  for (const slotId of job.slotIds) {
    for (let c = 0; c < job.perSlot; c++) {
      const client = channels[k++ % channels.length]!;
      const clientId = `${job.prefix}-${slotId}-${c}`;
      clients.push(
        (async () => {
          const first = wallNow();
          for (let attempt = 0; ; attempt++) {
            const t0 = wallNow();
            let label: string;
            try {
              await call(
                client,
                client.bookSlot,
                BookSlotRequest.fromPartial({ slotId, userId: `u-${clientId}` }),
                {
                  metadata: { 'x-bench-client': clientId },
                  deadlineMs: 600_000,
                },
              );
              label = 'OK';
              bump(winsBySlot, slotId);
            } catch (err) {
              label = failureLabel(failureOf(err));
            }
            latency.record(wallNow() - t0);
            bump(attemptsByOutcome, label);
            if (label === 'ABORTED/SLOT_BUSY' && attempt < job.retries) {
              retriesDone += 1;
              // Exponential backoff with full jitter: base, 2 base, 4 base...
              await sleep(Math.random() * job.backoffMs * 2 ** attempt + job.backoffMs / 2);
              continue;
            }
            bump(outcomes, label === 'ABORTED/SLOT_BUSY' ? 'gave up on SLOT_BUSY' : label);
            break;
          }
          endToEnd.record(wallNow() - first);
        })(),
      );
    }
  }
  await Promise.all(clients);
  const wallMs = Date.now() - started;
  channels.forEach((c) => c.close());
  return {
    outcomes,
    latency: latency.toJSON(),
    endToEnd: endToEnd.toJSON(),
    wallMs,
    extra: { attemptsByOutcome, retries: retriesDone, winsBySlot },
  };
}

async function hotFloor(job: Extract<Job, { kind: 'hot-floor' }>): Promise<JobResult> {
  const { client, ops } = await floorClient(job.mongoUri, job.poolSize);
  const db = client.db(job.db);
  const outcomes: Record<string, number> = {};
  const latency = new Histogram();
  const winsBySlot: Record<string, number> = {};
  const before = { ...ops };
  await waitUntil(job.startAt);
  const started = Date.now();
  const attempts: Promise<void>[] = [];
  // All attempts start at once (latency counts from the burst), at most
  // `poolSize` at the database at a time, none after `maxMs`.
  let free = job.poolSize;
  const queue: (() => void)[] = [];
  const acquire = (): Promise<void> =>
    free > 0 ? (free--, Promise.resolve()) : new Promise((r) => queue.push(r));
  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else free++;
  };
  let lastDone = started;
  for (const ref of job.slots) {
    const slot = toSlot(ref);
    for (let c = 0; c < job.perSlot; c++) {
      attempts.push(
        (async () => {
          const t0 = wallNow();
          await acquire();
          if (Date.now() - started > job.maxMs) {
            release();
            bump(outcomes, 'not sent (time cap)');
            return;
          }
          let label: string;
          try {
            label = await bookBare(db, slot, `u-${job.prefix}-${ref.id}-${c}`);
          } catch (err) {
            label = `error: ${errorName(err)}`;
          }
          release();
          if (label === 'OK') bump(winsBySlot, ref.id);
          latency.record(wallNow() - t0);
          bump(outcomes, label);
          lastDone = Date.now();
        })(),
      );
    }
  }
  await Promise.all(attempts);
  const wallMs = lastDone - started;
  await client.close();
  return { outcomes, latency: latency.toJSON(), ops: diff(ops, before), wallMs, extra: { winsBySlot } };
}

// ---------------------------------------------------------------------------
// 4. Watch fan-out: many subscribers here; bookings from another process.

class Subscribers {
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

async function bookEvery(job: Extract<Job, { kind: 'book-every' }>): Promise<JobResult> {
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

// ---------------------------------------------------------------------------
// 5. Slot generation.

async function generateRpc(job: Extract<Job, { kind: 'generate-rpc' }>): Promise<JobResult> {
  const client = newClient(job.target);
  await new Promise<void>((r) => client.waitForReady(Date.now() + 10_000, () => r()));
  const t0 = wallNow();
  const res = await call(
    client,
    client.generateSlots,
    GenerateSlotsRequest.fromPartial({
      serviceId: job.serviceId,
      startDate: job.startDate,
      endDate: job.endDate,
    }),
    { deadlineMs: 900_000 },
  );
  const ms = wallNow() - t0;
  client.close();
  const latency = new Histogram();
  latency.record(ms);
  return {
    outcomes: { OK: 1 },
    latency: latency.toJSON(),
    wallMs: ms,
    extra: { created: res.createdCount, existing: res.existingCount },
  };
}

async function generateFloor(job: Extract<Job, { kind: 'generate-floor' }>): Promise<JobResult> {
  const { client, ops } = await floorClient(job.mongoUri, 4);
  const db = client.db(job.db);
  const docs = Array.from({ length: job.count }, (_, i) => {
    const start = new Date(job.from + i * job.minutes * 60_000);
    return {
      _id: new ObjectId(),
      serviceId: new ObjectId(job.serviceId),
      startTime: start,
      endTime: new Date(start.getTime() + job.minutes * 60_000),
      status: 'AVAILABLE' as const,
      appointmentId: null,
      holdId: null,
      holdExpiresAt: null,
      revision: 1,
      updatedAt: new Date(),
    };
  });
  const before = { ...ops };
  const t0 = wallNow();
  const res = await db.collection('slots').insertMany(docs, { ordered: false });
  const ms = wallNow() - t0;
  await client.close();
  const latency = new Histogram();
  latency.record(ms);
  return {
    outcomes: { OK: 1 },
    latency: latency.toJSON(),
    ops: diff(ops, before),
    wallMs: ms,
    extra: { created: res.insertedCount },
  };
}

// ---------------------------------------------------------------------------
// 6. History: page through one user's appointments, one call at a time.

async function historyRpc(job: Extract<Job, { kind: 'history-rpc' }>): Promise<JobResult> {
  const client = newClient(job.target);
  const latency = new Histogram();
  const outcomes: Record<string, number> = {};
  let items = 0;
  const started = Date.now();
  for (let round = 0; round < job.rounds; round++) {
    let pageToken = '';
    do {
      const t0 = wallNow();
      const res = await call(
        client,
        client.listAppointments,
        ListAppointmentsRequest.fromPartial({ userId: job.userId, pageSize: job.pageSize, pageToken }),
      );
      latency.record(wallNow() - t0);
      bump(outcomes, 'OK');
      items += res.appointments.length;
      pageToken = res.nextPageToken;
    } while (pageToken);
  }
  client.close();
  return { outcomes, latency: latency.toJSON(), wallMs: Date.now() - started, extra: { items } };
}

async function historyFloor(job: Extract<Job, { kind: 'history-floor' }>): Promise<JobResult> {
  const { client, ops } = await floorClient(job.mongoUri, 4);
  const db = client.db(job.db);
  const latency = new Histogram();
  const outcomes: Record<string, number> = {};
  let items = 0;
  const before = { ...ops };
  const started = Date.now();
  for (let round = 0; round < job.rounds; round++) {
    let after: { createdAt: Date; _id: InstanceType<typeof ObjectId> } | null = null;
    for (;;) {
      const t0 = wallNow();
      const filter: Record<string, unknown> = {
        userId: job.userId,
        status: { $in: ['CONFIRMED', 'CANCELLED'] },
      };
      if (after) {
        filter.$or = [
          { createdAt: { $lt: after.createdAt } },
          { createdAt: after.createdAt, _id: { $lt: after._id } },
        ];
      }
      const rows = await db
        .collection('appointments')
        .find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .limit(job.pageSize + 1)
        .toArray();
      const page = rows.slice(0, job.pageSize);
      const unique = <T>(xs: T[]): T[] => [...new Map(xs.map((x) => [String(x), x])).values()];
      await Promise.all([
        db
          .collection('services')
          .find({ _id: { $in: unique(page.map((r) => r.serviceId as InstanceType<typeof ObjectId>)) } })
          .toArray(),
        db
          .collection('slots')
          .find({ _id: { $in: unique(page.map((r) => r.slotId as InstanceType<typeof ObjectId>)) } })
          .toArray(),
      ]);
      latency.record(wallNow() - t0);
      bump(outcomes, 'OK');
      items += page.length;
      if (rows.length <= job.pageSize) break;
      const last = page[page.length - 1]!;
      after = { createdAt: last.createdAt as Date, _id: last._id };
    }
  }
  await client.close();
  return {
    outcomes,
    latency: latency.toJSON(),
    ops: diff(ops, before),
    wallMs: Date.now() - started,
    extra: { items },
  };
}
