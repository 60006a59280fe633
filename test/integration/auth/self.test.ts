/**
 * A user acts only as itself: an empty user_id means the caller, naming
 * another user is refused, it reads, changes and lists only its own
 * appointments and holds, and its request ids are its own. A service acts
 * for any user.
 */
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { AppointmentStatus, SlotStatus } from '../../../src/gen/booking/v1/resources';
import { listAllSlots } from '../../factories';
import { AuthFixture } from '../../support/auth/fixture';
import { failure } from '../../support/harness';
import { describeOutcome, outcome } from '../../support/outcomes';
import { bearer } from '../../support/tokens';

const f = new AuthFixture();
// 16 slots a day: 32 fresh ones; the tests use about 15.
beforeAll(() => f.start(2));
afterAll(() => f.stop());

describe('a user acts only as itself', () => {
  let bobAppointmentId: string;
  beforeAll(async () => {
    bobAppointmentId = await f.bookFor('bob');
  });

  it('an empty user_id means the caller: the appointment is booked for the token subject', async () => {
    const res = await f.api.bookSlot({ slotId: f.freshSlot(), userId: '' }, f.as('user'));
    expect(res.appointment!.userId).toBe('alice');
    const hold = await f.api.holdSlot({ slotId: f.freshSlot(), userId: '' }, f.as('user'));
    await expect(
      f.api.releaseHold({ holdToken: hold.holdToken, userId: '' }, f.as('user')),
    ).resolves.toBeDefined();
  });

  it.each([
    ['BookSlot', () => f.api.bookSlot({ slotId: f.freshSlot(), userId: 'bob' }, f.as('user'))],
    ['HoldSlot', () => f.api.holdSlot({ slotId: f.freshSlot(), userId: 'bob' }, f.as('user'))],
    ['ListAppointments', () => f.api.listAppointments({ userId: 'bob' }, f.as('user'))],
    [
      'CancelAppointment',
      () => f.api.cancelAppointment({ appointmentId: bobAppointmentId, userId: 'bob' }, f.as('user')),
    ],
    [
      'RescheduleAppointment',
      () =>
        f.api.rescheduleAppointment(
          { appointmentId: bobAppointmentId, userId: 'bob', newSlotId: f.freshSlot() },
          f.as('user'),
        ),
    ],
  ])('%s naming another user is PERMISSION_DENIED (NOT_YOUR_USER), nothing changes', async (_name, send) => {
    const { result, before, after } = await f.around(() => failure(send()));
    expect(result).toMatchObject({ code: grpc.status.PERMISSION_DENIED, reason: 'NOT_YOUR_USER' });
    expect(after).toEqual(before);
  });

  it("cannot read another user's appointment (NOT_APPOINTMENT_OWNER), but can read its own", async () => {
    expect(
      await failure(f.api.getAppointment({ appointmentId: bobAppointmentId }, f.as('user'))),
    ).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      reason: 'NOT_APPOINTMENT_OWNER',
    });
    const own = await f.api.getAppointment({ appointmentId: f.aliceAppointmentId }, f.as('user'));
    expect(own.appointment!.userId).toBe('alice');
  });

  it("cannot cancel or reschedule another user's appointment in its own name (NOT_APPOINTMENT_OWNER)", async () => {
    for (const userId of ['alice', '']) {
      const { result, before, after } = await f.around(() =>
        failure(
          f.api.cancelAppointment({ appointmentId: bobAppointmentId, userId, reason: 'mine' }, f.as('user')),
        ),
      );
      expect(result).toMatchObject({ code: grpc.status.PERMISSION_DENIED, reason: 'NOT_APPOINTMENT_OWNER' });
      expect(after).toEqual(before);
    }
    const moved = await f.around(() =>
      failure(
        f.api.rescheduleAppointment(
          { appointmentId: bobAppointmentId, userId: '', newSlotId: f.freshSlot() },
          f.as('user'),
        ),
      ),
    );
    expect(moved.result).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      reason: 'NOT_APPOINTMENT_OWNER',
    });
    expect(moved.after).toEqual(moved.before);
    const bobs = await f.api.getAppointment({ appointmentId: bobAppointmentId }, f.asBob());
    expect(bobs.appointment!.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED);
  });

  it('lists only its own appointments', async () => {
    const res = await f.api.listAppointments({ userId: '', pageSize: 100 }, f.as('user'));
    expect(res.appointments.length).toBeGreaterThan(0);
    expect(new Set(res.appointments.map((a) => a.userId))).toEqual(new Set(['alice']));
    expect(res.appointments.map((a) => a.id)).not.toContain(bobAppointmentId);
  });

  it("cannot release or book with another user's hold", async () => {
    const bobs = await f.holdFor('bob');
    const release = await f.around(() =>
      failure(f.api.releaseHold({ holdToken: bobs.holdToken, userId: '' }, f.as('user'))),
    );
    expect(release.result).toMatchObject({ code: grpc.status.NOT_FOUND, reason: 'HOLD_NOT_FOUND' });
    expect(release.after).toEqual(release.before);
    const book = await f.around(() =>
      failure(f.api.bookSlot({ slotId: bobs.slotId, userId: '', holdToken: bobs.holdToken }, f.as('user'))),
    );
    expect([grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION]).toContain(book.result.code);
    expect(book.after).toEqual(book.before);
    // The hold is still bob's to confirm.
    const confirmed = await f.api.bookSlot(
      { slotId: bobs.slotId, userId: '', holdToken: bobs.holdToken },
      f.asBob(),
    );
    expect(confirmed.appointment!.userId).toBe('bob');
  });

  it("a request_id is scoped to its user: reusing bob's does not replay bob's booking", async () => {
    const requestId = `req-${randomBytes(6).toString('hex')}`;
    const bobs = await f.api.bookSlot({ slotId: f.freshSlot(), userId: '', requestId }, f.asBob());
    const alices = await f.api.bookSlot({ slotId: f.freshSlot(), userId: '', requestId }, f.as('user'));
    expect(alices.appointment!.userId).toBe('alice');
    expect(alices.appointment!.id).not.toBe(bobs.appointment!.id);
  });

  it("slot listings do not reveal other users' appointment ids", async () => {
    const slots = await listAllSlots({ listSlots: (req) => f.api.listSlots(req, f.as('user')) }, f.serviceId);
    const booked = slots.filter((s) => s.status === SlotStatus.SLOT_STATUS_BOOKED);
    expect(booked.length).toBeGreaterThan(0);
    expect(booked.map((s) => s.appointmentId).filter(Boolean)).toEqual([]);
  });

  it('a service acts for any user: reads and cancels bob\u2019s appointment', async () => {
    const id = await f.bookFor('bob');
    const list = await f.api.listAppointments({ userId: 'bob', pageSize: 100 }, f.as('service'));
    expect(list.appointments.map((a) => a.id)).toContain(id);
    const res = await f.api.cancelAppointment(
      { appointmentId: id, userId: 'bob', reason: 'support' },
      f.as('service'),
    );
    expect(res.appointment!.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CANCELLED);
  });

  // Policy: admin has no appointment rights; with the user role as well, the
  // token may act only as its own subject, like any user.
  it("a token with the admin and user roles cannot read or list another user's appointments", async () => {
    const adminUser = bearer(await f.token({ subject: 'carol', roles: ['admin', 'user'] }));
    const read = await outcome(f.api.getAppointment({ appointmentId: bobAppointmentId }, adminUser));
    expect(describeOutcome(read)).toMatch(/^PERMISSION_DENIED\/NOT_APPOINTMENT_OWNER/);
    const list = await outcome(f.api.listAppointments({ userId: 'bob' }, adminUser));
    expect(describeOutcome(list)).toMatch(/^PERMISSION_DENIED\/NOT_YOUR_USER/);
  });
});
