/** 5. Slot generation: one GenerateSlots call, or the same slots with a bare insertMany. */
import { GenerateSlotsRequest } from '../../src/gen/booking/v1/booking_service';
import { ObjectId } from '../lib/docs';
import { call, newClient } from '../lib/grpc';
import { Histogram, wallNow } from '../lib/stats';
import { diff, floorClient } from './common';
import type { Job, JobResult } from './types';

export async function generateRpc(job: Extract<Job, { kind: 'generate-rpc' }>): Promise<JobResult> {
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

export async function generateFloor(job: Extract<Job, { kind: 'generate-floor' }>): Promise<JobResult> {
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
