/**
 * Resuming a request whose first attempt died half-way: its records are named
 * after the request, so a retry with the same request_id finds and finishes them.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { type Types } from 'mongoose';
import { AppointmentStatus } from '../../../src/gen/booking/v1/resources';
import { idFromKey } from '../../../src/use-cases/shared/idempotency';
import { claimDocument, serviceWithSlots } from '../../factories';
import { failure } from '../../support/harness';
import { api, t } from '../../support/file-app';
import {
  book,
  claims,
  claimsOfSlot,
  confirmedOfSlot,
  newUser,
  oid,
  requestLog,
  slots,
  storedSlot,
} from '../../support/idempotency';
import { bookedRequest, freshRequest, useIdempotencyApp } from './setup';

useIdempotencyApp();

describe('resuming a request whose first attempt died half-way', () => {
  /** The slot as the first attempt left it: BOOKED by `appointmentId`. */
  async function bookSlotDirectly(slotId: string, appointmentId: Types.ObjectId): Promise<void> {
    await slots().updateOne(
      { _id: oid(slotId) },
      {
        $set: { status: 'BOOKED', appointmentId, holdId: null, holdExpiresAt: null, updatedAt: new Date() },
        $inc: { revision: 1 },
      },
    );
  }

  /** A BookSlot attempt that died after inserting its claim and taking the slot, before recording the request. */
  async function bookingThatDiedAfterItsClaim() {
    const { slotIds, user, requestId } = await freshRequest('crashed');
    const id = oid(idFromKey(`BookSlot:${user}:${requestId}`));
    const slot = await storedSlot(slotIds[0]!);
    await claims().insertOne(claimDocument(slot, { _id: id, userId: user, status: 'CONFIRMED' }));
    await bookSlotDirectly(slotIds[0]!, id);
    return { slotIds, user, requestId, id };
  }

  it('BookSlot finishes an attempt that died after inserting the claim, before recording the request', async () => {
    const { slotIds, user, requestId, id } = await bookingThatDiedAfterItsClaim();

    const a = await book(slotIds[0]!, user, requestId);

    expect(a.id).toBe(id.toHexString());
    expect(a).toMatchObject({
      userId: user,
      slotId: slotIds[0],
      status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
    });
    expect((await claimsOfSlot(slotIds[0]!)).map((c) => c._id.toHexString())).toEqual([a.id]);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'BOOKED', appointmentId: id });
    expect(await requestLog().findOne({ _id: `BookSlot:${user}:${requestId}` })).toMatchObject({
      resultId: a.id,
    });
  });

  it('BookSlot finishes an attempt that died after taking the slot, before inserting the claim', async () => {
    const { slotIds, user, requestId } = await freshRequest('crashed');
    const id = oid(idFromKey(`BookSlot:${user}:${requestId}`));
    await bookSlotDirectly(slotIds[0]!, id);

    const a = await book(slotIds[0]!, user, requestId);

    expect(a.id).toBe(id.toHexString());
    expect((await confirmedOfSlot(slotIds[0]!)).map((c) => c._id.toHexString())).toEqual([a.id]);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'BOOKED', appointmentId: id });
  });

  it('after such a crash, the same request_id with other content is refused and the other slot stays free', async () => {
    const { slotIds, user, requestId, id } = await bookingThatDiedAfterItsClaim();

    const e = await failure(api.bookSlot({ slotId: slotIds[1]!, userId: user, requestId }));

    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('REQUEST_ID_REUSED');
    expect(await storedSlot(slotIds[1]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await claimsOfSlot(slotIds[1]!)).toEqual([]);
    expect(await claims().findOne({ _id: id })).toMatchObject({
      status: 'CONFIRMED',
      slotId: oid(slotIds[0]!),
    });
  });

  it('CancelAppointment retried after its result was lost succeeds', async () => {
    const { slotIds, user, requestId, a } = await bookedRequest('canceller');
    await api.cancelAppointment({ appointmentId: a.id, userId: user, requestId });
    await requestLog().deleteOne({ _id: `CancelAppointment:${user}:${requestId}` });

    const retry = (await api.cancelAppointment({ appointmentId: a.id, userId: user, requestId }))
      .appointment!;

    expect(retry).toMatchObject({ id: a.id, status: AppointmentStatus.APPOINTMENT_STATUS_CANCELLED });
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE' });
  });

  /**
   * A move that died after the claim moved: the appointment is on the new
   * slot with previousSlotId set, both slots BOOKED by it, nothing recorded.
   */
  async function crashMidMove(user: string): Promise<{ id: string; from: string; to: string }> {
    const { slotIds } = await serviceWithSlots(api);
    const a = await book(slotIds[0]!, user);
    const to = await storedSlot(slotIds[1]!);
    await bookSlotDirectly(slotIds[1]!, oid(a.id));
    await claims().updateOne(
      { _id: oid(a.id) },
      {
        $set: {
          slotId: to._id,
          slotClaim: slotIds[1]!,
          startTime: to.startTime,
          endTime: to.endTime,
          previousSlotId: oid(slotIds[0]!),
          rescheduledAt: new Date(),
          // what the move writes with its claim: the request's idempotency key
          rescheduleRequestKey: `RescheduleAppointment:${user}:move-1`,
          updatedAt: new Date(Date.now() - 1_000),
        },
      },
    );
    return { id: a.id, from: slotIds[0]!, to: slotIds[1]! };
  }

  it('RescheduleAppointment retried after a crash mid-move finishes the move', async () => {
    const user = newUser('mover');
    const { id, from, to } = await crashMidMove(user);

    const moved = (
      await api.rescheduleAppointment({
        appointmentId: id,
        userId: user,
        newSlotId: to,
        requestId: randomUUID(),
      })
    ).appointment!;

    expect(moved).toMatchObject({ id, slotId: to, status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED });
    expect(await storedSlot(from)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await storedSlot(to)).toMatchObject({ status: 'BOOKED', appointmentId: oid(id) });
    expect(await claims().findOne({ _id: oid(id) })).toMatchObject({ previousSlotId: null });
  });

  it('RescheduleAppointment retried after the reconciler finished the interrupted move returns the moved appointment', async () => {
    const user = newUser('mover');
    const { id, from, to } = await crashMidMove(user);
    await t.app.reconciler.runOnce(); // completes the move before the client retries
    expect(await claims().findOne({ _id: oid(id) })).toMatchObject({ previousSlotId: null });

    // The client's retry of its RescheduleAppointment (same request_id, same content).
    const retry = api.rescheduleAppointment({
      appointmentId: id,
      userId: user,
      newSlotId: to,
      requestId: 'move-1',
    });

    await expect(retry).resolves.toMatchObject({ appointment: { id, slotId: to } });
    expect(await storedSlot(from)).toMatchObject({ status: 'AVAILABLE' });
  });
});
