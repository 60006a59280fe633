/**
 * More calls in flight than one instance's database pool, through two
 * instances on one database: nothing wedges. Each instance can have mongoose's
 * maxPoolSize (MONGO_MAX_POOL_SIZE, 50) commands in flight at FerretDB, and
 * FerretDB's findAndModify on PostgreSQL holds one pooled connection (its
 * query's rows) while it takes a second (the update); with FerretDB's default
 * pool of 50 connections, 50 of them in flight deadlock until FerretDB
 * restarts (scripts/local-servers/postgres.ts sizes the pool above it).
 *
 * 1. The database itself: two driver clients with the service's pool size, 150
 *    concurrent findOneAndUpdate each (with FerretDB's default pool of 50 this
 *    wedged, every time, here).
 * 2. The service: 2 instances x 150 concurrent calls (BookSlot on distinct and
 *    on contended slots, GetAppointment). Calls from one process rarely keep
 *    more than a few findAndModify in flight at once, so this one guards the
 *    service's path end to end rather than provoking the wedge.
 * Every call must end, within a generous deadline, with OK or a clear
 * refusal, and the database and both instances must answer afterwards.
 */
import { Metadata, status } from '@grpc/grpc-js';
import mongoose from 'mongoose';
import { unaryCall, type UnaryMethod } from '../../bench/lib/grpc-calls';
import type { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import * as pb from '../../src/gen/booking/v1/booking_service';
import { AppointmentStatus } from '../../src/gen/booking/v1/resources';
import { futureDate, listAllSlots, createService } from '../factories';
import { MONGO_MAX_POOL_SIZE } from '../../src/infra/mongo/connection';
import {
  decodeError,
  mongoUriFor,
  rpc,
  startTestApp,
  uniqueDatabaseName,
  type TestApp,
} from '../support/harness';

const INSTANCES = 2;
const PER_INSTANCE = 150;
const BOOKINGS_PER_INSTANCE = 100;
/** The slots both instances book (each books all of them: one of each pair wins). */
const CONTENDED = 50;
/** A wedge shows as calls that never end; this turns them into DEADLINE_EXCEEDED. */
const CALL_DEADLINE_MS = 120_000;
const TEST_TIMEOUT_MS = 240_000;

/** Refusals a caller can act on; anything else (INTERNAL, DEADLINE_EXCEEDED, ...) fails the test. */
const CLEAR_REFUSALS = new Set(['SLOT_UNAVAILABLE', 'SLOT_BUSY']);

type Outcome = { ok: true } | { ok: false; code: number; reason: string | undefined; message: string };

/** Calls `method` with CALL_DEADLINE_MS; its outcome, never a rejection. */
async function withDeadline<Req, Res>(
  client: BookingServiceClient,
  method: UnaryMethod<Req, Res>,
  request: Req,
): Promise<Outcome> {
  try {
    await unaryCall(client, method, request, new Metadata(), {
      deadline: new Date(Date.now() + CALL_DEADLINE_MS),
    });
    return { ok: true };
  } catch (err) {
    const decoded = decodeError(err);
    return { ok: false, code: decoded.code, reason: decoded.reason, message: decoded.message };
  }
}

describe('more findAndModify in flight than one client pool, through two clients', () => {
  it(
    'completes every one, and the database answers afterwards',
    async () => {
      const database = uniqueDatabaseName('wedge');
      const clients = [0, 1].map(
        () =>
          new mongoose.mongo.MongoClient(mongoUriFor(database), {
            maxPoolSize: MONGO_MAX_POOL_SIZE,
            // a wedged command never answers: fail it instead
            timeoutMS: CALL_DEADLINE_MS,
          }),
      );
      try {
        const docs = clients[0]!.db(database).collection<{ _id: number; status: string }>('slots');
        await docs.insertMany(
          Array.from({ length: 2 * PER_INSTANCE }, (_, i) => ({ _id: i, status: 'OPEN' })),
        );
        const results = await Promise.allSettled(
          clients.flatMap((client, k) =>
            Array.from({ length: PER_INSTANCE }, (_, i) =>
              client
                .db(database)
                .collection<{ _id: number; status: string }>('slots')
                .findOneAndUpdate(
                  { _id: k * PER_INSTANCE + i, status: 'OPEN' },
                  { $set: { status: 'BOOKED' } },
                ),
            ),
          ),
        );
        const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
        expect(failed.slice(0, 3)).toEqual([]);
        expect(results.filter((r) => r.status === 'fulfilled' && r.value !== null)).toHaveLength(
          2 * PER_INSTANCE,
        );
        expect(await docs.countDocuments({ status: 'BOOKED' })).toBe(2 * PER_INSTANCE);
      } finally {
        await clients[0]!
          .db(database)
          .dropDatabase()
          .catch(() => undefined);
        await Promise.all(clients.map((c) => c.close(true)));
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe('more calls in flight than one instance pool, through two instances', () => {
  const apps: TestApp[] = [];
  beforeAll(async () => {
    const first = await startTestApp({ RECONCILER_ENABLED: 'false' });
    apps.push(first);
    while (apps.length < INSTANCES) {
      apps.push(await startTestApp({ RECONCILER_ENABLED: 'false' }, { database: first.database }));
    }
  });
  afterAll(async () => {
    for (const t of apps) await t.stop();
  });

  it(
    'ends every call with OK or a clear refusal, and every instance answers afterwards',
    async () => {
      const api = rpc(apps[0]!.client);
      const service = await createService(api);
      const distinct = BOOKINGS_PER_INSTANCE - CONTENDED;
      const needed = CONTENDED + INSTANCES * distinct + 1;
      // 16 slots a day (9:00-17:00, 30 min)
      const days = Math.ceil(needed / 16);
      await api.generateSlots({
        serviceId: service.id,
        startDate: futureDate(30),
        endDate: futureDate(29 + days),
      });
      const slotIds = (await listAllSlots(api, service.id)).map((s) => s.id);
      expect(slotIds.length).toBeGreaterThanOrEqual(needed);
      const contended = slotIds.slice(0, CONTENDED);
      const own = (i: number) => slotIds.slice(CONTENDED + i * distinct, CONTENDED + (i + 1) * distinct);
      const known = await api.bookSlot({ slotId: slotIds.at(-1)!, userId: 'reader' });
      const appointmentId = known.appointment!.id;

      const load = (t: TestApp, i: number): Promise<Outcome>[] => {
        const book = (slotId: string, n: number) =>
          withDeadline(
            t.client,
            t.client.bookSlot,
            pb.BookSlotRequest.fromPartial({ slotId, userId: `u${i}-${n}` }),
          );
        const calls = [...contended, ...own(i)].map(book);
        for (let n = calls.length; n < PER_INSTANCE; n++) {
          calls.push(
            withDeadline(
              t.client,
              t.client.getAppointment,
              pb.GetAppointmentRequest.fromPartial({ appointmentId }),
            ),
          );
        }
        return calls;
      };
      const outcomes = (await Promise.all(apps.map((t, i) => Promise.all(load(t, i))))).flat();
      expect(outcomes).toHaveLength(INSTANCES * PER_INSTANCE);

      const unclear = outcomes.filter((o) => !o.ok && !CLEAR_REFUSALS.has(o.reason ?? ''));
      expect(unclear.slice(0, 5)).toEqual([]);
      // each contended slot booked by one instance, refused to the others; every own slot booked
      const refused = outcomes.filter((o) => !o.ok).length;
      expect(refused).toBe(CONTENDED * (INSTANCES - 1));
      for (const o of outcomes)
        if (!o.ok) expect([status.ABORTED, status.FAILED_PRECONDITION]).toContain(o.code);

      // every instance still answers, through the database
      for (const t of apps) {
        const got = await rpc(t.client).getAppointment({ appointmentId });
        expect(got.appointment?.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED);
        await rpc(t.client).getService({ serviceId: service.id });
      }
      const confirmed = await apps[0]!.db.collection('appointments').countDocuments({ status: 'CONFIRMED' });
      expect(confirmed).toBe(1 + CONTENDED + INSTANCES * distinct);
    },
    TEST_TIMEOUT_MS,
  );
});
