/**
 * SlotAvailability's passes, interleaved deterministically with concurrent
 * changes of the service (in-memory ports; the real thing runs in
 * test/integration/service-availability.test.ts): a sweep that finds the
 * service changed meanwhile sweeps again towards the newer state, and slots
 * GenerateSlots created while the service was turned off are aligned.
 */
import type { ServiceRecord, SlotRecord } from '../../src/domain/types';
import { SlotAvailability } from '../../src/use-cases/catalog/slot-availability';
import type { SlotChange } from '../../src/use-cases/ports';

const NOW = new Date('2030-01-01T00:00:00Z');
const LATER = new Date('2030-01-02T10:00:00Z');

const service = (revision: number, active: boolean): ServiceRecord =>
  ({ id: 's', active, deletedAt: null, revision }) as ServiceRecord;

const slot = (id: string, over: Partial<SlotRecord> = {}): SlotRecord => ({
  id,
  serviceId: 's',
  startTime: LATER,
  endTime: LATER,
  status: 'AVAILABLE',
  appointmentId: null,
  holdId: null,
  holdExpiresAt: null,
  revision: 1,
  updatedAt: NOW,
  blockedBy: null,
  capacity: 1,
  placesTaken: 0,
  placesRev: 0,
  placesHeld: [],
  ...over,
});

/** One service and its slots in memory, with a hook run at each visit of the slots. */
function world(initial: ServiceRecord, slots: SlotRecord[]) {
  const state = { service: initial, reads: 0, onVisit: (): void => undefined };
  const rows = new Map(slots.map((s) => [s.id, s]));
  const changes: SlotChange[] = [];
  const write = (id: string, ok: (s: SlotRecord) => boolean, set: Partial<SlotRecord>) => {
    const before = rows.get(id)!;
    if (!ok(before)) return Promise.resolve(null);
    const after = { ...before, ...set, revision: before.revision + 1 };
    rows.set(id, after);
    return Promise.resolve({ before, after });
  };
  const availability = new SlotAvailability({
    services: {
      findById: () => {
        state.reads += 1;
        return Promise.resolve(state.service);
      },
    },
    slots: {
      forEachFutureDay: async (_id, _now, visit) => {
        state.onVisit();
        await visit([...rows.values()]);
      },
      blockForService: ({ slotId }) =>
        write(slotId, (s) => s.status === 'AVAILABLE', { status: 'LOCKED', blockedBy: 'SERVICE' }),
      unblockForService: ({ slotId }) =>
        write(slotId, (s) => s.status === 'LOCKED' && s.blockedBy === 'SERVICE', {
          status: 'AVAILABLE',
          blockedBy: null,
        }),
    },
    events: { changed: (c) => changes.push(c), announce: () => undefined },
    clock: () => NOW,
    logger: { warn: () => undefined },
  });
  const statuses = () => [...rows.values()].map((s) => `${s.id}:${s.status}:${s.blockedBy ?? '-'}`);
  return { state, availability, changes, statuses };
}

describe('SlotAvailability.followService', () => {
  it("blocks only free slots, and frees only the service's own blocks", async () => {
    const w = world(service(2, false), [
      slot('free'),
      slot('booked', { status: 'BOOKED', appointmentId: 'a' }),
      slot('held', { status: 'LOCKED', holdId: 'h', holdExpiresAt: LATER }),
      slot('blocked', { status: 'LOCKED', blockedBy: 'PROVIDER' }),
    ]);
    expect(await w.availability.followService(w.state.service)).toEqual({ locked: 1, unlocked: 0 });
    w.state.service = service(3, true);
    expect(await w.availability.followService(w.state.service)).toEqual({ locked: 0, unlocked: 1 });
    expect(w.statuses()).toEqual([
      'free:AVAILABLE:-',
      'booked:BOOKED:-',
      'held:LOCKED:-',
      'blocked:LOCKED:PROVIDER',
    ]);
    expect(w.changes).toHaveLength(2);
  });

  it('sweeps again towards the newer state when the service changed during its pass', async () => {
    const w = world(service(2, false), [slot('a'), slot('b')]);
    // The reactivation commits (and its own sweep finishes) while the deactivation's sweep runs.
    let first = true;
    w.state.onVisit = () => {
      if (first) w.state.service = service(3, true);
      first = false;
    };
    expect(await w.availability.followService(service(2, false))).toEqual({ locked: 2, unlocked: 2 });
    expect(w.statuses()).toEqual(['a:AVAILABLE:-', 'b:AVAILABLE:-']);
  });
});

describe('SlotAvailability.followCreated', () => {
  it('one read and nothing else when the service did not change', async () => {
    const w = world(service(2, true), [slot('new')]);
    await w.availability.followCreated(service(2, true), [slot('new')]);
    expect(w.state.reads).toBe(1);
    expect(w.changes).toHaveLength(0);
  });

  it('blocks the new slots of a service turned off meanwhile (its sweep may have passed before they existed)', async () => {
    const w = world(service(3, false), [slot('new1'), slot('new2'), slot('other')]);
    await w.availability.followCreated(service(2, true), [slot('new1'), slot('new2')]);
    expect(w.statuses()).toEqual(['new1:LOCKED:SERVICE', 'new2:LOCKED:SERVICE', 'other:AVAILABLE:-']);
  });

  it('frees the new slots of a service turned on meanwhile', async () => {
    const blocked = { status: 'LOCKED' as const, blockedBy: 'SERVICE' as const };
    const w = world(service(3, true), [slot('new', blocked)]);
    await w.availability.followCreated(service(2, false), [slot('new', blocked)]);
    expect(w.statuses()).toEqual(['new:AVAILABLE:-']);
  });

  it('writes nothing when the service was turned off and on again meanwhile', async () => {
    const w = world(service(4, true), [slot('new')]);
    await w.availability.followCreated(service(2, true), [slot('new')]);
    expect(w.changes).toHaveLength(0);
  });
});
