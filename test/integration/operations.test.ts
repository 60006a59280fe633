/**
 * Operating the service: Prometheus metrics that move with the calls, three
 * instances on one database and Redis behaving as one service, and the lock's
 * Redlock quorum over three independent Redis nodes surviving one's death.
 */
import { get } from 'node:http';
import { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { WatchEventType } from '../../src/gen/booking/v1/booking_service';
import { SlotStatus } from '../../src/gen/booking/v1/resources';
import { RedlockSlotGate } from '../../src/infra/redis/slot-gate';
import { serviceWithSlots } from '../factories';
import {
  decodeError,
  failure,
  rpc,
  startTestApp,
  uniqueDatabaseName,
  type TestApp,
} from '../support/harness';
import { startPrivateRedis, type KillableServer } from '../support/processes';
import { openWatch, until } from '../support/watch-client';

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    }).on('error', reject);
  });
}

/** The value of one sample, e.g. metric('x_total', { method: 'BookSlot' }); 0 when absent. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of body.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return 0;
}

describe('metrics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' });
  });
  afterAll(() => t.stop());

  it('serves Prometheus metrics on a port of its own that change as calls are made', async () => {
    const api = rpc(t.client);
    const port = t.app.metricsPort!;
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(t.app.port);
    const before = await scrape(port);
    expect(before).toContain('# TYPE booking_grpc_server_handled_total counter');
    expect(before).toContain('process_cpu_user_seconds_total');

    const { service, slotIds } = await serviceWithSlots(api);
    await api.bookSlot({ slotId: slotIds[0]!, userId: 'metrics-user' });
    const refused = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: 'metrics-other' }));
    expect(refused.reason).toBe('SLOT_UNAVAILABLE');
    const watch = openWatch(t.client, { serviceId: service.id });
    await until(() => t.app.watchStats().streams === 1, 'the watch stream to open');

    const after = await scrape(port);
    const delta = (name: string, labels: Record<string, string>): number =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('booking_grpc_server_handled_total', { method: 'BookSlot', code: 'OK' })).toBe(1);
    expect(
      delta('booking_grpc_server_handled_total', {
        method: 'BookSlot',
        code: 'FAILED_PRECONDITION',
        reason: 'SLOT_UNAVAILABLE',
      }),
    ).toBe(1);
    expect(delta('booking_grpc_server_handling_seconds_count', { method: 'CreateService', code: 'OK' })).toBe(
      1,
    );
    expect(delta('booking_outcomes_total', { operation: 'BookSlot', outcome: 'booked' })).toBe(1);
    expect(delta('booking_outcomes_total', { operation: 'BookSlot', outcome: 'slot_unavailable' })).toBe(1);
    expect(delta('booking_lock_acquire_seconds_count', { outcome: 'acquired' })).toBe(1);
    // The second attempt was refused by the slot-taken marker, before the lock.
    expect(delta('booking_lock_failures_total', { reason: 'taken' })).toBe(1);
    expect(sample(after, 'booking_watch_streams_active')).toBe(1);
    // Nothing waits to be published again while Redis takes every publish.
    expect(after).toContain('# TYPE booking_slot_events_unpublished gauge');
    expect(after).toMatch(/^booking_slot_events_unpublished 0$/m);
    watch.cancel();

    // A crash leftover, repaired: the reconciler's repairs are counted.
    const slotId = new Types.ObjectId(slotIds[1]!);
    await t.db
      .collection('slots')
      .updateOne({ _id: slotId }, { $set: { status: 'BOOKED', appointmentId: new Types.ObjectId() } });
    await t.app.reconciler.runOnce();
    const repaired = await scrape(port);
    expect(
      sample(repaired, 'booking_reconciler_repairs_total', { kind: 'slotsRepaired' }),
    ).toBeGreaterThanOrEqual(1);
    await until(() => t.app.watchStats().streams === 0, 'the watch stream to close');
    expect(sample(await scrape(port), 'booking_watch_streams_active')).toBe(0);
  });
});

describe('three instances on one database and Redis', () => {
  const apps: TestApp[] = [];
  beforeAll(async () => {
    const database = uniqueDatabaseName('three');
    for (let i = 0; i < 3; i++) apps.push(await startTestApp({}, { database }));
  });
  afterAll(async () => {
    for (const a of apps) await a.stop();
  });

  it('behave as one service: one winner per slot, cancel anywhere, streams see every instance', async () => {
    const [a, b, c] = apps.map((x) => rpc(x.client)) as [
      ReturnType<typeof rpc>,
      ReturnType<typeof rpc>,
      ReturnType<typeof rpc>,
    ];
    const { service, slotIds } = await serviceWithSlots(a);
    const watch = openWatch(apps[2]!.client, { serviceId: service.id, sendInitialSnapshot: true });
    await until(() => watch.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED).length === 1, 'the snapshot');

    // 30 concurrent bookings of one slot spread over the three instances.
    const apis = [a, b, c];
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => apis[i % 3]!.bookSlot({ slotId: slotIds[0]!, userId: `u${i}` })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected')
        expect(['SLOT_BUSY', 'SLOT_UNAVAILABLE']).toContain(decodeError(r.reason).reason);
    }
    const appointment = (won[0] as PromiseFulfilledResult<{ appointment?: { id: string; userId: string } }>)
      .value.appointment!;

    // Booked through one instance, read and cancelled through the others.
    expect((await b.getAppointment({ appointmentId: appointment.id })).appointment!.userId).toBe(
      appointment.userId,
    );
    await c.cancelAppointment({ appointmentId: appointment.id, userId: appointment.userId });
    const rebooked = await b.bookSlot({ slotId: slotIds[0]!, userId: 'after-cancel' });
    expect(rebooked.appointment!.slot!.status).toBe(SlotStatus.SLOT_STATUS_BOOKED);

    // The watcher on instance C saw booked, freed, booked again, in order.
    await until(
      () => watch.changes().filter((m) => m.slot?.id === slotIds[0]).length >= 3,
      'three changes of the slot on the third instance',
      { detail: () => watch.describe() },
    );
    const statuses = watch
      .changes()
      .filter((m) => m.slot?.id === slotIds[0])
      .map((m) => m.slot!.status);
    expect(statuses).toEqual([
      SlotStatus.SLOT_STATUS_BOOKED,
      SlotStatus.SLOT_STATUS_AVAILABLE,
      SlotStatus.SLOT_STATUS_BOOKED,
    ]);
    watch.cancel();
  });
});

describe('the lock over three independent Redis nodes (Redlock quorum)', () => {
  const nodes: KillableServer[] = [];
  let t: TestApp;
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) nodes.push(await startPrivateRedis());
    t = await startTestApp({
      REDIS_LOCK_URLS: nodes.map((n) => n.uri).join(','),
      BOOKING_LOCK_FAILURE_MODE: 'reject', // any lock failure would show as LOCK_UNAVAILABLE
    });
  });
  afterAll(async () => {
    await t?.stop();
    for (const n of nodes) await n.dispose();
  });

  it('tries again after a split vote (a minority of nodes held, another down) instead of answering busy', async () => {
    // Node 1 down, node 0 held by another attempt that cannot reach a majority
    // either: the first try takes node 2 only and is refused. That holder lets
    // go as soon as it sees the try (the set on node 2), as a losing attempt of
    // a split does; the retry then takes nodes 0 and 2.
    const [n0, n1, n2] = nodes as [KillableServer, KillableServer, KillableServer];
    const key = 'booking:lock:slot:split-vote';
    const clients = [n0, n1, n2].map((n) => new Redis(n.uri, { lazyConnect: true, maxRetriesPerRequest: 0 }));
    const watcher = new Redis(n2.uri);
    const holder = new Redis(n0.uri);
    try {
      await n1.kill();
      await watcher.config('SET', 'notify-keyspace-events', 'K$');
      await watcher.subscribe(`__keyspace@0__:${key}`);
      let triesSeen = 0;
      watcher.on('message', (_channel: string, event: string) => {
        if (event !== 'set') return;
        triesSeen += 1;
        void holder.del(key);
      });
      await holder.set(key, 'another-attempt', 'PX', 60_000);
      const gate = new RedlockSlotGate(clients, 10_000, holder, 0);
      const result = await gate.tryAcquire('split-vote');
      expect(result.outcome).toBe('acquired');
      // Refused once, then taken: node 2 saw two tries (its notifications may trail the answer).
      await until(() => triesSeen >= 2, 'a second try on node 2');
      if (result.outcome === 'acquired') await result.release();
    } finally {
      watcher.disconnect();
      holder.disconnect();
      for (const c of clients) c.disconnect();
      await n1.start();
    }
  });

  it('keeps booking correctly when one node dies during a burst', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api); // 16 slots
    const outcomes: string[] = [];
    const burst = (slots: string[], tag: string) =>
      Promise.allSettled(
        slots.flatMap((slotId, s) =>
          Array.from({ length: 8 }, (_, i) =>
            api.bookSlot({ slotId, userId: `${tag}-${s}-${i}` }).then(
              () => outcomes.push('OK'),
              (err: unknown) => outcomes.push(decodeError(err).reason ?? 'NONE'),
            ),
          ),
        ),
      );

    const first = burst(slotIds.slice(0, 8), 'a');
    await nodes[1]!.kill(); // mid-burst
    await first;
    await burst(slotIds.slice(8), 'b'); // with two of three nodes: still a quorum

    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(16);
    for (const o of outcomes) expect(['OK', 'SLOT_BUSY', 'SLOT_UNAVAILABLE']).toContain(o);
    for (const slotId of slotIds) {
      const confirmed = await t.db
        .collection('appointments')
        .countDocuments({ slotId: new Types.ObjectId(slotId), status: 'CONFIRMED' });
      expect(confirmed).toBe(1);
    }
  });

  it('answers LOCK_UNAVAILABLE (in reject mode) once the quorum is lost, and nothing is stored', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    await nodes[2]!.kill(); // one of three left
    const refused = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: 'no-quorum' }));
    expect(refused.reason).toBe('LOCK_UNAVAILABLE');
    expect(
      await t.db.collection('appointments').countDocuments({ slotId: new Types.ObjectId(slotIds[0]!) }),
    ).toBe(0);
    await nodes[1]!.start();
    await until(async () => {
      try {
        await api.bookSlot({ slotId: slotIds[0]!, userId: 'quorum-back' });
        return true;
      } catch {
        return false;
      }
    }, 'bookings to work again with two of three nodes');
  });
});
