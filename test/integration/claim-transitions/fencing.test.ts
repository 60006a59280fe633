/**
 * Claim transitions fenced by their revision: a refused reschedule, booking or
 * confirmation with a request_id fences an earlier attempt of itself; a claim
 * stored before revisions existed changes like any other; a move that collides
 * on its new slot is undone.
 */
import { idFromKey } from '../../../src/use-cases/shared/idempotency';
import { claimDocument } from '../../factories';
import { failure, invariantViolations, rpc } from '../../support/harness';
import { newUser, oid } from '../../support/ids';
import * as fixture from '../../support/claim-transitions';

describe('claim transitions', () => {
  fixture.useClaimTransitionsApp();

  it('a refused reschedule with a request_id fences its earlier attempt: a move decided on the old revision cannot land', async () => {
    const api = rpc(fixture.t.client);
    const user = newUser('patient');
    const appointment = (await api.bookSlot({ slotId: fixture.slotIds[2]!, userId: user })).appointment!;
    await api.bookSlot({ slotId: fixture.slotIds[3]!, userId: newUser('other') });
    const before = await fixture.claims().findOne({ _id: oid(appointment.id) });

    const e = await failure(
      api.rescheduleAppointment({
        appointmentId: appointment.id,
        userId: user,
        newSlotId: fixture.slotIds[3]!,
        requestId: '6d0c8f3e-8a53-4d5e-9f6b-0d7e0b4f2a11',
      }),
    );
    expect(e.reason).toBe('SLOT_UNAVAILABLE');

    // An earlier attempt of that request, decided on the revision the refusal saw, arriving late:
    const late = await fixture.repo.moveClaim({
      appointmentId: appointment.id,
      fromSlotId: fixture.slotIds[2]!,
      revision: before!.rev ?? 0,
      to: { slotId: fixture.slotIds[4]!, startTime: new Date(), endTime: new Date() },
      now: new Date(),
      requestKey: 'RescheduleAppointment:late',
    });

    expect(late).toBeNull();
    expect(await fixture.claims().findOne({ _id: oid(appointment.id) })).toMatchObject({
      status: 'CONFIRMED',
      slotId: oid(fixture.slotIds[2]!),
      rev: (before!.rev ?? 0) + 1,
    });
  });

  it('a refused booking with a request_id is final: an earlier attempt of it arriving late cannot create the appointment', async () => {
    const api = rpc(fixture.t.client);
    const user = newUser('patient');
    const requestId = '0b5f3f0e-41a4-4c71-9a55-5c8f4b8d2e31';
    const other = newUser('other');
    const taken = (await api.bookSlot({ slotId: fixture.slotIds[7]!, userId: other })).appointment!;

    const e = await failure(api.bookSlot({ slotId: fixture.slotIds[7]!, userId: user, requestId }));
    expect(e.reason).toBe('SLOT_UNAVAILABLE');

    // The appointment id that request creates is spoken for (VOID): a late insert of it fails...
    const id = idFromKey(`BookSlot:${user}:${requestId}`);
    expect(await fixture.claims().findOne({ _id: oid(id) })).toMatchObject({
      status: 'VOID',
      slotClaim: `~${id}`,
    });
    const s7 = await fixture.slot(fixture.slotIds[7]!);
    await expect(
      fixture.repo.insert({
        ...(await fixture.repo.findById(taken.id))!,
        id,
        userId: user,
        slotId: fixture.slotIds[7]!,
        startTime: s7.startTime,
        endTime: s7.endTime,
      }),
    ).rejects.toThrow(/exists already/);
    // ...a retry gets the original answer even once the slot is free, and the VOID is never listed.
    await api.cancelAppointment({ appointmentId: taken.id, userId: other, reason: '' });
    expect(
      (await failure(api.bookSlot({ slotId: fixture.slotIds[7]!, userId: user, requestId }))).reason,
    ).toBe('SLOT_UNAVAILABLE');
    expect(
      (await api.listAppointments({ userId: user, status: 0, pageSize: 50, pageToken: '' })).appointments,
    ).toEqual([]);
    // A new request books it.
    const booked = await api.bookSlot({
      slotId: fixture.slotIds[7]!,
      userId: user,
      requestId: `${requestId.slice(0, -1)}2`,
    });
    expect(booked.appointment!.userId).toBe(user);
    expect(await invariantViolations(fixture.t.db, fixture.serviceId)).toEqual([]);
  });

  it('a hold refused as too late to confirm is fenced: a confirmation decided on the revision it saw cannot land', async () => {
    const api = rpc(fixture.t.client);
    const user = newUser('holder');
    const hold = await api.holdSlot({ slotId: fixture.slotIds[8]!, userId: user, ttlSeconds: 1 });
    const holdId = hold.holdToken.split('.')[0]!;
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const e = await failure(
      api.bookSlot({ slotId: fixture.slotIds[8]!, userId: user, holdToken: hold.holdToken }),
    );

    expect(e.reason).toBe('HOLD_EXPIRED');
    // The refusal took revision 1: an earlier attempt's transition (0 -> 1) can no longer be decided.
    expect(await fixture.claims().findOne({ _id: oid(holdId) })).toMatchObject({ status: 'HELD', rev: 1 });
    // A transition decided on revision 0 (an earlier attempt's confirmation, late) finds it moved on.
    expect(await fixture.repo.fence({ id: holdId, revision: 0 })).toBe(false);
  });

  it('a claim stored before revisions existed (no rev field) changes like any other', async () => {
    const legacy = claimDocument(await fixture.slot(fixture.slotIds[9]!), {
      status: 'CONFIRMED',
      userId: newUser('legacy'),
    });
    delete legacy.rev;
    delete legacy.revBy;
    await fixture.claims().insertOne(legacy);

    const cancelled = await fixture.repo.cancel({
      appointmentId: legacy._id.toHexString(),
      now: new Date(),
      reason: '',
      requestKey: null,
    });

    expect(cancelled).toMatchObject({ status: 'CANCELLED', revision: 1 });
    expect(await fixture.claims().findOne({ _id: legacy._id })).toMatchObject({
      status: 'CANCELLED',
      rev: 1,
    });
  });

  it('a move that collides on its new slot is undone: the claim stays, and its next transition is not blocked', async () => {
    const api = rpc(fixture.t.client);
    const user = newUser('patient');
    const appointment = (await api.bookSlot({ slotId: fixture.slotIds[5]!, userId: user })).appointment!;
    await api.bookSlot({ slotId: fixture.slotIds[6]!, userId: newUser('other') });

    await expect(
      fixture.repo.moveClaim({
        appointmentId: appointment.id,
        fromSlotId: fixture.slotIds[5]!,
        revision: 0,
        to: { slotId: fixture.slotIds[6]!, startTime: new Date(), endTime: new Date() },
        now: new Date(),
        requestKey: null,
      }),
    ).rejects.toThrow(/already has an active claim/);
    expect(await fixture.transitions().countDocuments({ claimId: oid(appointment.id) })).toBe(0);

    await api.cancelAppointment({ appointmentId: appointment.id, userId: user, reason: '' });
    expect(await fixture.claims().findOne({ _id: oid(appointment.id) })).toMatchObject({
      status: 'CANCELLED',
      rev: 1,
    });
  });
});
