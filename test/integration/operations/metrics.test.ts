/**
 * Operating the service: Prometheus metrics on a port of their own that move
 * with the calls.
 */
import { get } from 'node:http';
import { Types } from 'mongoose';
import { serviceWithSlots } from '../../factories';
import { failure, rpc } from '../../support/harness';
import { useDescribeApp } from '../../support/describe-app';
import { openWatch, until } from '../../support/watch-client';

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
  const t = useDescribeApp({ RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' });

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
