/**
 * RescheduleAppointment: an appointment moves to another slot of its service,
 * holding exactly one slot at every moment; on failure it stays where it was.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { AppointmentStatus, SlotStatus, type Appointment } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { failure, invariantViolations, rpc, type Rpc } from '../../support/harness';
import { useDescribeApp } from '../../support/describe-app';
import { newUser, oid, storeOf } from '../../support/holds';

describe('RescheduleAppointment', () => {
  const t = useDescribeApp({ RECONCILER_ENABLED: 'false' });
  const store = storeOf(() => t);
  let api: Rpc;
  beforeAll(() => {
    api = rpc(t.client);
  });

  async function book(slotId: string, userId: string): Promise<Appointment> {
    return (await api.bookSlot({ slotId, userId })).appointment!;
  }

  /** The appointment is still CONFIRMED on `slotId`, which is BOOKED by it. */
  async function expectStillOn(appointmentId: string, slotId: string): Promise<void> {
    expect(await store.claim(appointmentId)).toMatchObject({
      status: 'CONFIRMED',
      slotId: oid(slotId),
      slotClaim: slotId,
      previousSlotId: null,
      rescheduledAt: null,
    });
    expect(await store.slot(slotId)).toMatchObject({ status: 'BOOKED', appointmentId: oid(appointmentId) });
  }

  /**
   * Moving `a` (of `user`, on `from`) to `to` is FAILED_PRECONDITION with `reason`:
   * the appointment stays on `from`, and `to` is as it was.
   */
  async function expectMoveRefused(a: Appointment, user: string, from: string, to: string, reason: string) {
    const targetBefore = await store.slot(to);

    const e = await failure(api.rescheduleAppointment({ appointmentId: a.id, userId: user, newSlotId: to }));

    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe(reason);
    await expectStillOn(a.id, from);
    expect(await store.slot(to)).toEqual(targetBefore);
  }

  it('moves to another slot of the same service; the old slot is AVAILABLE again', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const user = newUser('mover');
    const a = await book(slotIds[0]!, user);
    const oldBefore = await store.slot(slotIds[0]!);
    const target = await store.slot(slotIds[3]!);
    const before = Date.now();

    const moved = (
      await api.rescheduleAppointment({ appointmentId: a.id, userId: user, newSlotId: slotIds[3]! })
    ).appointment!;

    expect(moved).toMatchObject({
      id: a.id,
      userId: user,
      serviceId: service.id,
      slotId: slotIds[3],
      status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
      startTime: target.startTime,
      endTime: target.endTime,
      createTime: a.createTime,
      slot: { id: slotIds[3], status: SlotStatus.SLOT_STATUS_BOOKED, appointmentId: a.id },
    });
    expect(moved.rescheduleTime!.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(moved.rescheduleTime!.getTime()).toBeLessThanOrEqual(Date.now() + 1);

    const oldAfter = await store.slot(slotIds[0]!);
    expect(oldAfter).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(oldAfter.revision).toBeGreaterThan(oldBefore.revision);
    expect(await store.slot(slotIds[3]!)).toMatchObject({ status: 'BOOKED', appointmentId: oid(a.id) });
    expect(await store.claim(a.id)).toMatchObject({
      slotId: oid(slotIds[3]!),
      slotClaim: slotIds[3],
      previousSlotId: null,
      startTime: target.startTime,
    });
    const got = (await api.getAppointment({ appointmentId: a.id })).appointment!;
    expect(got).toMatchObject({ slotId: slotIds[3], rescheduleTime: moved.rescheduleTime });

    // The old slot can be booked again; the moved appointment can move on and be cancelled.
    await book(slotIds[0]!, newUser('next'));
    await api.rescheduleAppointment({ appointmentId: a.id, userId: user, newSlotId: slotIds[4]! });
    expect(await store.slot(slotIds[3]!)).toMatchObject({ status: 'AVAILABLE' });
    await api.cancelAppointment({ appointmentId: a.id, userId: user });
    expect(await store.slot(slotIds[4]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await invariantViolations(t.db, service.id)).toEqual([]);
  });

  it.each([
    ['BOOKED', 'booked'],
    ['held', 'held'],
    ['blocked by the provider', 'blocked'],
  ])(
    'to a %s slot is FAILED_PRECONDITION SLOT_UNAVAILABLE, and the appointment stays on its old slot',
    async (_what, kind) => {
      const { slotIds } = await serviceWithSlots(api);
      const user = newUser('mover');
      const a = await book(slotIds[0]!, user);
      if (kind === 'booked') await book(slotIds[1]!, newUser('other'));
      if (kind === 'held')
        await api.holdSlot({ slotId: slotIds[1]!, userId: newUser('other'), ttlSeconds: 120 });
      if (kind === 'blocked')
        await api.setSlotStatus({ slotId: slotIds[1]!, status: SlotStatus.SLOT_STATUS_LOCKED });

      await expectMoveRefused(a, user, slotIds[0]!, slotIds[1]!, 'SLOT_UNAVAILABLE');
    },
  );

  it('to a slot whose hold has expired (not yet cleaned up) succeeds', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const user = newUser('mover');
    const a = await book(slotIds[0]!, user);
    const hold = await api.holdSlot({ slotId: slotIds[1]!, userId: newUser('holder'), ttlSeconds: 1 });
    while (Date.now() < hold.expireTime!.getTime() + 50) await new Promise((r) => setTimeout(r, 50));

    const res = await api.rescheduleAppointment({
      appointmentId: a.id,
      userId: user,
      newSlotId: slotIds[1]!,
    });

    expect(res.appointment).toMatchObject({ id: a.id, slotId: slotIds[1] });
    expect(await store.slot(slotIds[1]!)).toMatchObject({ status: 'BOOKED', appointmentId: oid(a.id) });
    expect(await store.slot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE' });
    expect(await store.claim(hold.holdToken.split('.')[0]!)).toMatchObject({ status: 'EXPIRED' });
    expect(await invariantViolations(t.db, service.id)).toEqual([]);
  });

  it('to a slot of another service is FAILED_PRECONDITION DIFFERENT_SERVICE', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const other = await serviceWithSlots(api);
    const user = newUser('mover');
    const a = await book(slotIds[0]!, user);

    await expectMoveRefused(a, user, slotIds[0]!, other.slotIds[0]!, 'DIFFERENT_SERVICE');
  });

  it('to its own slot is FAILED_PRECONDITION SAME_SLOT', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('mover');
    const a = await book(slotIds[0]!, user);

    await expectMoveRefused(a, user, slotIds[0]!, slotIds[0]!, 'SAME_SLOT');
  });

  it('by another user is PERMISSION_DENIED, and nothing moves', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const a = await book(slotIds[0]!, newUser('owner'));

    const e = await failure(
      api.rescheduleAppointment({ appointmentId: a.id, userId: newUser('intruder'), newSlotId: slotIds[1]! }),
    );

    expect(e.code).toBe(status.PERMISSION_DENIED);
    expect(e.reason).toBe('NOT_APPOINTMENT_OWNER');
    await expectStillOn(a.id, slotIds[0]!);
    expect(await store.slot(slotIds[1]!)).toMatchObject({ status: 'AVAILABLE', revision: 1 });
  });

  it('of a cancelled appointment is FAILED_PRECONDITION APPOINTMENT_ALREADY_CANCELLED', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('mover');
    const a = await book(slotIds[0]!, user);
    await api.cancelAppointment({ appointmentId: a.id, userId: user });

    const e = await failure(
      api.rescheduleAppointment({ appointmentId: a.id, userId: user, newSlotId: slotIds[1]! }),
    );

    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('APPOINTMENT_ALREADY_CANCELLED');
    expect(await store.claim(a.id)).toMatchObject({ status: 'CANCELLED', slotId: oid(slotIds[0]!) });
    expect(await store.slot(slotIds[1]!)).toMatchObject({ status: 'AVAILABLE', revision: 1 });
  });

  it('to an unknown slot is NOT_FOUND, and of an unknown appointment NOT_FOUND', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('mover');
    const a = await book(slotIds[0]!, user);

    const noSlot = await failure(
      api.rescheduleAppointment({
        appointmentId: a.id,
        userId: user,
        newSlotId: new Types.ObjectId().toHexString(),
      }),
    );
    const noAppointment = await failure(
      api.rescheduleAppointment({
        appointmentId: new Types.ObjectId().toHexString(),
        userId: user,
        newSlotId: slotIds[1]!,
      }),
    );

    expect(noSlot.code).toBe(status.NOT_FOUND);
    expect(noSlot.reason).toBe('SLOT_NOT_FOUND');
    expect(noAppointment.code).toBe(status.NOT_FOUND);
    expect(noAppointment.reason).toBe('APPOINTMENT_NOT_FOUND');
    await expectStillOn(a.id, slotIds[0]!);
  });
});
