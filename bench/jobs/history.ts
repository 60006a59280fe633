/** 6. History: page through one user's appointments, one call at a time. */
import { ListAppointmentsRequest } from '../../src/gen/booking/v1/booking_service';
import { type ObjectId } from '../lib/docs';
import { call, newClient } from '../lib/grpc';
import { Histogram, wallNow } from '../lib/stats';
import { bump, diff, floorClient } from './common';
import type { Job, JobResult } from './types';

export async function historyRpc(job: Extract<Job, { kind: 'history-rpc' }>): Promise<JobResult> {
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

export async function historyFloor(job: Extract<Job, { kind: 'history-floor' }>): Promise<JobResult> {
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
