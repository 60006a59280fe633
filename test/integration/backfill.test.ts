/**
 * The start-up migration (src/infra/mongo/backfill.ts) on a database written
 * before the query fields existed: the fields the queries select by are
 * removed from documents the service wrote, the migration's record deleted,
 * and an instance started on that database must put back exactly what the
 * service writes itself, so that its lookups find them again.
 */
import type { Document } from 'mongodb';
import { serviceWithSlots } from '../factories';
import { failure, rpc, startTestApp, type TestApp } from '../support/harness';

const REMOVED: Record<string, string[]> = {
  slots: ['serviceDay', 'hold', 'updatedBucket'],
  services: ['slotDays'],
  appointments: ['updatedBucket', 'voidBucket'],
  request_log: ['createdBucket'],
};

describe('start-up backfill of the query fields', () => {
  let first: TestApp | undefined;
  let second: TestApp | undefined;

  afterAll(async () => {
    await second?.stop();
    await first?.stop();
  });

  it('restores the fields an older version did not write, once, and the lookups find the documents again', async () => {
    first = await startTestApp({ RECONCILER_ENABLED: 'false' });
    const api = rpc(first.client);
    const { service, slotIds } = await serviceWithSlots(api);
    const booked = (await api.bookSlot({ slotId: slotIds[0]!, userId: 'old-user', requestId: 'r-1' }))
      .appointment!;
    await api.holdSlot({ slotId: slotIds[1]!, userId: 'old-user', ttlSeconds: 120 });
    // Refused with a request_id: a VOID claim (the only claims with a voidBucket).
    const refused = await failure(
      api.bookSlot({ slotId: slotIds[0]!, userId: 'other-user', requestId: 'r-2' }),
    );
    expect(refused.reason).toBe('SLOT_UNAVAILABLE');

    const db = first.db.db!;
    const snapshot = async (): Promise<Record<string, Document[]>> => {
      const out: Record<string, Document[]> = {};
      for (const name of Object.keys(REMOVED))
        out[name] = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
      return out;
    };
    const written = await snapshot();
    expect(written.appointments!.some((c) => c.status === 'VOID' && c.voidBucket !== undefined)).toBe(true);
    expect(written.slots!.some((s) => s.hold === true)).toBe(true);

    // The database as an earlier version left it.
    for (const [name, fields] of Object.entries(REMOVED))
      await db.collection(name).updateMany({}, { $unset: Object.fromEntries(fields.map((f) => [f, ''])) });
    await db.collection('migrations').deleteMany({});
    const stripped = await snapshot();
    for (const [name, fields] of Object.entries(REMOVED))
      for (const doc of stripped[name]!) for (const f of fields) expect(doc[f]).toBeUndefined();
    // An instance of this version starting on it (the first one keeps running, idle: stopping
    // it would drop the test database).
    second = await startTestApp({ RECONCILER_ENABLED: 'false' }, { database: first.database });
    const after = second.db.db!;
    for (const name of Object.keys(REMOVED))
      expect({ name, docs: await after.collection(name).find({}).sort({ _id: 1 }).toArray() }).toEqual({
        name,
        docs: written[name],
      });
    expect(await after.collection('migrations').countDocuments({})).toBe(1);

    // The lookups that select by those fields find the documents again.
    const api2 = rpc(second.client);
    const day = await api2.listSlots({ serviceId: service.id, pageSize: 100, pageToken: '' });
    expect(day.slots.map((s) => s.id)).toEqual(expect.arrayContaining(slotIds.slice(0, 2)));
    const history = await api2.listAppointments({
      userId: 'old-user',
      status: 0,
      pageSize: 10,
      pageToken: '',
    });
    expect(history.appointments.map((a) => a.id)).toEqual([booked.id]);
    // A retry of the refused request still gets its refusal (found through the VOID claim).
    const again = await failure(
      api2.bookSlot({ slotId: slotIds[0]!, userId: 'other-user', requestId: 'r-2' }),
    );
    expect(again.reason).toBe('SLOT_UNAVAILABLE');
  });
});
