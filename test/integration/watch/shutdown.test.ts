/**
 * WatchSlotAvailability when the server shuts down: every open stream ends with
 * UNAVAILABLE, and the server drains.
 */
import { status as Code } from '@grpc/grpc-js';
import { serviceWithSlots } from '../../factories';
import { rpc } from '../../support/harness';
import { useDescribeApp } from '../../support/describe-app';
import { openWatch } from '../../support/watch-client';
import { NOTHING, statsReach } from '../../support/watch-app';

describe('WatchSlotAvailability when the server shuts down', () => {
  // A long grace period: streams must end because the server ends them, not because it cuts them.
  const t = useDescribeApp({ RECONCILER_ENABLED: 'false', SHUTDOWN_GRACE_MS: '20000' });

  it('ends every open stream with UNAVAILABLE, reason SHUTTING_DOWN, and drains', async () => {
    const api = rpc(t.client);
    const a = await serviceWithSlots(api);
    const b = await serviceWithSlots(api);
    const watches = [
      openWatch(t.client, { serviceId: a.service.id, sendInitialSnapshot: true }, { label: 'snapshot' }),
      openWatch(t.client, { serviceId: a.service.id }, { label: 'from now' }),
      openWatch(t.client, { serviceId: b.service.id, sendInitialSnapshot: true }, { label: 'other service' }),
    ];
    await watches[0]!.synced();
    await watches[2]!.synced();
    await statsReach(t, { tails: 2, subscribers: 3, streams: 3 });

    const shutdown = t.app.shutdown('test');
    const ends = await Promise.all(watches.map((w) => w.failure()));
    for (const err of ends) expect([Code[err.code], err.reason]).toEqual(['UNAVAILABLE', 'SHUTTING_DOWN']);
    await shutdown;
    expect(t.app.watchStats()).toEqual(NOTHING);
  });
});
