/**
 * The per-principal limit on watch streams (WATCH_MAX_STREAMS_PER_PRINCIPAL=2):
 * counted per subject, whatever the token; a closed stream frees its place.
 */
import * as grpc from '@grpc/grpc-js';
import { AuthFixture, syncedOrEnded } from '../../support/auth/fixture';
import { bearer } from '../../support/tokens';
import { WatchSlotAvailabilityRequest } from '../../../src/gen/booking/v1/booking_service';
import { until, Watch } from '../../support/watch-client';

const f = new AuthFixture();
beforeAll(() => f.start(1));
afterAll(() => f.stop());

describe('watch streams per principal (WATCH_MAX_STREAMS_PER_PRINCIPAL=2)', () => {
  const open: Watch[] = [];
  afterAll(() => {
    for (const w of open) if (!w.ended) w.cancel();
  });
  const watchAs = (metadata: grpc.Metadata, label: string): Watch => {
    const w = f.openWatch(metadata, label);
    open.push(w);
    return w;
  };
  /** Two synced streams of `subject`, with a token of its own: the principal at its limit. */
  const atTheLimit = async (subject: string) => {
    const metadata = bearer(await f.token({ subject, roles: ['user'] }));
    const first = watchAs(metadata, `${subject} 1`);
    const second = watchAs(metadata, `${subject} 2`);
    await first.synced();
    await second.synced();
    return { metadata, first, second };
  };

  it('the third concurrent stream of one principal is RESOURCE_EXHAUSTED (TOO_MANY_STREAMS); others still get theirs', async () => {
    const { metadata: carol, first, second } = await atTheLimit('carol');

    const third = watchAs(carol, 'carol 3');
    expect(await third.failure()).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      reason: 'TOO_MANY_STREAMS',
      metadata: { limit: '2' },
    });
    // Another token of the same subject counts against the same limit.
    const again = watchAs(bearer(await f.token({ subject: 'carol', roles: ['user'] })), 'carol 4');
    expect((await again.failure()).reason).toBe('TOO_MANY_STREAMS');

    const dave = watchAs(bearer(await f.token({ subject: 'dave', roles: ['user'] })), 'dave');
    await dave.synced();
    expect(first.ended || second.ended).toBe(false);

    // Closing one frees its place.
    const before = f.t.app.watchStats().streams;
    first.cancel();
    await until(() => f.t.app.watchStats().streams < before, 'the cancelled stream to be released', {
      timeoutMs: 5_000,
    });
    await watchAs(carol, 'carol 5').synced();
  });

  it('a principal at its limit sending an invalid request gets INVALID_ARGUMENT, not TOO_MANY_STREAMS', async () => {
    const { metadata: frank, first, second } = await atTheLimit('frank');
    const invalid = new Watch(
      f.t.client.watchSlotAvailability(
        WatchSlotAvailabilityRequest.fromPartial({ serviceId: 'not-an-id' }),
        frank,
      ),
      'frank invalid',
    );
    open.push(invalid);
    expect(await invalid.failure()).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    expect(first.ended || second.ended).toBe(false);
  });

  it('a token whose subject is an array cannot get around the limit', async () => {
    const tricky = await f.token({ subject: ['erin'], roles: ['user'] });
    const streams = [1, 2, 3].map((i) => watchAs(bearer(tricky), `erin ${i}`));
    await Promise.all(streams.map((w) => w.waitFor(syncedOrEnded, 'SYNCED or the end', { allowEnd: true })));
    expect(streams.filter((w) => !w.ended).length).toBeLessThanOrEqual(2);
  });
});
