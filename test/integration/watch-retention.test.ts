/**
 * How far back WatchSlotAvailability can resume: the event log keeps about
 * EVENTS_MAX_LENGTH entries per service (here the minimum, 100). A resume
 * from a revision that has been trimmed away, or from one the log never
 * issued, ends with OUT_OF_RANGE / REVISION_TOO_OLD; a resume from within the
 * kept window delivers exactly what followed.
 */
import { status as Code } from '@grpc/grpc-js';
import { createService, futureDate, timeOfDay } from '../factories';
import { rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';
import { openWatch, strictlyIncreasing, type Watch } from '../support/watch-client';

const DAYS = 30;
const SLOTS_PER_DAY = 24; // a 24-hour service with 60-minute slots

describe('resuming a watch against a trimmed event log', () => {
  let t: TestApp;
  let api: Rpc;
  let serviceId: string;
  let probe: Watch;
  const opened: Watch[] = [];

  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false', EVENTS_MAX_LENGTH: '100' });
    api = rpc(t.client);
    const service = await createService(api, {
      timeZone: 'UTC',
      openingTime: timeOfDay(0),
      closingTime: timeOfDay(24),
      slotDurationMinutes: 60,
    });
    serviceId = service.id;
    // A subscriber that keeps up records every event: one per created slot.
    // Slots are created a day (24 events) at a time, so the live reader never
    // falls more than the kept window behind.
    probe = openWatch(t.client, { serviceId, sendInitialSnapshot: true }, { label: 'probe' });
    opened.push(probe);
    await probe.synced();
    for (let day = 0; day < DAYS; day++) {
      const date = futureDate(60 + day);
      const res = await api.generateSlots({ serviceId, startDate: date, endDate: date });
      expect(res.createdCount).toBe(SLOTS_PER_DAY);
      await probe.waitForChanges((day + 1) * SLOTS_PER_DAY);
    }
  });
  afterEach(() => {
    for (const w of opened.splice(1)) if (!w.ended) w.cancel();
  });
  afterAll(async () => {
    probe.cancel();
    await t.stop();
  });

  const watch = (sinceRevision: number, label: string): Watch => {
    const w = openWatch(t.client, { serviceId, sinceRevision }, { label });
    opened.push(w);
    return w;
  };

  it('the subscriber that kept up saw every event, in revision order', () => {
    const changes = probe.changes();
    expect(changes).toHaveLength(DAYS * SLOTS_PER_DAY);
    expect(new Set(changes.map((m) => m.slot!.id)).size).toBe(DAYS * SLOTS_PER_DAY);
    expect(strictlyIncreasing(changes.map((m) => m.revision))).toBe(true);
    expect(probe.ended).toBe(false);
  });

  it('refuses a resume from a trimmed revision with OUT_OF_RANGE, reason REVISION_TOO_OLD', async () => {
    const early = probe.changes()[0]!.revision;
    const w = watch(early, 'from the first event');
    const err = await w.failure();
    expect([Code[err.code], err.reason]).toEqual(['OUT_OF_RANGE', 'REVISION_TOO_OLD']);
    expect(err.metadata).toEqual(expect.objectContaining({ serviceId }));
    expect(w.changes()).toEqual([]);
  });

  it('refuses a resume from a revision the log never issued (far in the future)', async () => {
    const latest = probe.changes().at(-1)!.revision;
    const err = await watch(latest + 1_000_000_000, 'from the future').failure();
    expect([Code[err.code], err.reason]).toEqual(['OUT_OF_RANGE', 'REVISION_TOO_OLD']);
  });

  it('resumes from a revision still kept: exactly the later events, in order', async () => {
    const changes = probe.changes();
    const from = changes[changes.length - 51]!; // 50 back: within the 100 always kept
    const w = watch(from.revision, 'from 50 events back');
    await w.waitForChanges(50);
    // One more change proves nothing else was queued behind them.
    const slotId = changes.at(-1)!.slot!.id;
    await api.bookSlot({ slotId, userId: 'late-user' });
    await w.waitForChanges(51);
    await probe.waitForChanges(changes.length + 1);
    expect(w.changes().map((m) => [m.revision, m.slot!.id])).toEqual(
      probe
        .changes()
        .slice(-51)
        .map((m) => [m.revision, m.slot!.id]),
    );
  });
});
