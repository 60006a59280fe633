/**
 * The reconciler converges slot projections on the claim records after a crash
 * between two writes. Each test crafts such leftovers straight in the database,
 * runs one pass (`reconciler.runOnce()`, no background loop) and checks the
 * repaired state. Here: the purges of old request_log
 * entries and VOID claims.
 */
import { Types } from 'mongoose';
import { createdBucketOf } from '../../../src/infra/mongo/buckets';
import { serviceWithSlots } from '../../factories';
import { rpc, startTestApp, type TestApp } from '../../support/harness';
import { RECONCILER_ENV, secondsAgo, storeOf } from '../../support/reconciler';

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
