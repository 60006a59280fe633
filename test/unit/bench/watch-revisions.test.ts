import { WatchEventType, WatchSlotAvailabilityResponse } from '../../../src/gen/booking/v1/booking_service';
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { watchRevisions } from '../../../bench/fanout/watch-revisions';

const slot = {
  id: 'slot-1',
  serviceId: 'svc-1',
  status: SlotStatus.SLOT_STATUS_BOOKED,
  startTime: new Date('2026-12-01T09:00:00Z'),
  endTime: new Date('2026-12-01T09:15:00Z'),
  updatedAt: new Date('2026-12-01T08:00:00Z'),
};
const encode = (m: Parameters<typeof WatchSlotAvailabilityResponse.fromPartial>[0]): Buffer =>
  Buffer.from(WatchSlotAvailabilityResponse.encode(WatchSlotAvailabilityResponse.fromPartial(m)).finish());

describe('watchRevisions (the fan-out bench subscribers read only revisions)', () => {
  it('reads a single change: type and revision, skipping the slot', () => {
    const bytes = encode({ type: WatchEventType.WATCH_EVENT_TYPE_CHANGE, slot, revision: 2 ** 40 + 7 });
    expect(watchRevisions(bytes)).toEqual({
      type: WatchEventType.WATCH_EVENT_TYPE_CHANGE,
      revision: 2 ** 40 + 7,
      changes: [],
    });
  });

  it('reads every change of a batch in order', () => {
    const bytes = encode({
      type: WatchEventType.WATCH_EVENT_TYPE_CHANGE,
      revision: 12,
      changes: [10, 11, 12].map((revision) => ({
        slot,
        previousStatus: SlotStatus.SLOT_STATUS_AVAILABLE,
        revision,
      })),
    });
    expect(watchRevisions(bytes)).toEqual({
      type: WatchEventType.WATCH_EVENT_TYPE_CHANGE,
      revision: 12,
      changes: [10, 11, 12],
    });
  });

  it('reads the type of other messages (heartbeat, snapshot)', () => {
    expect(watchRevisions(encode({ type: WatchEventType.WATCH_EVENT_TYPE_HEARTBEAT, revision: 5 }))).toEqual({
      type: WatchEventType.WATCH_EVENT_TYPE_HEARTBEAT,
      revision: 5,
      changes: [],
    });
    expect(watchRevisions(encode({ type: WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT, slot })).type).toBe(
      WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT,
    );
  });
});
