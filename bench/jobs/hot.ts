/** 2. Hot slots: a burst of `perSlot` clients on every slot; SLOT_BUSY is retried. */
import { BookSlotRequest } from '../../src/gen/booking/v1/booking_service';
import { call, failureLabel, failureOf, newClient } from '../lib/grpc';
import { Histogram, sleep, wallNow } from '../lib/stats';
import { bookBare, bump, diff, errorName, floorClient, toSlot, waitUntil } from './common';
import type { Job, JobResult } from './types';

export async function hotRpc(job: Extract<Job, { kind: 'hot-rpc' }>): Promise<JobResult> {
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

export async function hotFloor(job: Extract<Job, { kind: 'hot-floor' }>): Promise<JobResult> {
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
