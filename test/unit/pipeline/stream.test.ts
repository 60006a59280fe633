/**
 * The request pipeline of a server-streaming call (src/rpc/pipeline): open
 * streams limited per principal and counted until over, streams the server
 * ended reported as ended, and shutdown ending them.
 */
import { status as Code } from '@grpc/grpc-js';
import { DomainError } from '../../../src/domain/errors';
import { StreamEnded } from '../../../src/rpc/pipeline/call';
import { fakeStream, setUp } from '../../support/pipeline';

describe('the pipeline of a server stream', () => {
  it('limits open streams per principal and counts a stream until it is over', async () => {
    const t = setUp();
    let over!: () => void;
    const first = t.run(
      t.call('WatchSlotAvailability', { stream: fakeStream() }),
      () => new Promise((r) => (over = r)),
    );
    await new Promise((r) => setImmediate(r));
    expect(t.streams.size).toBe(1);
    const second = await t.run(t.call('WatchSlotAvailability', { stream: fakeStream() }));
    expect(second?.classified.error.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(second?.thrown).toMatchObject({ reason: 'TOO_MANY_STREAMS', metadata: { limit: '1' } });
    expect(t.lines).toContainEqual(
      expect.objectContaining({ msg: 'watch refused', reason: 'TOO_MANY_STREAMS' }),
    );
    over();
    expect(await first).toBeNull();
    expect(t.streams.size).toBe(0);
  });

  it('reports a stream the server ended as ended (log line and metric), not as refused', async () => {
    const t = setUp();
    const stream = fakeStream();
    const failure = await t.run(t.call('WatchSlotAvailability', { stream }), () =>
      Promise.reject(new StreamEnded(new DomainError('REVISION_TOO_OLD', 'too old'))),
    );
    expect(failure).toMatchObject({ ended: true, classified: { reason: 'REVISION_TOO_OLD' } });
    expect(failure?.classified.error.code).toBe(Code.OUT_OF_RANGE);
    expect(t.lines).toEqual([expect.objectContaining({ msg: 'watch ended', code: 'OUT_OF_RANGE' })]);
    expect(await t.counted('booking_watch_streams_ended_total', { reason: 'REVISION_TOO_OLD' })).toBe(1);
    expect(await t.counted('booking_grpc_server_handled_total', {})).toBe(0);
  });

  it('ends open streams on shutdown and refuses new ones (UNAVAILABLE, SHUTTING_DOWN)', async () => {
    const t = setUp();
    const open = fakeStream();
    void t.run(t.call('WatchSlotAvailability', { stream: open }), () => new Promise(() => undefined));
    await new Promise((r) => setImmediate(r));
    t.streams.endAll();
    expect(open.endedWith.map((e) => e.reason)).toEqual(['SHUTTING_DOWN']);
    const late = await t.run(t.call('WatchSlotAvailability', { stream: fakeStream() }));
    expect(late?.classified.error.code).toBe(Code.UNAVAILABLE);
    expect(late?.classified.reason).toBe('SHUTTING_DOWN');
  });
});
