/**
 * Fan-out smoke test: 1,000 concurrent subscribers of one service (100
 * streams on each of 10 connections) all receive every change, in order; and
 * when they go, the instance holds no reader, subscriber or stream.
 */
import type { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import { createService, futureDate } from '../factories';
import { rpc, startTestApp, type TestApp } from '../support/harness';
import { changeSummary, openWatch, separateClient, until, type Watch } from '../support/watch-client';

const CONNECTIONS = 10;
const STREAMS_PER_CONNECTION = 100;
const SUBSCRIBERS = CONNECTIONS * STREAMS_PER_CONNECTION;
const CHANGES = 20;

describe('1,000 subscribers of one service', () => {
  let t: TestApp;
  const clients: BookingServiceClient[] = [];
  const watches: Watch[] = [];

  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false', WATCH_MAX_STREAMS_PER_PRINCIPAL: '5000' });
    for (let i = 0; i < CONNECTIONS; i++) clients.push(separateClient(t.target));
  });
  afterAll(async () => {
    for (const w of watches) if (!w.ended) w.cancel();
    for (const c of clients) c.close();
    await t.stop();
  });

  it('each receive all 20 changes in order, and leave nothing behind when they go', async () => {
    const api = rpc(t.client);
    const service = await createService(api); // 16 slots a day
    const serviceId = service.id;
    // The probe sees the slots' creation, so the revision it ends on covers them.
    const probe = openWatch(t.client, { serviceId, sendInitialSnapshot: true }, { label: 'probe' });
    watches.push(probe);
    await probe.synced();
    await api.generateSlots({ serviceId, startDate: futureDate(30), endDate: futureDate(31) });
    const created = await probe.waitForChanges(32);
    const since = created.at(-1)!.revision;
    const slotIds = created.map((m) => m.slot!.id);

    // All subscribers resume from the same revision (so it would not matter
    // whether they were connected before the changes are made); they connect
    // a connection's worth (100 streams) at a time.
    const subscribers: Watch[] = [];
    const noneEnded = () => {
      const ended = subscribers.find((w) => w.ended);
      if (ended) throw new Error(`a subscriber ended: ${ended.describe()}`);
    };
    for (const [c, client] of clients.entries()) {
      for (let i = 0; i < STREAMS_PER_CONNECTION; i++) {
        const label = `subscriber ${c}.${i}`;
        subscribers.push(openWatch(client, { serviceId, sinceRevision: since }, { label }));
      }
      watches.push(...subscribers.slice(-STREAMS_PER_CONNECTION));
      await until(
        () => {
          noneEnded();
          return t.app.watchStats().subscribers === subscribers.length + 1;
        },
        `${subscribers.length} subscribers`,
        { detail: () => JSON.stringify(t.app.watchStats()) },
      );
    }

    expect(subscribers).toHaveLength(SUBSCRIBERS);

    await Promise.all(
      slotIds.slice(0, CHANGES).map((slotId, i) => api.bookSlot({ slotId, userId: `fan-${i}` })),
    );
    await probe.waitForChanges(32 + CHANGES);
    const expected = probe
      .changes()
      .slice(32)
      .map((m) => [m.revision, ...changeSummary(m)]);

    await until(
      () => {
        noneEnded();
        return subscribers.every((w) => w.changes().length >= CHANGES);
      },
      'every subscriber to get them',
      {
        timeoutMs: 30_000,
        detail: () => {
          const behind = subscribers.filter((w) => w.changes().length < CHANGES);
          return `${behind.length} behind, e.g. ${behind[0]?.describe() ?? ''}`;
        },
      },
    );
    const wrong = subscribers.filter(
      (w) =>
        JSON.stringify(w.changes().map((m) => [m.revision, ...changeSummary(m)])) !==
        JSON.stringify(expected),
    );
    expect(wrong.map((w) => w.describe())).toEqual([]);
    expect(subscribers.filter((w) => w.ended).map((w) => w.describe())).toEqual([]);

    for (const w of watches) w.cancel();
    await until(() => watches.every((w) => w.ended), 'every stream to end');
    await until(
      () => {
        const s = t.app.watchStats();
        return s.tails === 0 && s.subscribers === 0 && s.streams === 0;
      },
      'watchStats to return to zero',
      { detail: () => JSON.stringify(t.app.watchStats()) },
    );
  });
});
