/**
 * WatchSlotAvailability across instances: two apps on the same database and
 * Redis; under concurrent changes from both instances no slot ever goes back to
 * an older state, and every subscriber ends with what the database holds.
 */
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { decodeError, type Rpc } from '../../support/harness';
import {
  changeSummary,
  statusName,
  strictlyIncreasing,
  WatchEventType,
  type WatchResponse,
} from '../../support/watch-client';
import { a, apiA, apiB, b, useTwoWatchApps, watch } from '../../support/watch-app';

useTwoWatchApps({ RECONCILER_ENABLED: 'false' });

/** CHANGE messages as comparable rows: service revision, slot, new and previous status. */
const rows = (changes: WatchResponse[]) => changes.map((m) => [m.revision, ...changeSummary(m)]);

it('never shows a slot going back, and ends with the database state, under concurrent changes through both instances', async () => {
  const { service, slotIds } = await serviceWithSlots(apiA);
  const serviceId = service.id;
  const slots = slotIds.slice(0, 5);
  const watchers = [
    watch(a.client, { serviceId, sendInitialSnapshot: true }, { label: 'on A' }),
    watch(b.client, { serviceId, sendInitialSnapshot: true }, { label: 'on B' }),
  ];
  await Promise.all(watchers.map((w) => w.synced()));

  // 50 operations by 10 concurrent workers, each through a random instance:
  // book a slot, cancel an appointment the test made, or block / unblock a
  // slot. SLOT_BUSY (another booking of the slot in progress) is retried.
  const appointments = new Map<string, { id: string; userId: string }>(); // slot id -> appointment
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor((seed / 2_147_483_648) * n); // the high bits: an LCG's low bits cycle
  };
  const outcomes = new Map<string, number>();
  const count = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
  const operation = async (api: Rpc, slotId: string, kind: number, userId: string) => {
    const mine = appointments.get(slotId);
    if (kind === 0) {
      const blocked = random(2) === 0;
      await api.setSlotStatus({
        slotId,
        status: blocked ? SlotStatus.SLOT_STATUS_LOCKED : SlotStatus.SLOT_STATUS_AVAILABLE,
      });
      return blocked ? 'blocked' : 'unblocked';
    }
    if (mine && kind > 1) {
      appointments.delete(slotId);
      await api.cancelAppointment({ appointmentId: mine.id, userId: mine.userId, reason: '' });
      return 'cancelled';
    }
    const res = await api.bookSlot({ slotId, userId });
    appointments.set(slotId, { id: res.appointment!.id, userId });
    return 'booked';
  };
  const worker = async (w: number) => {
    for (let op = 0; op < 5; op++) {
      const api = random(2) === 0 ? apiA : apiB;
      const slotId = slots[random(slots.length)]!;
      const kind = random(4);
      for (let attempt = 1; ; attempt++) {
        try {
          count(await operation(api, slotId, kind, `worker-${w}-${op}`));
          break;
        } catch (err) {
          const e = decodeError(err);
          expect(['SLOT_BUSY', 'SLOT_UNAVAILABLE', 'SLOT_BOOKED', 'SLOT_HELD']).toContain(e.reason);
          count(e.reason!);
          if (e.reason !== 'SLOT_BUSY' || attempt === 5) break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, (_, w) => worker(w)));
  expect(outcomes.get('booked') ?? 0).toBeGreaterThan(5);

  // After things settle, each subscriber's view equals the stored state.
  const stored = new Map(
    (await apiA.listSlots({ serviceId, pageSize: 100 })).slots
      .filter((s) => slots.includes(s.id))
      .map((s) => [s.id, s]),
  );
  expect(stored.size).toBe(5);
  for (const w of watchers) {
    await w.waitFor((x) => {
      const view = x.view();
      return slots.every((id) => view.get(id)?.revision === stored.get(id)!.revision);
    }, 'the view to reach the stored revisions');
    const view = w.view();
    for (const id of slots) {
      expect([id, statusName(view.get(id)!.status)]).toEqual([id, statusName(stored.get(id)!.status)]);
    }

    // Never backwards: per slot, its revision only grows across SNAPSHOT and CHANGE.
    const perSlot = new Map<string, WatchResponse[]>();
    for (const m of w.messages) if (m.slot) perSlot.set(m.slot.id, [...(perSlot.get(m.slot.id) ?? []), m]);
    for (const id of slots) {
      const seen = perSlot.get(id)!;
      expect([id, strictlyIncreasing(seen.map((m) => m.slot!.revision))]).toEqual([id, true]);
      // Consecutive CHANGEs of a slot chain up: each one's previous status is the one before's status.
      for (let i = 1; i < seen.length; i++) {
        if (seen[i - 1]!.type !== WatchEventType.WATCH_EVENT_TYPE_CHANGE) continue;
        expect(statusName(seen[i]!.previousStatus)).toBe(statusName(seen[i - 1]!.slot!.status));
      }
    }
    // Service revisions: SNAPSHOTs at SYNCED's, then CHANGEs strictly growing after it.
    const synced = w.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED)[0]!;
    const changes = w.changes();
    expect(strictlyIncreasing([synced.revision, ...changes.map((m) => m.revision)])).toBe(true);
  }
  // Both instances delivered the same sequence.
  expect(rows(watchers[0]!.changes())).toEqual(rows(watchers[1]!.changes()));
});
