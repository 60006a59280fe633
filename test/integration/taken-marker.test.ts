/**
 * The fast gate's "slot taken" marker: once a slot is booked, further
 * attempts are refused from Redis, without a database operation; the marker
 * never keeps a slot that is free in the database unbookable for longer than
 * BOOKING_TAKEN_MARKER_TTL_MS, and a cancellation clears it at once.
 */
import { Redis } from 'ioredis';
import mongoose, { Types } from 'mongoose';
import { serviceWithSlots } from '../factories';
import { failure, requireEnv, rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';
import { eventually } from '../support/processes';

const TTL_MS = 1_500;
const marker = (slotId: string): string => `booking:taken:slot:${slotId}`;

/** Books `slotId` for `userId` as soon as it is bookable again: within a few marker TTLs, polling every 100 ms. */
const bookOnceBookable = (api: Rpc, slotId: string, userId: string, what: string) =>
  eventually(
    async () => {
      try {
        await api.bookSlot({ slotId, userId });
        return true;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: TTL_MS * 6, intervalMs: 100, what },
  );

describe('the slot-taken marker', () => {
  let t: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    t = await startTestApp({ BOOKING_TAKEN_MARKER_TTL_MS: String(TTL_MS), RECONCILER_ENABLED: 'false' });
    redis = new Redis(requireEnv('REDIS_URL'));
  });
  afterAll(async () => {
    redis.disconnect();
    await t.stop();
  });

  /** Database operations the app makes while `work` runs (mongoose's debug hook sees every connection). */
  async function dbOperationsDuring(work: () => Promise<unknown>): Promise<number> {
    let count = 0;
    mongoose.set('debug', () => {
      count += 1;
    });
    try {
      await work();
    } finally {
      mongoose.set('debug', false);
    }
    return count;
  }

  it('refuses a booked slot from Redis, with no database operation, for a bounded time', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    await api.bookSlot({ slotId, userId: 'first' });
    await eventually(async () => ((await redis.exists(marker(slotId))) === 1 ? true : undefined), {
      what: 'the marker to be set',
    });
    const ttl = await redis.pttl(marker(slotId));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL_MS); // the bound is Redis's own expiry

    let refusal: Awaited<ReturnType<typeof failure>> | undefined;
    const ops = await dbOperationsDuring(async () => {
      refusal = await failure(api.bookSlot({ slotId, userId: 'second' }));
    });
    expect(refusal!.reason).toBe('SLOT_UNAVAILABLE');
    expect(ops).toBe(0);
  });

  it('is cleared by a cancellation: the slot can be booked again at once', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const booked = await api.bookSlot({ slotId, userId: 'canceller' });
    await api.cancelAppointment({ appointmentId: booked.appointment!.id, userId: 'canceller' });
    await eventually(async () => ((await redis.exists(marker(slotId))) === 0 ? true : undefined), {
      what: 'the marker to be cleared',
    });
    await expect(api.bookSlot({ slotId, userId: 'next' })).resolves.toBeDefined();
  });

  it('keeps a slot freed behind its back (the clear lost) unbookable for at most the TTL', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const booked = await api.bookSlot({ slotId, userId: 'ghost' });
    // What a crash between the cancel and the clear leaves: free in the database, marker in Redis.
    await t.db
      .collection('appointments')
      .updateOne(
        { _id: new Types.ObjectId(booked.appointment!.id) },
        { $set: { status: 'CANCELLED', slotClaim: `~${booked.appointment!.id}` } },
      );
    await t.db
      .collection('slots')
      .updateOne(
        { _id: new Types.ObjectId(slotId) },
        { $set: { status: 'AVAILABLE', appointmentId: null }, $inc: { revision: 1 } },
      );
    await redis.set(marker(slotId), '1', 'PX', TTL_MS);
    const freedAt = Date.now();
    expect((await failure(api.bookSlot({ slotId, userId: 'early' }))).reason).toBe('SLOT_UNAVAILABLE');
    // Once the marker's TTL has passed, the slot is bookable again.
    await bookOnceBookable(api, slotId, 'after-ttl', 'the slot to be bookable after the marker expired');
    expect(Date.now() - freedAt).toBeGreaterThanOrEqual(TTL_MS - 200);
  });

  it('never outlives a cancellation racing bookings: afterwards the slot is booked or bookable', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const booked = await api.bookSlot({ slotId, userId: 'racer-owner' });
    const attempts = Array.from({ length: 20 }, (_, i) =>
      api.bookSlot({ slotId, userId: `racer-${i}` }).then(
        () => 'OK',
        () => 'refused',
      ),
    );
    await api.cancelAppointment({ appointmentId: booked.appointment!.id, userId: 'racer-owner' });
    const outcomes = await Promise.all(attempts);
    const confirmed = await t.db
      .collection('appointments')
      .countDocuments({ slotId: new Types.ObjectId(slotId), status: 'CONFIRMED' });
    expect(confirmed).toBeLessThanOrEqual(1);
    expect(outcomes.filter((o) => o === 'OK').length).toBe(confirmed);
    if (confirmed === 0) {
      // Nobody got it: the slot must be bookable now, or within the marker's TTL at most.
      await bookOnceBookable(api, slotId, 'after-race', 'the slot to be bookable after the race');
    } else {
      const ttl = await redis.pttl(marker(slotId));
      expect(ttl).toBeLessThanOrEqual(TTL_MS);
    }
  });

  it('lets a retry of the booking that set it resume (first attempt died before recording its result)', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const first = await api.bookSlot({ slotId, userId: 'retrier', requestId: 'retry-1' });
    await eventually(async () => ((await redis.get(marker(slotId))) !== null ? true : undefined), {
      what: 'the marker to be set',
    });
    expect(await redis.get(marker(slotId))).toBe(first.appointment!.id);
    // The crash: the booking is in the database, its request_id result is not.
    await t.db.collection('request_log').deleteMany({});
    const retry = await api.bookSlot({ slotId, userId: 'retrier', requestId: 'retry-1' });
    expect(retry.appointment!.id).toBe(first.appointment!.id);
    // Anyone else is still refused by the marker.
    expect((await failure(api.bookSlot({ slotId, userId: 'other' }))).reason).toBe('SLOT_UNAVAILABLE');
  });
});
