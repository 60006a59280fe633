/** 1. Spread: closed-loop clients, each booking its own slots until time is up. */
import { BookSlotRequest } from '../../src/gen/booking/v1/booking_service';
import { call, failureLabel, failureOf, newClient } from '../lib/grpc';
import { Histogram, wallNow } from '../lib/stats';
import { bookBare, bump, diff, errorName, floorClient, toSlot, waitUntil } from './common';
import type { Job, JobResult } from './types';

export async function spreadRpc(job: Extract<Job, { kind: 'spread-rpc' }>): Promise<JobResult> {
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

export async function spreadFloor(job: Extract<Job, { kind: 'spread-floor' }>): Promise<JobResult> {
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
