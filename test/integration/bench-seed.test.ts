/**
 * The growth benchmark seeds history through the service's repositories
 * (bench/lib/seed.ts): its documents must be the ones the service writes,
 * field for field, and keep the service's invariants.
 */
import { Types } from 'mongoose';
import { GrowthSeeder } from '../../bench/lib/seed';
import { serviceWithSlots } from '../factories';
import { invariantViolations } from '../support/harness';
import { api, t, useFileApp } from '../support/file-app';
import { eventually } from '../support/processes';

useFileApp({ RECONCILER_ENABLED: 'false' });

type Doc = Record<string, unknown>;

const typeOf = (v: unknown): string =>
  v === null
    ? 'null'
    : v instanceof Date
      ? 'date'
      : v instanceof Types.ObjectId
        ? 'objectId'
        : Array.isArray(v)
          ? 'array'
          : typeof v;

/** The fields of `a` and `b` with their types, where they differ (null matches anything: it is a state). */
function shapeDifferences(a: Doc, b: Doc): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!(key in a) || !(key in b)) {
      out.push(`${key}: ${key in a ? 'only in the service' : 'only in the seed'}`);
      continue;
    }
    const [ta, tb] = [typeOf(a[key]), typeOf(b[key])];
    if (ta !== tb && ta !== 'null' && tb !== 'null') out.push(`${key}: ${ta} vs ${tb}`);
  }
  return out.sort();
}

it('writes slots, appointments and request ids shaped as the service writes them', async () => {
  const { service, slotIds } = await serviceWithSlots(
    api,
    {
      timeZone: 'UTC',
      openingTime: { hours: 8, minutes: 0, seconds: 0, nanos: 0 },
      closingTime: { hours: 16, minutes: 0, seconds: 0, nanos: 0 },
      slotDurationMinutes: 15,
    },
    40,
  );
  const booked = (await api.bookSlot({ slotId: slotIds[0]!, userId: 'alice', requestId: 'r-1' }))
    .appointment!;
  const cancelled = (await api.bookSlot({ slotId: slotIds[1]!, userId: 'bob' })).appointment!;
  await api.cancelAppointment({ appointmentId: cancelled.id, userId: 'bob', reason: 'plans changed' });

  const db = t.db.db!;
  const seeder = new GrowthSeeder(db, {
    services: [
      { id: service.id, timeZone: 'UTC', openingMinute: 480, closingMinute: 960, slotDurationMinutes: 15 },
    ],
    historyUser: 'history-user',
    historyClaims: 5,
    users: 10,
    batch: 25,
    log: () => undefined,
  });
  await seeder.futureSlots(
    { id: service.id, timeZone: 'UTC', openingMinute: 480, closingMinute: 960, slotDurationMinutes: 15 },
    1,
  );
  await seeder.growTo(100);

  const counts = await seeder.counts();
  expect(counts.slots).toBeGreaterThanOrEqual(100);
  // 36 new past slots: at most two appointments each (a cancelled one, then a booking again).
  expect(counts.appointments).toBeGreaterThan(50);
  expect(counts.request_log).toBeGreaterThanOrEqual(100);

  const oid = (id: string) => new Types.ObjectId(id);
  const one = async (collection: string, filter: Doc): Promise<Doc> => {
    const doc = await db.collection(collection).findOne(filter);
    expect(doc).not.toBeNull();
    return doc as Doc;
  };
  const seeded = { userId: { $nin: ['alice', 'bob'] } };
  const pairs: [string, Doc, Doc][] = [
    [
      'booked slot',
      await one('slots', { _id: oid(booked.slot!.id) }),
      await one('slots', { status: 'BOOKED' }),
    ],
    [
      'slot freed by a cancellation',
      await one('slots', { _id: oid(cancelled.slot!.id) }),
      await one('slots', { status: 'AVAILABLE', revision: { $gt: 1 } }),
    ],
    [
      'confirmed appointment',
      await one('appointments', { _id: oid(booked.id) }),
      await one('appointments', { ...seeded, status: 'CONFIRMED' }),
    ],
    [
      'cancelled appointment',
      await one('appointments', { _id: oid(cancelled.id) }),
      await one('appointments', { ...seeded, status: 'CANCELLED' }),
    ],
    [
      'request id',
      await one('request_log', { _id: { $regex: ':alice:' } }),
      await one('request_log', { _id: { $not: { $regex: ':alice:' } } }),
    ],
  ];
  for (const [what, fromService, fromSeed] of pairs) {
    expect({ what, differences: shapeDifferences(fromService, fromSeed) }).toEqual({ what, differences: [] });
  }
  expect(await invariantViolations(t.db)).toEqual([]);
  // Nothing pending: the entries of applied transitions are deleted in a batch within about a second.
  await eventually(
    async () => (await db.collection('claim_transitions').countDocuments({})) === 0 || undefined,
    { timeoutMs: 10_000, intervalMs: 200, what: 'claim_transitions emptied by the batched delete' },
  );
  const history = await api.listAppointments({
    userId: 'history-user',
    status: 0,
    pageSize: 50,
    pageToken: '',
  });
  expect(history.appointments).toHaveLength(5);
});
