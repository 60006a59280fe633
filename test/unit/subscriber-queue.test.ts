/**
 * SubscriberQueue's pacing, against a stand-in for grpc-js's call (pure
 * logic: what is written, when, and in how many messages). What reaches a
 * real client is covered by the watch integration suites.
 */
import { EventEmitter } from 'node:events';
import { WatchSlotAvailabilityResponse } from '../../src/gen/booking/v1/booking_service';
import { SubscriberQueue, type WatchCall } from '../../src/rpc/watch/subscriber-queue';
import type { SlotEvent } from '../../src/use-cases/ports';
import { unclaimedSlotRecord } from '../../bench/lib/slot-record';

const settings = { bufferLimit: 100, slowAfterMs: 1_000 };

function event(revision: number): SlotEvent {
  const at = new Date('2030-01-01T09:00:00Z');
  const slot = unclaimedSlotRecord({
    id: `slot-${revision}`,
    serviceId: 'svc',
    startTime: at,
    endTime: new Date(at.getTime() + 15 * 60_000),
    status: 'AVAILABLE',
    revision,
    updatedAt: at,
  });
  return { revision, previousRevision: revision - 1, previousStatus: 'LOCKED', slot };
}

/** Records each message's revisions; a write completes when `complete()` is called (HTTP/2 took it). */
class FakeCall extends EventEmitter {
  readonly messages: number[][] = [];
  private callbacks: (() => void)[] = [];
  write(message: Buffer | WatchSlotAvailabilityResponse, cb?: () => void): boolean {
    const m = Buffer.isBuffer(message) ? WatchSlotAvailabilityResponse.decode(message) : message;
    this.messages.push(m.changes.length > 0 ? m.changes.map((c) => c.revision) : [m.revision]);
    if (cb) this.callbacks.push(cb);
    return true;
  }
  complete(): void {
    for (const cb of this.callbacks.splice(0)) cb();
  }
}

const queueOn = (call: FakeCall, batch = true): SubscriberQueue =>
  new SubscriberQueue(
    call as unknown as WatchCall,
    batch,
    settings,
    () => undefined,
    () => undefined,
  );
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SubscriberQueue', () => {
  it('writes what one turn queued once that turn is through, as one message per batched stream', async () => {
    const calls = [new FakeCall(), new FakeCall(), new FakeCall()];
    const queues = calls.map((c) => queueOn(c));
    for (const q of queues)
      for (const r of [1, 2, 3]) q.push({ type: 'CHANGE', revision: r, event: event(r) });
    expect(calls.map((c) => c.messages)).toEqual([[], [], []]);
    await turn();
    expect(calls.map((c) => c.messages)).toEqual([[[1, 2, 3]], [[1, 2, 3]], [[1, 2, 3]]]);
  });

  it('sends an old (non-batched) client one message per change', async () => {
    const call = new FakeCall();
    const q = queueOn(call, false);
    for (const r of [1, 2]) q.push({ type: 'CHANGE', revision: r, event: event(r) });
    await turn();
    expect(call.messages).toEqual([[1], [2]]);
  });

  it('holds what queues while a batched message is in flight, and sends it as the next message', async () => {
    const call = new FakeCall();
    const q = queueOn(call);
    q.push({ type: 'CHANGE', revision: 1, event: event(1) });
    await turn();
    for (const r of [2, 3]) q.push({ type: 'CHANGE', revision: r, event: event(r) });
    await turn();
    expect(call.messages).toEqual([[1]]);
    call.complete();
    expect(call.messages).toEqual([[1], [2, 3]]);
  });

  it('writes nothing for a queue closed before its turn was through', async () => {
    const call = new FakeCall();
    const q = queueOn(call);
    q.push({ type: 'CHANGE', revision: 1, event: event(1) });
    q.close();
    await turn();
    expect(call.messages).toEqual([]);
  });
});
