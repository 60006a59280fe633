/**
 * Idempotent BookSlot (AIP-155): a request_id makes it safe to retry, also when
 * the first response was lost or attempts of one request race each other.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { AppointmentStatus } from '../../../src/gen/booking/v1/resources';
import type { ClaimDoc } from '../../../src/infra/mongo/models';
import { serviceWithSlots } from '../../factories';
import { failure, invariantViolations, rpc, startTestApp } from '../../support/harness';
import { eventually } from '../../support/processes';
import { api } from '../../support/file-app';
import {
  book,
  bookAndHangUp,
  claimsOfSlot,
  confirmedOfSlot,
  newUser,
  oid,
  requestLog,
  storedSlot,
} from '../../support/idempotency';
import { freshRequest, useIdempotencyApp } from './setup';

useIdempotencyApp();

describe('BookSlot with a request_id', () => {
  it('a retry returns the same appointment, and only one exists', async () => {
    const { slotIds, user, requestId } = await freshRequest('retrier');

    const first = await book(slotIds[0]!, user, requestId);
    const second = await book(slotIds[0]!, user, requestId);

    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({
      slotId: slotIds[0],
      userId: user,
      status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
    });
    expect(second.createTime).toEqual(first.createTime);
    expect((await confirmedOfSlot(slotIds[0]!)).map((c) => c._id.toHexString())).toEqual([first.id]);
    const { appointments } = await api.listAppointments({ userId: user });
    expect(appointments.map((a) => a.id)).toEqual([first.id]);
  });

  it('a retry whose first response was dropped gets the appointment the first attempt made', async () => {
    const { slotIds, user, requestId } = await freshRequest('dropped');
    const key = `BookSlot:${user}:${requestId}`;

    const err = await bookAndHangUp({ slotId: slotIds[0]!, userId: user, requestId });
    expect(err?.code).toBe(status.CANCELLED); // the client never saw the response

    // The server carried on and recorded the result.
    const recorded = await eventually(async () => (await requestLog().findOne({ _id: key })) ?? undefined, {
      what: 'the first attempt to be recorded',
    });

    const retry = await book(slotIds[0]!, user, requestId);
    expect(retry.id).toBe(recorded.resultId);
    expect(retry.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED);
    const confirmed = await confirmedOfSlot(slotIds[0]!);
    expect(confirmed.map((c) => c._id.toHexString())).toEqual([retry.id]);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'BOOKED', appointmentId: oid(retry.id) });
  });

  it('the same request_id with other content is refused (REQUEST_ID_REUSED) and changes nothing', async () => {
    const { slotIds, user, requestId } = await freshRequest('reuser');
    const first = await book(slotIds[0]!, user, requestId);
    const otherBefore = await storedSlot(slotIds[1]!);

    const e = await failure(api.bookSlot({ slotId: slotIds[1]!, userId: user, requestId }));

    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('REQUEST_ID_REUSED');
    expect(await storedSlot(slotIds[1]!)).toEqual(otherBefore);
    expect(await claimsOfSlot(slotIds[1]!)).toEqual([]);
    expect((await confirmedOfSlot(slotIds[0]!)).map((c) => c._id.toHexString())).toEqual([first.id]);
  });

  it('request ids are per user: another user may use the same id', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const requestId = randomUUID();
    const a = await book(slotIds[0]!, newUser('a'), requestId);
    const b = await book(slotIds[1]!, newUser('b'), requestId);

    expect(b.id).not.toBe(a.id);
    expect(b.slotId).toBe(slotIds[1]);
    expect(await storedSlot(slotIds[1]!)).toMatchObject({ status: 'BOOKED', appointmentId: oid(b.id) });
  });

  it('attempts of one request racing each other (lock gate off) all get the same appointment', async () => {
    const open = await startTestApp({ BOOKING_LOCK_ENABLED: 'false', RECONCILER_ENABLED: 'false' });
    try {
      const openApi = rpc(open.client);
      const { slotIds } = await serviceWithSlots(openApi);
      const user = newUser('impatient');
      const requestId = randomUUID();

      const results = await Promise.all(
        Array.from({ length: 10 }, () => openApi.bookSlot({ slotId: slotIds[0]!, userId: user, requestId })),
      );

      const ids = new Set(results.map((r) => r.appointment!.id));
      expect(ids.size).toBe(1);
      const confirmed = await open.db
        .collection<ClaimDoc>('appointments')
        .find({ slotId: oid(slotIds[0]!), status: 'CONFIRMED' })
        .toArray();
      expect(confirmed.map((c) => c._id.toHexString())).toEqual([...ids]);
      expect(await invariantViolations(open.db)).toEqual([]);
    } finally {
      await open.stop();
    }
  });
});
