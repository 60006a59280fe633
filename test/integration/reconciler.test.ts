/**
 * The reconciler converges slot projections on the claim records after a
 * crash between two writes. Each test crafts such leftovers straight in the
 * database, runs one pass (`reconciler.runOnce()`, no background loop, no
 * grace period unless stated) and checks the repaired state. Every repair is
 * a conditional write that bumps the slot's revision, so two instances can
 * run passes at once.
 */
import { Types } from 'mongoose';
import { SlotStatus } from '../../src/gen/booking/v1/resources';
import { createdBucketOf, updatedBucketOf } from '../../src/infra/mongo/buckets';
import type { ClaimDoc, IdempotencyDoc, SlotDoc } from '../../src/infra/mongo/models';
import { claimDocument, serviceWithSlots } from '../factories';
import { invariantViolations, rpc, startTestApp, type TestApp } from '../support/harness';

const RECONCILER_ENV = {
  RECONCILER_ENABLED: 'false',
  RECONCILER_GRACE_MS: '0',
  REQUEST_ID_RETENTION_MS: '60000',
};

const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);
const secondsAgo = (s: number): Date => new Date(Date.now() - s * 1_000);

/** Raw access to an app's database, for crafting leftovers and checking repairs. */
function storeOf(t: TestApp) {
  const slots = t.db.collection<SlotDoc>('slots');
  const claims = t.db.collection<ClaimDoc>('appointments');
  const store = {
    slots,
    claims,
    requests: t.db.collection<IdempotencyDoc>('request_log'),
    slot: async (id: string | Types.ObjectId): Promise<SlotDoc> =>
      (await slots.findOne({ _id: typeof id === 'string' ? oid(id) : id }))!,
    claim: async (id: Types.ObjectId): Promise<ClaimDoc> => (await claims.findOne({ _id: id }))!,
    /** Sets a slot's projection as a crashed write left it (changed `changedAt`, a second ago by default). */
    async setSlot(
      slotId: string,
      to: Partial<Pick<SlotDoc, 'status' | 'appointmentId' | 'holdId' | 'holdExpiresAt'>>,
      changedAt = secondsAgo(1),
    ): Promise<SlotDoc> {
      await slots.updateOne(
        { _id: oid(slotId) },
        {
          $set: {
            appointmentId: null,
            holdId: null,
            holdExpiresAt: null,
            ...to,
            // The query fields the service writes in the same write (src/infra/mongo/buckets.ts).
            hold: to.status === 'LOCKED' && (to.holdId ?? null) !== null,
            updatedAt: changedAt,
            updatedBucket: updatedBucketOf(changedAt),
          },
          $inc: { revision: 1 },
        },
      );
      return store.slot(slotId);
    },
    /** Inserts a claim on the slot (see claimDocument). */
    async insertClaim(slotId: string, overrides: Partial<ClaimDoc> = {}): Promise<ClaimDoc> {
      const doc = claimDocument(await store.slot(slotId), overrides);
      await claims.insertOne(doc);
      return doc;
    },
  };
  return store;
}

describe('reconciler repairs (grace 0)', () => {
  let t: TestApp;
  let store: ReturnType<typeof storeOf>;
  let slotIds: string[];
  let serviceId: string;

  beforeAll(async () => {
    t = await startTestApp(RECONCILER_ENV);
    store = storeOf(t);
  });
  afterAll(() => t.stop());

  beforeEach(async () => {
    const created = await serviceWithSlots(rpc(t.client));
    slotIds = created.slotIds;
    serviceId = created.service.id;
  });

  /** Runs a pass and checks that the repaired slot's revision grew by exactly `by`. */
  async function repairs(slotId: string, by = 1) {
    const before = await store.slot(slotId);
    const counts = await t.app.reconciler.runOnce();
    const after = await store.slot(slotId);
    expect(after.revision).toBe(before.revision + by);
    return { counts, after };
  }

  it('frees a slot BOOKED by an appointment that does not exist', async () => {
    await store.setSlot(slotIds[0]!, { status: 'BOOKED', appointmentId: new Types.ObjectId() });

    const { counts, after } = await repairs(slotIds[0]!);

    expect(counts.slotsRepaired).toBeGreaterThanOrEqual(1);
    expect(after).toMatchObject({ status: 'AVAILABLE', appointmentId: null, holdId: null });
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('frees a slot BOOKED by a CANCELLED appointment', async () => {
    const cancelled = await store.insertClaim(slotIds[0]!, { status: 'CANCELLED' });
    await store.setSlot(slotIds[0]!, { status: 'BOOKED', appointmentId: cancelled._id });

    const { after } = await repairs(slotIds[0]!);

    expect(after).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('points a slot BOOKED by the wrong appointment at the CONFIRMED claim that holds it', async () => {
    // `other` is a real appointment on slot 1; slot 0 wrongly points at it while `holder` holds slot 0.
    const api = rpc(t.client);
    const other = (await api.bookSlot({ slotId: slotIds[1]!, userId: 'other' })).appointment!;
    const holder = await store.insertClaim(slotIds[0]!, { status: 'CONFIRMED', userId: 'holder' });
    await store.setSlot(slotIds[0]!, { status: 'BOOKED', appointmentId: oid(other.id) });
    const otherSlotBefore = await store.slot(slotIds[1]!);

    const { after } = await repairs(slotIds[0]!);

    expect(after).toMatchObject({ status: 'BOOKED', appointmentId: holder._id });
    expect(await store.slot(slotIds[1]!)).toEqual(otherSlotBefore);
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('books the slot of a CONFIRMED appointment whose slot is AVAILABLE', async () => {
    const a = await store.insertClaim(slotIds[0]!, { status: 'CONFIRMED' });

    const { counts, after } = await repairs(slotIds[0]!);

    expect(counts.slotsRepaired).toBeGreaterThanOrEqual(1);
    expect(after).toMatchObject({ status: 'BOOKED', appointmentId: a._id, holdId: null });
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('books the slot of a confirmed hold whose slot still shows the hold', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const h = await store.insertClaim(slotIds[0]!, {
      status: 'CONFIRMED',
      expiresAt,
      holdSecret: 'x'.repeat(22),
    });
    await store.setSlot(slotIds[0]!, { status: 'LOCKED', holdId: h._id, holdExpiresAt: expiresAt });

    const { after } = await repairs(slotIds[0]!);

    expect(after).toMatchObject({
      status: 'BOOKED',
      appointmentId: h._id,
      holdId: null,
      holdExpiresAt: null,
    });
  });

  it('finishes an interrupted move: frees the old slot and clears previousSlotId', async () => {
    const [from, to] = [slotIds[0]!, slotIds[1]!];
    const a = await store.insertClaim(to, {
      status: 'CONFIRMED',
      previousSlotId: oid(from),
      rescheduledAt: secondsAgo(1),
    });
    await store.setSlot(to, { status: 'BOOKED', appointmentId: a._id });
    await store.setSlot(from, { status: 'BOOKED', appointmentId: a._id });
    const toBefore = await store.slot(to);

    const { counts, after } = await repairs(from);

    expect(counts.movesCompleted).toBeGreaterThanOrEqual(1);
    expect(after).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await store.slot(to)).toEqual(toBefore);
    expect(await store.claim(a._id)).toMatchObject({
      status: 'CONFIRMED',
      slotId: oid(to),
      previousSlotId: null,
    });
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('gives back the new slot of a move that died before the claim moved', async () => {
    const [from, to] = [slotIds[0]!, slotIds[1]!];
    const a = await store.insertClaim(from, { status: 'CONFIRMED' });
    await store.setSlot(from, { status: 'BOOKED', appointmentId: a._id });
    await store.setSlot(to, { status: 'BOOKED', appointmentId: a._id });
    const fromBefore = await store.slot(from);

    const { after } = await repairs(to);

    expect(after).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await store.slot(from)).toEqual(fromBefore);
    expect(await store.claim(a._id)).toMatchObject({ slotId: oid(from), previousSlotId: null });
  });

  it('expires a HELD claim past its expiry and frees its slot', async () => {
    const expiresAt = secondsAgo(5);
    const h = await store.insertClaim(slotIds[0]!, { status: 'HELD', expiresAt, holdSecret: 'x'.repeat(22) });
    await store.setSlot(slotIds[0]!, { status: 'LOCKED', holdId: h._id, holdExpiresAt: expiresAt });

    const { counts, after } = await repairs(slotIds[0]!);

    expect(counts.holdsExpired).toBeGreaterThanOrEqual(1);
    expect(await store.claim(h._id)).toMatchObject({
      status: 'EXPIRED',
      slotClaim: `~${h._id.toHexString()}`,
    });
    expect(after).toMatchObject({ status: 'AVAILABLE', holdId: null, holdExpiresAt: null });
  });

  it('leaves a live hold, a provider block and consistent bookings alone', async () => {
    const api = rpc(t.client);
    await api.bookSlot({ slotId: slotIds[0]!, userId: 'booked' });
    await api.holdSlot({ slotId: slotIds[1]!, userId: 'holding', ttlSeconds: 120 });
    await api.setSlotStatus({ slotId: slotIds[2]!, status: SlotStatus.SLOT_STATUS_LOCKED });
    const before = await Promise.all(slotIds.slice(0, 4).map((id) => store.slot(id)));

    await t.app.reconciler.runOnce();

    expect(await Promise.all(slotIds.slice(0, 4).map((id) => store.slot(id)))).toEqual(before);
  });
});

/**
 * Purges: a pass deletes what has expired since the previous pass (time
 * buckets, see src/use-cases/sweep.ts), and its first pass what expired over
 * the lookback window. Entries are backdated here, so each test writes them
 * before its app's first pass.
 */
describe('reconciler purges (first pass of a fresh instance)', () => {
  let t: TestApp;
  let store: ReturnType<typeof storeOf>;
  let slotIds: string[];

  beforeEach(async () => {
    t = await startTestApp(RECONCILER_ENV);
    store = storeOf(t);
    slotIds = (await serviceWithSlots(rpc(t.client))).slotIds;
  });
  afterEach(() => t.stop());

  it('purges request_log entries older than REQUEST_ID_RETENTION_MS', async () => {
    const old = `BookSlot:someone:${new Types.ObjectId().toHexString()}`;
    const recent = `BookSlot:someone:${new Types.ObjectId().toHexString()}`;
    await store.requests.insertMany([
      {
        _id: old,
        fingerprint: 'f',
        resultId: new Types.ObjectId().toHexString(),
        createdAt: secondsAgo(120),
        createdBucket: createdBucketOf(secondsAgo(120)),
      },
      {
        _id: recent,
        fingerprint: 'f',
        resultId: new Types.ObjectId().toHexString(),
        createdAt: secondsAgo(30),
        createdBucket: createdBucketOf(secondsAgo(30)),
      },
    ]);

    const counts = await t.app.reconciler.runOnce();

    expect(counts.requestsPurged).toBeGreaterThanOrEqual(1);
    expect(await store.requests.findOne({ _id: old })).toBeNull();
    expect(await store.requests.findOne({ _id: recent })).not.toBeNull();
  });

  it('purges VOID claims (ids of refused bookings) older than REQUEST_ID_RETENTION_MS, and only those', async () => {
    const old = await store.insertClaim(slotIds[5]!, { status: 'VOID', createdAt: secondsAgo(120) });
    const recent = await store.insertClaim(slotIds[5]!, { status: 'VOID', createdAt: secondsAgo(30) });
    const cancelled = await store.insertClaim(slotIds[5]!, {
      status: 'CANCELLED',
      createdAt: secondsAgo(120),
    });

    const counts = await t.app.reconciler.runOnce();

    expect(counts.requestsPurged).toBeGreaterThanOrEqual(1);
    expect(await store.claims.findOne({ _id: old._id })).toBeNull();
    expect(await store.claims.findOne({ _id: recent._id })).not.toBeNull();
    expect(await store.claims.findOne({ _id: cancelled._id })).not.toBeNull();
  });
});

describe('reconciler grace period (RECONCILER_GRACE_MS 10 min)', () => {
  let t: TestApp;
  let store: ReturnType<typeof storeOf>;
  beforeAll(async () => {
    t = await startTestApp({ ...RECONCILER_ENV, RECONCILER_GRACE_MS: '600000' });
    store = storeOf(t);
  });
  afterAll(() => t.stop());

  it('leaves a fresh leftover alone (it may be a request in progress) and repairs an old one', async () => {
    const { slotIds } = await serviceWithSlots(rpc(t.client));
    const fresh = await store.setSlot(
      slotIds[0]!,
      { status: 'BOOKED', appointmentId: new Types.ObjectId() },
      new Date(),
    );
    const freshClaim = await store.insertClaim(slotIds[1]!, { status: 'CONFIRMED', updatedAt: new Date() });
    await store.setSlot(
      slotIds[2]!,
      { status: 'BOOKED', appointmentId: new Types.ObjectId() },
      secondsAgo(20 * 60),
    );
    const oldClaim = await store.insertClaim(slotIds[3]!, {
      status: 'CONFIRMED',
      updatedAt: secondsAgo(20 * 60),
    });

    await t.app.reconciler.runOnce();

    expect(await store.slot(slotIds[0]!)).toEqual(fresh);
    expect(await store.slot(slotIds[1]!)).toMatchObject({ status: 'AVAILABLE', revision: 1 });
    expect(await store.claim(freshClaim._id)).toMatchObject({ status: 'CONFIRMED' });
    expect(await store.slot(slotIds[2]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await store.slot(slotIds[3]!)).toMatchObject({ status: 'BOOKED', appointmentId: oldClaim._id });
  });
});

describe('two instances reconciling one database at once', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp(RECONCILER_ENV);
    b = await startTestApp(RECONCILER_ENV, { database: a.database });
  });
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  it('repairs each leftover once and ends in one consistent state', async () => {
    const store = storeOf(a);
    const { service, slotIds } = await serviceWithSlots(rpc(a.client));
    // 4 slots BOOKED by nothing, 4 confirmed claims without their slot, 4 expired holds.
    const orphaned = slotIds.slice(0, 4);
    const unbooked = slotIds.slice(4, 8);
    const expired = slotIds.slice(8, 12);
    for (const id of orphaned)
      await store.setSlot(id, { status: 'BOOKED', appointmentId: new Types.ObjectId() });
    const claims = new Map<string, Types.ObjectId>();
    for (const id of unbooked) claims.set(id, (await store.insertClaim(id, { status: 'CONFIRMED' }))._id);
    const holds = new Map<string, Types.ObjectId>();
    for (const id of expired) {
      const expiresAt = secondsAgo(5);
      const h = await store.insertClaim(id, { status: 'HELD', expiresAt, holdSecret: 'x'.repeat(22) });
      await store.setSlot(id, { status: 'LOCKED', holdId: h._id, holdExpiresAt: expiresAt });
      holds.set(id, h._id);
    }
    const before = new Map(
      await Promise.all(
        slotIds.slice(0, 12).map(async (id) => [id, (await store.slot(id)).revision] as const),
      ),
    );

    const [ca, cb] = await Promise.all([a.app.reconciler.runOnce(), b.app.reconciler.runOnce()]);

    for (const id of orphaned)
      expect(await store.slot(id)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    for (const id of unbooked)
      expect(await store.slot(id)).toMatchObject({ status: 'BOOKED', appointmentId: claims.get(id) });
    for (const id of expired) {
      expect(await store.slot(id)).toMatchObject({ status: 'AVAILABLE', holdId: null });
      expect(await store.claim(holds.get(id)!)).toMatchObject({ status: 'EXPIRED' });
    }
    expect(await invariantViolations(a.db, service.id)).toEqual([]);
    // Each repair happened once: one revision step per slot, and counted by one instance.
    for (const id of slotIds.slice(0, 12)) expect((await store.slot(id)).revision).toBe(before.get(id)! + 1);
    expect(ca.slotsRepaired + cb.slotsRepaired).toBe(8);
    expect(ca.holdsExpired + cb.holdsExpired).toBe(4);
  });
});
