/**
 * Operating the service: the lock's Redlock quorum over three independent
 * Redis nodes, retrying after a split vote and surviving one node's death.
 */
import { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { RedlockSlotGate } from '../../../src/infra/redis/slot-gate';
import { serviceWithSlots } from '../../factories';
import { decodeError, failure, rpc, startTestApp, type TestApp } from '../../support/harness';
import { startPrivateRedis, type KillableServer } from '../../support/processes';
import { until } from '../../support/watch-client';

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
