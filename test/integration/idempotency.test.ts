/**
 * Idempotent requests (AIP-155): a request_id makes BookSlot, CancelAppointment,
 * HoldSlot and RescheduleAppointment safe to retry, also when the first
 * response was lost and when the first attempt died half-way (its records are
 * named after the request, so a retry finds and finishes them).
 */
import { randomUUID } from 'node:crypto';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import * as pb from '../../src/gen/booking/v1/booking_service';
import { AppointmentStatus, SlotStatus, type Appointment } from '../../src/gen/booking/v1/resources';
import type { ClaimDoc, IdempotencyDoc, SlotDoc } from '../../src/infra/mongo/models';
import { idFromKey } from '../../src/use-cases/shared/idempotency';
import { claimDocument, serviceWithSlots } from '../factories';
import { failure, invariantViolations, rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';
import { eventually } from '../support/processes';

let t: TestApp;
let api: Rpc;

beforeAll(async () => {
  // No background repairs: some tests craft what a crashed request leaves behind.
  t = await startTestApp({ RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' });
  api = rpc(t.client);
});
afterAll(() => t.stop());

let userCounter = 0;
const newUser = (label: string): string => `${label}-${++userCounter}`;
const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);
const slots = () => t.db.collection<SlotDoc>('slots');
const claims = () => t.db.collection<ClaimDoc>('appointments');
const requestLog = () => t.db.collection<IdempotencyDoc>('request_log');
const storedSlot = async (id: string): Promise<SlotDoc> => (await slots().findOne({ _id: oid(id) }))!;
const claimsOfSlot = (slotId: string) =>
  claims()
    .find({ slotId: oid(slotId) })
    .toArray();
const confirmedOfSlot = (slotId: string) =>
  claims()
    .find({ slotId: oid(slotId), status: 'CONFIRMED' })
    .toArray();

async function book(slotId: string, userId: string, requestId = ''): Promise<Appointment> {
  return (await api.bookSlot({ slotId, userId, requestId })).appointment!;
}

/**
 * Sends BookSlot and hangs up as soon as the server has begun handling it
 * (the server sends its response headers first): the caller never sees the
 * response, the server finishes the work anyway.
 */
function bookAndHangUp(request: pb.DeepPartial<pb.BookSlotRequest>): Promise<ServiceError | null> {
  return new Promise((resolve) => {
    const callObj = t.client.bookSlot(
      pb.BookSlotRequest.fromPartial(request),
      new Metadata(),
      { deadline: Date.now() + 30_000 },
      (err) => resolve(err),
    );
    callObj.on('metadata', () => callObj.cancel());
  });
}

describe('BookSlot with a request_id', () => {
  it('a retry returns the same appointment, and only one exists', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('retrier');
    const requestId = randomUUID();

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
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('dropped');
    const requestId = randomUUID();
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
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('reuser');
    const requestId = randomUUID();
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

describe('CancelAppointment with a request_id', () => {
  it('a retry succeeds and returns the cancelled appointment', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('canceller');
    const a = await book(slotIds[0]!, user);
    const requestId = randomUUID();

    const first = (
      await api.cancelAppointment({ appointmentId: a.id, userId: user, reason: 'ill', requestId })
    ).appointment!;
    const second = (
      await api.cancelAppointment({ appointmentId: a.id, userId: user, reason: 'ill', requestId })
    ).appointment!;

    for (const res of [first, second]) {
      expect(res).toMatchObject({
        id: a.id,
        status: AppointmentStatus.APPOINTMENT_STATUS_CANCELLED,
        cancellationReason: 'ill',
      });
    }
    expect(second.cancelTime).toEqual(first.cancelTime);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
  });

  it('without a request_id, cancelling again is APPOINTMENT_ALREADY_CANCELLED', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('canceller');
    const a = await book(slotIds[0]!, user);
    await api.cancelAppointment({ appointmentId: a.id, userId: user });

    const e = await failure(api.cancelAppointment({ appointmentId: a.id, userId: user }));

    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('APPOINTMENT_ALREADY_CANCELLED');
  });

  it('a new request_id on a cancelled appointment is APPOINTMENT_ALREADY_CANCELLED', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('canceller');
    const a = await book(slotIds[0]!, user);
    await api.cancelAppointment({ appointmentId: a.id, userId: user, requestId: randomUUID() });

    const e = await failure(
      api.cancelAppointment({ appointmentId: a.id, userId: user, requestId: randomUUID() }),
    );

    expect(e.reason).toBe('APPOINTMENT_ALREADY_CANCELLED');
  });

  it('the same request_id for another appointment is REQUEST_ID_REUSED, which stays confirmed', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('canceller');
    const a = await book(slotIds[0]!, user);
    const b = await book(slotIds[1]!, user);
    const requestId = randomUUID();
    await api.cancelAppointment({ appointmentId: a.id, userId: user, requestId });

    const e = await failure(api.cancelAppointment({ appointmentId: b.id, userId: user, requestId }));

    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('REQUEST_ID_REUSED');
    expect(await claims().findOne({ _id: oid(b.id) })).toMatchObject({ status: 'CONFIRMED' });
    expect(await storedSlot(slotIds[1]!)).toMatchObject({ status: 'BOOKED', appointmentId: oid(b.id) });
  });
});

describe('HoldSlot with a request_id', () => {
  it('a retry returns the same hold token and expiry', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const requestId = randomUUID();

    const first = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });
    const second = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });

    expect(second.holdToken).toBe(first.holdToken);
    expect(second.expireTime).toEqual(first.expireTime);
    expect(second.slot).toMatchObject({
      status: SlotStatus.SLOT_STATUS_LOCKED,
      holdExpireTime: first.expireTime,
    });
    expect(await claims().countDocuments({ slotId: oid(slotIds[0]!) })).toBe(1);
  });

  it('a retry after the first result was lost resumes the same hold, keeping its expiry', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const requestId = randomUUID();
    const first = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });
    // The first attempt died after its hold was written, before its result was recorded.
    await requestLog().deleteOne({ _id: `HoldSlot:${user}:${requestId}` });

    const second = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });

    expect(second.holdToken).toBe(first.holdToken);
    expect(second.expireTime).toEqual(first.expireTime);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({
      status: 'LOCKED',
      holdExpiresAt: first.expireTime,
    });
    expect(await claims().countDocuments({ slotId: oid(slotIds[0]!) })).toBe(1);
  });

  it('the same request_id with another ttl is REQUEST_ID_REUSED', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const requestId = randomUUID();
    await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });

    const e = await failure(api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 120, requestId }));

    expect(e.reason).toBe('REQUEST_ID_REUSED');
  });
});

describe('RescheduleAppointment with a request_id', () => {
  it('a retry returns the same result instead of SAME_SLOT', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('mover');
    const a = await book(slotIds[0]!, user);
    const requestId = randomUUID();

    const first = (
      await api.rescheduleAppointment({
        appointmentId: a.id,
        userId: user,
        newSlotId: slotIds[1]!,
        requestId,
      })
    ).appointment!;
    const second = (
      await api.rescheduleAppointment({
        appointmentId: a.id,
        userId: user,
        newSlotId: slotIds[1]!,
        requestId,
      })
    ).appointment!;

    expect(second).toEqual(first);
    expect(second).toMatchObject({ id: a.id, slotId: slotIds[1] });
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE' });
    expect(await storedSlot(slotIds[1]!)).toMatchObject({ status: 'BOOKED', appointmentId: oid(a.id) });
  });
});

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

  it('BookSlot finishes an attempt that died after inserting the claim, before recording the request', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('crashed');
    const requestId = randomUUID();
    const id = oid(idFromKey(`BookSlot:${user}:${requestId}`));
    const slot = await storedSlot(slotIds[0]!);
    await claims().insertOne(claimDocument(slot, { _id: id, userId: user, status: 'CONFIRMED' }));
    await bookSlotDirectly(slotIds[0]!, id);

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
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('crashed');
    const requestId = randomUUID();
    const id = oid(idFromKey(`BookSlot:${user}:${requestId}`));
    await bookSlotDirectly(slotIds[0]!, id);

    const a = await book(slotIds[0]!, user, requestId);

    expect(a.id).toBe(id.toHexString());
    expect((await confirmedOfSlot(slotIds[0]!)).map((c) => c._id.toHexString())).toEqual([a.id]);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'BOOKED', appointmentId: id });
  });

  it('after such a crash, the same request_id with other content is refused and the other slot stays free', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('crashed');
    const requestId = randomUUID();
    const id = oid(idFromKey(`BookSlot:${user}:${requestId}`));
    const slot = await storedSlot(slotIds[0]!);
    await claims().insertOne(claimDocument(slot, { _id: id, userId: user, status: 'CONFIRMED' }));
    await bookSlotDirectly(slotIds[0]!, id);

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
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('canceller');
    const a = await book(slotIds[0]!, user);
    const requestId = randomUUID();
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
