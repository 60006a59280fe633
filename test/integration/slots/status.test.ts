/**
 * SetSlotStatus over gRPC: blocking and unblocking a slot, no-op repeats,
 * refusals, and an unknown slot.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots, timeOfDay } from '../../factories';
import { failure, violatedFields } from '../../support/harness';
import { api, t, useFileApp } from '../../support/file-app';
import { storedSlot } from '../../support/appointments';

useFileApp({});

const MORNING = { openingTime: timeOfDay(9), closingTime: timeOfDay(12), slotDurationMinutes: 30 };

describe('SetSlotStatus', () => {
  let slotIds: string[];
  beforeAll(async () => {
    ({ slotIds } = await serviceWithSlots(api, MORNING, 52));
  });

  it('locks and unlocks a slot, its revision growing with each change', async () => {
    const slotId = slotIds[0]!;
    const locked = await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED });
    expect(locked.slot).toMatchObject({ id: slotId, status: SlotStatus.SLOT_STATUS_LOCKED, revision: 2 });
    expect(await storedSlot(slotId)).toMatchObject({ status: 'LOCKED', revision: 2 });

    const unlocked = await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_AVAILABLE });
    expect(unlocked.slot).toMatchObject({
      id: slotId,
      status: SlotStatus.SLOT_STATUS_AVAILABLE,
      revision: 3,
    });
    expect(await storedSlot(slotId)).toMatchObject({ status: 'AVAILABLE', revision: 3 });
    expect(unlocked.slot!.startTime).toEqual(locked.slot!.startTime);
  });

  it('treats setting the state a slot is in already as a no-op', async () => {
    const slotId = slotIds[1]!;
    const same = await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_AVAILABLE });
    expect(same.slot).toMatchObject({ status: SlotStatus.SLOT_STATUS_AVAILABLE, revision: 1 });
    await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED });
    const again = await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED });
    expect(again.slot).toMatchObject({ status: SlotStatus.SLOT_STATUS_LOCKED, revision: 2 });
  });

  it('makes a LOCKED slot unbookable (FAILED_PRECONDITION, SLOT_UNAVAILABLE)', async () => {
    const slotId = slotIds[2]!;
    await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED });
    const e = await failure(api.bookSlot({ slotId, userId: 'locked-out' }));
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('SLOT_UNAVAILABLE');
    expect(await storedSlot(slotId)).toMatchObject({ status: 'LOCKED', revision: 2, appointmentId: null });
    expect(await t.db.collection('appointments').countDocuments({ slotId: new Types.ObjectId(slotId) })).toBe(
      0,
    );

    // Unlocked again, it can be booked.
    await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_AVAILABLE });
    const { appointment } = await api.bookSlot({ slotId, userId: 'locked-out' });
    expect(appointment!.slot!.status).toBe(SlotStatus.SLOT_STATUS_BOOKED);
  });

  it.each([
    ['LOCKED', SlotStatus.SLOT_STATUS_LOCKED],
    ['AVAILABLE', SlotStatus.SLOT_STATUS_AVAILABLE],
  ])(
    'refuses to set a BOOKED slot %s (FAILED_PRECONDITION, SLOT_BOOKED), leaving it unchanged',
    async (_l, to) => {
      const slotId = to === SlotStatus.SLOT_STATUS_LOCKED ? slotIds[3]! : slotIds[4]!;
      await api.bookSlot({ slotId, userId: 'booker' });
      const before = await storedSlot(slotId);
      expect(before).toMatchObject({ status: 'BOOKED' });

      const e = await failure(api.setSlotStatus({ slotId, status: to }));
      expect(e.code).toBe(status.FAILED_PRECONDITION);
      expect(e.reason).toBe('SLOT_BOOKED');
      expect(await storedSlot(slotId)).toEqual(before);
    },
  );

  it.each([
    ['SLOT_STATUS_BOOKED', SlotStatus.SLOT_STATUS_BOOKED],
    ['SLOT_STATUS_UNSPECIFIED', SlotStatus.SLOT_STATUS_UNSPECIFIED],
  ])('refuses the target status %s (INVALID_ARGUMENT, field status)', async (_l, to) => {
    const slotId = slotIds[5]!;
    const before = await storedSlot(slotId);
    const e = await failure(api.setSlotStatus({ slotId, status: to }));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('INVALID_ARGUMENT');
    expect(violatedFields(e)).toEqual(['status']);
    expect(await storedSlot(slotId)).toEqual(before);
  });

  it('answers NOT_FOUND, reason SLOT_NOT_FOUND, for an unknown slot', async () => {
    const e = await failure(
      api.setSlotStatus({
        slotId: new Types.ObjectId().toHexString(),
        status: SlotStatus.SLOT_STATUS_LOCKED,
      }),
    );
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('SLOT_NOT_FOUND');
  });
});
