/**
 * A subscriber that stops reading is cut off, not waited for: its stream's
 * queue (WATCH_BUFFER_LIMIT messages) fills once HTTP/2 flow control stops
 * the writes, and it ends with RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW. A
 * subscriber of the same service that keeps reading gets every change, also
 * when many changes come at once.
 *
 * "Stops reading" is a paused grpc-js stream: the client stops consuming the
 * HTTP/2 stream, so its flow-control window (64 KiB, some 600 messages of
 * about 110 bytes) and the small buffers on both sides fill; after that the
 * server's queue grows by one message per event.
 */
import { status as Code } from '@grpc/grpc-js';
import { createService, futureDate, timeOfDay } from '../factories';
import { rpc, type Rpc } from '../support/harness';
import { useDescribeApp } from '../support/describe-app';
import { openWatch, strictlyIncreasing, until, type Watch } from '../support/watch-client';

/** A 24-hour service in UTC: `slotMinutes` gives 1440 / slotMinutes slots a day. */
async function allDayService(api: Rpc, slotMinutes: number): Promise<string> {
  const service = await createService(api, {
    timeZone: 'UTC',
    openingTime: timeOfDay(0),
    closingTime: timeOfDay(24),
    slotDurationMinutes: slotMinutes,
  });
  return service.id;
}

const checkComplete = (w: Watch, expected: number) => {
  const changes = w.changes();
  expect(changes).toHaveLength(expected);
  expect(new Set(changes.map((m) => m.slot!.id)).size).toBe(expected);
  expect(strictlyIncreasing(changes.map((m) => m.revision))).toBe(true);
  expect(w.ended).toBe(false);
};

describe('a watch subscriber that does not read (WATCH_BUFFER_LIMIT 50)', () => {
  const t = useDescribeApp({ RECONCILER_ENABLED: 'false', WATCH_BUFFER_LIMIT: '50' });

  it('is ended with RESOURCE_EXHAUSTED / SUBSCRIBER_TOO_SLOW, while a reading one gets every change', async () => {
    const api = rpc(t.client);
    const serviceId = await allDayService(api, 60); // 24 slots a day
    const reader = openWatch(t.client, { serviceId, sendInitialSnapshot: true }, { label: 'reader' });
    const sleeper = openWatch(t.client, { serviceId, sendInitialSnapshot: true }, { label: 'sleeper' });
    try {
      await reader.synced();
      await sleeper.synced();
      sleeper.call.pause();

      // 24 events at a time (fewer than the buffer holds), the reader keeping
      // up with each batch, until the sleeper has been cut off; at most 90
      // days (2,160 events).
      let days = 0;
      while (t.app.watchStats().streams === 2 && days < 90) {
        const date = futureDate(30 + days);
        const res = await api.generateSlots({ serviceId, startDate: date, endDate: date });
        expect(res.createdCount).toBe(24);
        days += 1;
        await reader.waitForChanges(24 * days);
      }
      expect(t.app.watchStats()).toEqual({ tails: 1, subscribers: 1, streams: 1 });
      checkComplete(reader, 24 * days);

      // Reading again, the sleeper gets what was in flight, then the end.
      sleeper.call.resume();
      const err = await sleeper.failure();
      expect([Code[err.code], err.reason]).toEqual(['RESOURCE_EXHAUSTED', 'SUBSCRIBER_TOO_SLOW']);
      const got = sleeper.changes();
      expect(got.length).toBeLessThan(24 * days);
      // What it did get is a gap-free prefix of what the reader got.
      expect(got.map((m) => m.revision)).toEqual(
        reader
          .changes()
          .slice(0, got.length)
          .map((m) => m.revision),
      );

      // The reader is unaffected and still live.
      const date = futureDate(30 + days);
      await api.generateSlots({ serviceId, startDate: date, endDate: date });
      await reader.waitForChanges(24 * (days + 1));
      checkComplete(reader, 24 * (days + 1));
    } finally {
      reader.cancel();
      sleeper.cancel();
    }
    await until(() => t.app.watchStats().streams === 0, 'no streams left');
  });
});

describe('a burst of changes (default WATCH_BUFFER_LIMIT)', () => {
  const t = useDescribeApp({ RECONCILER_ENABLED: 'false' });

  // One GenerateSlots of 4 days of 5-minute slots publishes 1,152 events at
  // once; a subscriber that reads must not be taken for a slow one.
  it('reaches a subscriber that reads, in full, without cutting it off', async () => {
    const api = rpc(t.client);
    const serviceId = await allDayService(api, 5);
    const reader = openWatch(t.client, { serviceId, sendInitialSnapshot: true }, { label: 'reader' });
    try {
      await reader.synced();
      const res = await api.generateSlots({ serviceId, startDate: futureDate(30), endDate: futureDate(33) });
      expect(res.createdCount).toBe(1_152);
      await reader.waitForChanges(1_152, 30_000);
      checkComplete(reader, 1_152);
    } finally {
      reader.cancel();
    }
  });
});
