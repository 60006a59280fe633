/**
 * Every query the service sends on a request path or in periodic work is one
 * the database serves from an index (issue 13). Each RPC's path and one
 * reconciler pass are driven against a little state (an expired hold, a slot
 * pointing at a missing appointment, an old VOID claim and request_log entry,
 * a claim transition left behind); every find / findAndModify / update /
 * delete / count / aggregate the app sends is captured (driver command
 * monitoring), and then:
 *  - its filter's top-level equality fields must be lookup fields of its
 *    collection in src/infra/mongo/indexed-fields.ts (the list the PostgreSQL
 *    provisioning indexes), or conditions that come with an `_id` equality;
 *  - the database must say it serves it: on FerretDB on PostgreSQL, `explain`
 *    must report `filterPushdown` with a lookup field in the pushed-down SQL;
 *    on MongoDB the winning plan must have no COLLSCAN (written, but not run
 *    here: no MongoDB server can be installed on this machine). FerretDB on
 *    SQLite pushes down only `{_id: x}`: there this test fails, saying so.
 * The deliberate scans are listed in EXCEPTIONS, each with its reason.
 */
import { Types } from 'mongoose';
import { AppointmentStatus, SlotStatus } from '../../src/gen/booking/v1/resources';
import { CONDITION_FIELDS, EQUALITY_FIELDS, type CollectionName } from '../../src/infra/mongo/indexed-fields';
import { registerModels, type Models } from '../../src/infra/mongo/models';
import { futureDate, serviceWithSlots } from '../factories';
import { failure, rpc, startTestApp, type TestApp } from '../support/harness';
import { openWatch } from '../support/watch-client';
import {
  backendOf,
  describe_,
  equalityFields,
  leaveLeftovers,
  lookupFields,
  mongoProblem,
  postgresProblem,
  placesSteps,
  queryRecorder,
  type Query,
} from '../support/query-pushdown';
import { EXCEPTIONS } from '../support/query-pushdown-exceptions';

const ENV = { RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0', REQUEST_ID_RETENTION_MS: '60000' };

describe('query pushdown: every query is an indexed lookup', () => {
  let t: TestApp;
  let second: TestApp | undefined;
  const queries: Query[] = [];

  const step = queryRecorder(queries);

  beforeAll(async () => {
    t = await startTestApp(ENV);
    const api = rpc(t.client);

    const { service, slotIds } = await serviceWithSlots(api);
    const serviceId = service.id;
    const userId = 'pushdown-user';
    const day = futureDate(30);
    const windowStart = new Date(Date.UTC(day.year, day.month - 1, day.day));
    const window = { startTime: windowStart, endTime: new Date(windowStart.getTime() + 86_400_000) };

    await step('GetService', () => api.getService({ serviceId }));
    await step('ListServices', () => api.listServices({ pageSize: 10 }));
    await step('ListServices active_only, page 2', async () => {
      const first = await api.listServices({ pageSize: 1, activeOnly: true });
      await api.listServices({ pageSize: 1, activeOnly: true, pageToken: first.nextPageToken });
    });
    await step('GenerateSlots', () =>
      api.generateSlots({ serviceId, startDate: futureDate(31), endDate: futureDate(32) }),
    );
    await step('ListSlots without a window', () => api.listSlots({ serviceId, pageSize: 50 }));
    await step('ListSlots with a window', () => api.listSlots({ serviceId, ...window, pageSize: 50 }));
    await step('ListSlots by status', () =>
      api.listSlots({ serviceId, ...window, status: SlotStatus.SLOT_STATUS_AVAILABLE, pageSize: 50 }),
    );
    await step('ListSlots page 2', async () => {
      const first = await api.listSlots({ serviceId, pageSize: 5 });
      await api.listSlots({ serviceId, pageSize: 5, pageToken: first.nextPageToken });
    });
    await step('SetSlotStatus', async () => {
      await api.setSlotStatus({ slotId: slotIds[10]!, status: SlotStatus.SLOT_STATUS_LOCKED });
      await api.setSlotStatus({ slotId: slotIds[10]!, status: SlotStatus.SLOT_STATUS_AVAILABLE });
    });
    const current = async () => (await api.getService({ serviceId })).service!;
    await step('UpdateService', async () =>
      api.updateService({ service: { ...(await current()), name: 'renamed' }, updateMask: ['name'] }),
    );
    // Off, then on: each sweeps the service's future slots day by day.
    await step('UpdateService active off, then on', async () => {
      await api.updateService({ service: { ...(await current()), active: false }, updateMask: ['active'] });
      await api.updateService({ service: { ...(await current()), active: true }, updateMask: ['active'] });
    });
    // An update decided but never written (its writer crashed): the next update writes it, and is refused.
    const revision = Number((await current()).etag);
    await t.db.collection('service_changes').insertOne({
      _id: `${serviceId}:${revision + 1}`,
      serviceId: new Types.ObjectId(serviceId),
      revision: revision + 1,
      set: { name: 'left behind', revision: revision + 1 },
      by: 'crashed',
      paths: ['name'],
      at: new Date(),
    } as never);
    await step('UpdateService finding an update left behind', async () => {
      const err = await failure(
        api.updateService({ service: { id: serviceId, name: 'x' }, updateMask: ['name'] }),
      );
      expect(err.reason).toBe('SERVICE_CHANGED');
      expect((await current()).name).toBe('left behind');
    });
    const { service: archived } = await serviceWithSlots(api);
    await step('DeleteService, then GenerateSlots refused', async () => {
      await api.deleteService({ serviceId: archived.id });
      const err = await failure(
        api.generateSlots({ serviceId: archived.id, startDate: futureDate(31), endDate: futureDate(31) }),
      );
      expect(err.reason).toBe('SERVICE_ARCHIVED');
    });
    await step('ListServices show_deleted', () => api.listServices({ pageSize: 10, showDeleted: true }));

    let appointmentId = '';
    await step('BookSlot', async () => {
      const res = await api.bookSlot({ slotId: slotIds[0]!, userId, serviceId, requestId: 'book-1' });
      appointmentId = res.appointment!.id;
    });
    // Refused with a request_id: the refusal is made final with a VOID claim.
    await step('BookSlot refused', () =>
      api.bookSlot({ slotId: slotIds[0]!, userId: 'someone-else', requestId: 'book-2' }).then(
        () => {
          throw new Error('the second booking of a slot succeeded');
        },
        () => undefined,
      ),
    );
    await step('HoldSlot, then BookSlot with its hold_token', async () => {
      const hold = await api.holdSlot({ slotId: slotIds[1]!, userId, ttlSeconds: 120 });
      await api.bookSlot({ slotId: slotIds[1]!, userId, holdToken: hold.holdToken });
    });
    await step('HoldSlot, then ReleaseHold', async () => {
      const hold = await api.holdSlot({ slotId: slotIds[2]!, userId, ttlSeconds: 120 });
      await api.releaseHold({ holdToken: hold.holdToken, userId });
    });
    await step('RescheduleAppointment', () =>
      api.rescheduleAppointment({ appointmentId, userId, newSlotId: slotIds[3]!, requestId: 'move-1' }),
    );
    await step('CancelAppointment', () =>
      api.cancelAppointment({ appointmentId, userId, reason: 'no longer needed', requestId: 'cancel-1' }),
    );
    await step('GetAppointment', () => api.getAppointment({ appointmentId }));
    await step('ListAppointments', () => api.listAppointments({ userId, pageSize: 10 }));
    await step('ListAppointments by status, page 2', async () => {
      const status = AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED;
      const first = await api.listAppointments({ userId, status, pageSize: 1 });
      await api.listAppointments({ userId, status, pageSize: 1, pageToken: first.nextPageToken });
    });
    await step('WatchSlotAvailability snapshot', async () => {
      const watch = openWatch(t.client, { serviceId, sendInitialSnapshot: true });
      await watch.synced();
      watch.cancel();
    });

    await placesSteps(api, step, userId);
    await leaveLeftovers(t.db, slotIds, userId);

    await step('reconciler pass', async () => {
      const counts = await t.app.reconciler.runOnce();
      // The pass did find the leftovers (so their repairs' queries were sent).
      expect(counts.holdsExpired).toBeGreaterThanOrEqual(1);
      expect(counts.slotsRepaired).toBeGreaterThanOrEqual(1);
      expect(counts.transitionsSettled).toBeGreaterThanOrEqual(1);
      expect(counts.requestsPurged).toBeGreaterThanOrEqual(2);
    });
    // The places ledger's queries were among those captured: by `_id`, and by bucket.
    const ledger = queries.filter((q) => q.collection === 'slot_places');
    expect([...new Set(ledger.map((q) => equalityFields(q.filter).join()))].sort()).toEqual([
      '_id',
      'updatedBucket',
    ]);
    // A second instance on the same database: start-up reads whether the migration has run.
    await step('start-up of another instance', async () => {
      second = await startTestApp(ENV, { database: t.database });
    });
  });

  afterAll(async () => {
    await second?.stop();
    await t?.stop();
  });

  const notExcepted = (q: Query): boolean =>
    !EXCEPTIONS.some((e) => e.collection === q.collection && e.applies(q));

  it('lists the collections of models.ts, and every exception is still needed', () => {
    const models = registerModels(t.db);
    const collections = (Object.keys(models) as (keyof Models)[]).map(
      (k) => models[k].collection.collectionName,
    );
    expect(Object.keys(EQUALITY_FIELDS).sort()).toEqual(collections.sort());
    for (const e of EXCEPTIONS) {
      expect({
        exception: e.reason,
        used: queries.some((q) => q.collection === e.collection && e.applies(q)),
      }).toEqual({ exception: e.reason, used: true });
    }
  });

  it('selects by top-level equality on a lookup field of indexed-fields.ts (other equalities only with `_id`)', () => {
    const offending: string[] = [];
    for (const q of queries.filter(notExcepted)) {
      const fields = equalityFields(q.filter);
      const lookups = lookupFields(q.collection);
      const conditions = fields.includes('_id')
        ? (CONDITION_FIELDS[q.collection as CollectionName] ?? [])
        : [];
      const unlisted = fields.filter((f) => !lookups.includes(f) && !conditions.includes(f));
      if (!fields.some((f) => lookups.includes(f))) offending.push(`${describe_(q)}: no lookup field`);
      else if (unlisted.length > 0) offending.push(`${describe_(q)}: ${unlisted.join(', ')} not listed`);
    }
    expect(offending).toEqual([]);
  });

  it('is served by an index: pushed down on FerretDB on PostgreSQL, no COLLSCAN on MongoDB', async () => {
    const backend = await backendOf(t.db);
    if (backend === 'ferretdb-sqlite') {
      throw new Error(
        'this test needs FerretDB on PostgreSQL or MongoDB: FerretDB on SQLite pushes down only `{_id: x}`, ' +
          'so it cannot tell an indexed lookup from a collection scan',
      );
    }
    const offending: string[] = [];
    for (const q of queries.filter(notExcepted)) {
      const problem = backend === 'mongodb' ? await mongoProblem(t.db, q) : await postgresProblem(t.db, q);
      if (problem) offending.push(`${describe_(q)}: ${problem}`);
    }
    expect({ backend, offending }).toEqual({ backend, offending: [] });
  });
});
