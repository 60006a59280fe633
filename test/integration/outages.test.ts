/**
 * Outages of the backing services, with private processes the tests kill and
 * restart (the shared ones of the global setup are never touched):
 * - Redis down: the lock gate is unavailable; BOOKING_LOCK_FAILURE_MODE decides
 *   whether bookings proceed (the database still arbitrates) or are refused
 *   with UNAVAILABLE/LOCK_UNAVAILABLE; when Redis is back, the gate works again.
 * - Database down: calls fail with UNAVAILABLE (never INTERNAL); when it is
 *   back, calls succeed again and no partial state survives a reconciler pass.
 * - A client deadline is honoured without harming the server.
 */
import { Metadata, status, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import mongoose, { Types, type Connection } from 'mongoose';
import * as pb from '../../src/gen/booking/v1/booking_service';
import type { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import type { ClaimDoc, SlotDoc } from '../../src/infra/mongo/models';
import { serviceWithSlots } from '../factories';
import {
  decodeError,
  failure,
  invariantViolations,
  rpc,
  startTestApp,
  type Rpc,
  type TestApp,
} from '../support/harness';
import {
  eventually,
  startPrivateFerretdb,
  startPrivateRedis,
  type KillableServer,
} from '../support/processes';

const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);

type UnaryWithOptions<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, res: Res) => void,
) => ClientUnaryCall;

/** A unary call with a deadline `ms` from now. */
function callWithin<Req, Res>(
  client: BookingServiceClient,
  method: UnaryWithOptions<Req, Res>,
  request: Req,
  ms: number,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, new Metadata(), { deadline: Date.now() + ms }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** The outcome of a call instead of a throw: the response, or the decoded status. */
async function settle<T>(promise: Promise<T>): Promise<{ ok: T } | { err: ReturnType<typeof decodeError> }> {
  try {
    return { ok: await promise };
  } catch (err) {
    return { err: decodeError(err) };
  }
}

async function race(api: Rpc, slotId: string, racers: number) {
  const results = await Promise.all(
    Array.from({ length: racers }, (_, i) => settle(api.bookSlot({ slotId, userId: `racer-${i}` }))),
  );
  const winners = results.flatMap((r) => ('ok' in r ? [r.ok.appointment!] : []));
  const losers = results.flatMap((r) => ('err' in r ? [r.err] : []));
  return { winners, losers };
}

// The tests of each describe are one scenario, in order (up, down, back).
describe('Redis outage', () => {
  let redis: KillableServer;
  let proceed: TestApp;
  let reject: TestApp;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    const env = { REDIS_URL: redis.uri, RECONCILER_ENABLED: 'false' };
    proceed = await startTestApp({ ...env, BOOKING_LOCK_FAILURE_MODE: 'proceed' });
    reject = await startTestApp({ ...env, BOOKING_LOCK_FAILURE_MODE: 'reject' });
  });
  afterAll(async () => {
    await Promise.allSettled([proceed?.stop(), reject?.stop()]);
    await redis?.dispose();
  });

  it('books through the gate while Redis is up', async () => {
    for (const t of [proceed, reject]) {
      const api = rpc(t.client);
      const { slotIds } = await serviceWithSlots(api);
      await expect(api.bookSlot({ slotId: slotIds[0]!, userId: 'early' })).resolves.toBeDefined();
    }
  });

  it('with Redis down and BOOKING_LOCK_FAILURE_MODE=proceed, bookings still succeed and stay exclusive', async () => {
    const api = rpc(proceed.client);
    const { service, slotIds } = await serviceWithSlots(api);
    await redis.kill();

    const { appointment } = await api.bookSlot({ slotId: slotIds[0]!, userId: 'alone' });
    expect(appointment!.slotId).toBe(slotIds[0]);

    const { winners, losers } = await race(api, slotIds[1]!, 20);
    expect(winners).toHaveLength(1);
    for (const loser of losers) expect(loser.reason).toBe('SLOT_UNAVAILABLE');
    const confirmed = await proceed.db
      .collection<ClaimDoc>('appointments')
      .find({ slotId: oid(slotIds[1]!), status: 'CONFIRMED' })
      .toArray();
    expect(confirmed.map((c) => c._id.toHexString())).toEqual([winners[0]!.id]);
    expect(await invariantViolations(proceed.db, service.id)).toEqual([]);
  });

  it('with Redis down and BOOKING_LOCK_FAILURE_MODE=reject, bookings are UNAVAILABLE/LOCK_UNAVAILABLE and store nothing', async () => {
    expect(redis.running).toBe(false);
    const api = rpc(reject.client);
    const { slotIds } = await serviceWithSlots(api); // no Redis needed for the catalog
    const a = (await reject.db.collection<ClaimDoc>('appointments').findOne({}))!; // booked while Redis was up

    const attempts = [
      await failure(api.bookSlot({ slotId: slotIds[0]!, userId: 'refused' })),
      await failure(api.holdSlot({ slotId: slotIds[0]!, userId: 'refused', ttlSeconds: 60 })),
      await failure(
        api.rescheduleAppointment({
          appointmentId: a._id.toHexString(),
          userId: a.userId,
          newSlotId: slotIds[1]!,
        }),
      ),
    ];

    for (const e of attempts) {
      expect(e.code).toBe(status.UNAVAILABLE);
      expect(e.reason).toBe('LOCK_UNAVAILABLE');
    }
    const slots = reject.db.collection<SlotDoc>('slots');
    for (const id of slotIds.slice(0, 2)) {
      expect(await slots.findOne({ _id: oid(id) })).toMatchObject({ status: 'AVAILABLE', revision: 1 });
    }
    expect(
      await reject.db
        .collection<ClaimDoc>('appointments')
        .countDocuments({ slotId: { $in: slotIds.map(oid) } }),
    ).toBe(0);
    expect(await reject.db.collection<ClaimDoc>('appointments').findOne({ _id: a._id })).toMatchObject({
      slotId: a.slotId,
      status: 'CONFIRMED',
    });
  });

  it('after Redis restarts on the same port, bookings through the gate work again', async () => {
    await redis.start();
    const api = rpc(reject.client);
    const { service, slotIds } = await serviceWithSlots(api);

    // ioredis reconnects by itself; until then the gate is still unavailable.
    let attempt = 0;
    const booked = await eventually(
      async () => {
        const r = await settle(api.bookSlot({ slotId: slotIds[attempt++]!, userId: 'back' }));
        if ('ok' in r) return r.ok.appointment!;
        if (r.err.reason !== 'LOCK_UNAVAILABLE') throw new Error(`unexpected ${r.err.reason}`);
        return undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'a booking through the gate' },
    );
    expect(booked.id).toMatch(/^[0-9a-f]{24}$/);

    const { winners, losers } = await race(api, slotIds[slotIds.length - 1]!, 20);
    expect(winners).toHaveLength(1);
    for (const loser of losers) expect(['SLOT_BUSY', 'SLOT_UNAVAILABLE']).toContain(loser.reason);
    expect(await invariantViolations(reject.db, service.id)).toEqual([]);
  });
});

describe('database outage', () => {
  let ferret: KillableServer;
  let t: TestApp;
  let db: Connection;
  let api: Rpc;

  beforeAll(async () => {
    ferret = await startPrivateFerretdb();
    const uri = `${ferret.uri}booking_outage`;
    t = await startTestApp({
      MONGODB_URI: uri,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1000',
      RECONCILER_ENABLED: 'false',
      RECONCILER_GRACE_MS: '0',
    });
    api = rpc(t.client);
    db = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 }).asPromise();
  });
  afterAll(async () => {
    await t?.stop();
    await db?.close(true).catch(() => undefined);
    await ferret?.dispose();
  });

  it('fails calls with UNAVAILABLE while it is down (never INTERNAL), and recovers when it returns', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const booked = (await api.bookSlot({ slotId: slotIds[0]!, userId: 'before' })).appointment!;

    // Bookings in flight when the database dies: each either succeeds or fails as an outage.
    const bookWithin = (slotId: string, userId: string, ms: number) =>
      settle(callWithin(t.client, t.client.bookSlot, pb.BookSlotRequest.fromPartial({ slotId, userId }), ms));
    const inflight = slotIds.slice(1, 14).map((slotId, i) => bookWithin(slotId, `inflight-${i}`, 10_000));
    await Promise.race(inflight);
    await ferret.kill();
    const outcomes = await Promise.all(inflight);

    // Calls made while it is down (with the 3 s deadline a client would use).
    const down = [
      await bookWithin(slotIds[14]!, 'during', 3_000),
      await settle(
        callWithin(
          t.client,
          t.client.getService,
          pb.GetServiceRequest.fromPartial({ serviceId: service.id }),
          3_000,
        ),
      ),
      await settle(
        callWithin(
          t.client,
          t.client.cancelAppointment,
          pb.CancelAppointmentRequest.fromPartial({ appointmentId: booked.id, userId: 'before' }),
          3_000,
        ),
      ),
      await settle(
        callWithin(
          t.client,
          t.client.listSlots,
          pb.ListSlotsRequest.fromPartial({ serviceId: service.id }),
          3_000,
        ),
      ),
    ];
    // UNAVAILABLE within the 1 s server-selection timeout (or the client's deadline on a crawling machine).
    const downCodes = down.map((r) => ('err' in r ? r.err.code : status.OK));
    for (const code of downCodes) expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(code);
    expect(downCodes).toContain(status.UNAVAILABLE);
    for (const r of outcomes) {
      if ('err' in r) expect([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]).toContain(r.err.code);
    }

    await ferret.start(); // same port, same data
    const got = await eventually(async () => (await api.getService({ serviceId: service.id })).service, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: 'GetService after the database returned',
    });
    expect(got.id).toBe(service.id);
    const after = (await api.bookSlot({ slotId: slotIds[15]!, userId: 'after' })).appointment!;
    expect(after.slotId).toBe(slotIds[15]);

    // No partial state once the reconciler has run: every booking that was
    // reported is stored, and nothing is BOOKED without its confirmed claim.
    await t.app.reconciler.runOnce();
    expect(await invariantViolations(db, service.id)).toEqual([]);
    const claims = db.collection<ClaimDoc>('appointments');
    for (const r of outcomes) {
      if ('ok' in r)
        expect(await claims.findOne({ _id: oid(r.ok.appointment!.id) })).toMatchObject({
          status: 'CONFIRMED',
        });
    }
    expect(await claims.findOne({ _id: oid(booked.id) })).toMatchObject({ status: 'CONFIRMED' });
  });
});

describe('client deadline', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false' });
  });
  afterAll(() => t.stop());

  it('a BookSlot with a tiny deadline gets DEADLINE_EXCEEDED, and the server stays healthy', async () => {
    const api = rpc(t.client);
    const { service, slotIds } = await serviceWithSlots(api);

    for (const [i, ms] of [0, 1].entries()) {
      const e = decodeError(
        await callWithin(
          t.client,
          t.client.bookSlot,
          pb.BookSlotRequest.fromPartial({ slotId: slotIds[i]!, userId: 'hasty' }),
          ms,
        ).then(
          () => {
            throw new Error('expected DEADLINE_EXCEEDED');
          },
          (err: unknown) => err,
        ),
      );
      expect(e.code).toBe(status.DEADLINE_EXCEEDED);
    }

    // Whatever the server did with those calls, it finished consistently and still serves.
    await eventually(
      async () => ((await invariantViolations(t.db, service.id)).length === 0 ? true : undefined),
      {
        timeoutMs: 10_000,
        what: 'a consistent state',
      },
    );
    await expect(api.getService({ serviceId: service.id })).resolves.toBeDefined();
    const { appointment } = await api.bookSlot({ slotId: slotIds[2]!, userId: 'patient' });
    expect(appointment!.slotId).toBe(slotIds[2]);
  });
});
