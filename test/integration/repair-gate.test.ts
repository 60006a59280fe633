/**
 * A background repair (the reconciler expiring a hold, say) takes a slot's
 * gate as a repair's; a user request that finds the gate held by a repair
 * waits for it (up to BOOKING_LOCK_REPAIR_WAIT_MS) instead of answering
 * SLOT_BUSY, while a gate held by another user request is still SLOT_BUSY at
 * once. The repair's gate is held here by the gate class itself, as another
 * instance's reconciler would hold it, so the overlap is certain: the test
 * lets go only once Redis has seen the request try the gate (MONITOR), and
 * for the waiting case, try it again.
 */
import { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { AppointmentStatus } from '../../src/gen/booking/v1/resources';
import type { ClaimDoc, SlotDoc } from '../../src/infra/mongo/models';
import { RedlockSlotGate } from '../../src/infra/redis/slot-gate';
import type { GateResult } from '../../src/use-cases/ports';
import { serviceWithSlots } from '../factories';
import {
  decodeError,
  invariantViolations,
  requireEnv,
  rpc,
  startTestApp,
  type DecodedError,
  type Rpc,
  type TestApp,
} from '../support/harness';
import { sleep } from '../support/processes';

const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);

/**
 * Counts the attempts of requests to take a slot's gate, as Redis executes them: Redlock's
 * acquire script (EVALSHA/EVAL <script> <numkeys> <keys> <db> <value> <ttl>) on the slot's key
 * alone. A request's failed attempt is followed by a release (no ttl), which is not counted.
 */
async function watchGateAttempts(redisUrl: string, slotId: string) {
  const client = new Redis(redisUrl);
  const monitor = await client.monitor();
  const key = `booking:lock:slot:${slotId}`;
  let attempts = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    const command = String(args[0]).toLowerCase();
    const isAcquire = args[2] === '1' && args[3] === key && args.length === 7;
    if ((command === 'evalsha' || command === 'eval') && isAcquire) {
      attempts += 1;
      for (const w of waiters.filter((x) => attempts >= x.n)) w.resolve();
    }
  });
  return {
    /** Resolves once `n` attempts were seen. */
    seen: (n: number): Promise<void> =>
      attempts >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    get count() {
      return attempts;
    },
    close: () => {
      monitor.disconnect();
      client.disconnect();
    },
  };
}

/** Takes `slotId`'s gate (as a repair's, or as a request's), runs `whileHeld`, then lets go. */
async function withGateHeld(
  gate: RedlockSlotGate,
  slotId: string,
  as: 'repair' | 'request',
  whileHeld: () => Promise<unknown>,
): Promise<void> {
  const held: GateResult = await gate.tryAcquire(slotId, { ignoreTaken: true, repair: as === 'repair' });
  if (held.outcome !== 'acquired') throw new Error(`the test could not take the gate: ${held.outcome}`);
  try {
    await whileHeld();
  } finally {
    await held.release();
  }
}

/** The call's response, or its decoded error. */
const settled = <T>(call: Promise<T>): Promise<T | DecodedError> =>
  call.catch((err: unknown) => decodeError(err));

/** A slot whose one-second hold (by another user) has expired, nothing cleaned up. */
async function slotWithExpiredHold(api: Rpc): Promise<{ slotId: string; holdId: string }> {
  const { slotIds } = await serviceWithSlots(api);
  const slotId = slotIds[0]!;
  const hold = await api.holdSlot({ slotId, userId: 'holder', ttlSeconds: 1 });
  const expiresMs = hold.expireTime!.getTime();
  while (Date.now() < expiresMs + 50) await sleep(Math.max(10, expiresMs + 50 - Date.now()));
  return { slotId, holdId: hold.holdToken.split('.')[0]! };
}

describe('a slot gate held by a background repair', () => {
  let t: TestApp;
  let api: Rpc;
  let redis: Redis;
  let gate: RedlockSlotGate;

  beforeAll(async () => {
    t = await startTestApp({
      RECONCILER_ENABLED: 'false',
      // Generous, so that the outcome never depends on the machine's speed.
      BOOKING_LOCK_REPAIR_WAIT_MS: '10000',
    });
    api = rpc(t.client);
    redis = new Redis(requireEnv('REDIS_URL'));
    // Another instance's gate on the same Redis; a lease longer than any test.
    gate = new RedlockSlotGate([redis], 60_000, redis, 0);
  });
  afterAll(async () => {
    redis.disconnect();
    await t.stop();
  });

  /**
   * Books `slotId` while the gate is held as `as`'s. The gate is let go once the request has
   * tried it twice (it waits, and would then get it) or has answered (it did not wait). The
   * watch starts once the gate is held, so the test's own attempt is not counted.
   */
  async function bookWhileGateHeld(slotId: string, userId: string, as: 'repair' | 'request') {
    let booking!: Promise<unknown>;
    await withGateHeld(gate, slotId, as, async () => {
      const attempts = await watchGateAttempts(requireEnv('REDIS_URL'), slotId);
      try {
        booking = settled(api.bookSlot({ slotId, userId }));
        await Promise.race([attempts.seen(2), booking]);
      } finally {
        attempts.close();
      }
    });
    return booking;
  }

  it('makes a booking of the slot whose expired hold it is repairing wait, then succeed', async () => {
    const { slotId, holdId } = await slotWithExpiredHold(api);

    expect(await bookWhileGateHeld(slotId, 'booker', 'repair')).toMatchObject({
      appointment: { status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED, slotId, userId: 'booker' },
    });
    const hold = await t.db.collection<ClaimDoc>('appointments').findOne({ _id: oid(holdId) });
    expect(hold).toMatchObject({ status: 'EXPIRED' });
    const slot = await t.db.collection<SlotDoc>('slots').findOne({ _id: oid(slotId) });
    expect(slot).toMatchObject({ status: 'BOOKED' });
    expect(await invariantViolations(t.db)).toEqual([]);
  });

  it('still answers SLOT_BUSY at once when another request holds the gate', async () => {
    const { slotId } = await slotWithExpiredHold(api);

    // A request that (wrongly) waited would try again, get the gate once let go, and book.
    expect(await bookWhileGateHeld(slotId, 'second', 'request')).toMatchObject({ reason: 'SLOT_BUSY' });
  });
});

describe('a slot gate held by a repair for longer than BOOKING_LOCK_REPAIR_WAIT_MS (200)', () => {
  let t: TestApp;
  let redis: Redis;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false', BOOKING_LOCK_REPAIR_WAIT_MS: '200' });
    redis = new Redis(requireEnv('REDIS_URL'));
  });
  afterAll(async () => {
    redis.disconnect();
    await t.stop();
  });

  it('answers SLOT_BUSY once the wait is over; the slot stays bookable', async () => {
    const api = rpc(t.client);
    const { slotId } = await slotWithExpiredHold(api);
    const gate = new RedlockSlotGate([redis], 60_000, redis, 0);
    let booking!: Promise<unknown>;
    // Held until the request gives up.
    await withGateHeld(gate, slotId, 'repair', async () => {
      booking = settled(api.bookSlot({ slotId, userId: 'impatient' }));
      await booking;
    });

    expect(await booking).toMatchObject({ reason: 'SLOT_BUSY' });
    expect((await api.bookSlot({ slotId, userId: 'later' })).appointment!.userId).toBe('later');
  });
});
