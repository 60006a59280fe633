/**
 * Database down, with a private FerretDB the test kills and restarts (the shared
 * one of the global setup is never touched): calls fail with UNAVAILABLE (never
 * INTERNAL); when it is back, calls succeed again and no partial state survives
 * a reconciler pass.
 */
import { status } from '@grpc/grpc-js';
import mongoose, { type Connection } from 'mongoose';
import * as pb from '../../../src/gen/booking/v1/booking_service';
import type { ClaimDoc } from '../../../src/infra/mongo/models';
import { serviceWithSlots } from '../../factories';
import {
  invariantViolations,
  rpc,
  startTestApp,
  type Rpc,
  type TestApp,
  type UnaryMethod,
} from '../../support/harness';
import { eventually, startPrivateFerretdb, type KillableServer } from '../../support/processes';
import { callWithin, settle } from '../../support/outages';
import { oid } from '../../support/ids';

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
    const whileDown = <Req, Res>(method: UnaryMethod<Req, Res>, request: Req) =>
      settle(callWithin(t.client, method, request, 3_000));
    const down = [
      await bookWithin(slotIds[14]!, 'during', 3_000),
      await whileDown(t.client.getService, pb.GetServiceRequest.fromPartial({ serviceId: service.id })),
      await whileDown(
        t.client.cancelAppointment,
        pb.CancelAppointmentRequest.fromPartial({ appointmentId: booked.id, userId: 'before' }),
      ),
      await whileDown(t.client.listSlots, pb.ListSlotsRequest.fromPartial({ serviceId: service.id })),
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
