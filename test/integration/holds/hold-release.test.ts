/**
 * Holds with default settings: malformed and unknown hold tokens, ReleaseHold
 * giving the slot back (only to its owner, only before confirmation), and
 * SetSlotStatus refusing a held slot.
 */
import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { AppointmentStatus, SlotStatus } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { failure, invariantViolations, violatedFields } from '../../support/harness';
import { api, t, useFileApp } from '../../support/file-app';
import { holdIdOf, newUser, oid, storeOf } from '../../support/holds';
import { heldSlot } from './setup';

useFileApp({ RECONCILER_ENABLED: 'false' });
const store = storeOf(() => t);

describe('holds (default settings)', () => {
  it('a malformed hold token is INVALID_ARGUMENT on hold_token; an unknown one HOLD_NOT_FOUND', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    for (const holdToken of ['garbage', 'abc.def', `${'0'.repeat(24)}.`]) {
      const e = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: user, holdToken }));
      expect(e.code).toBe(status.INVALID_ARGUMENT);
      expect(violatedFields(e)).toEqual(['hold_token']);
    }
    const unknown = `${new Types.ObjectId().toHexString()}.${randomBytes(16).toString('base64url')}`;
    const e = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: user, holdToken: unknown }));
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('HOLD_NOT_FOUND');
    const r = await failure(api.releaseHold({ holdToken: 'garbage', userId: user }));
    expect(r.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(r)).toEqual(['hold_token']);
    expect(await store.claimsOfSlot(slotIds[0]!)).toEqual([]);
  });

  it('ReleaseHold makes the slot AVAILABLE; then anyone can book it; releasing again is OK', async () => {
    const { service, slotIds, user, hold } = await heldSlot();

    const released = await api.releaseHold({ holdToken: hold.holdToken, userId: user });

    expect(released.slot).toMatchObject({ id: slotIds[0], status: SlotStatus.SLOT_STATUS_AVAILABLE });
    expect(released.slot!.holdExpireTime).toBeUndefined();
    expect(await store.slot(slotIds[0]!)).toMatchObject({
      status: 'AVAILABLE',
      holdId: null,
      holdExpiresAt: null,
    });
    expect(await store.claim(holdIdOf(hold.holdToken))).toMatchObject({ status: 'RELEASED' });

    const again = await api.releaseHold({ holdToken: hold.holdToken, userId: user });
    expect(again.slot!.status).toBe(SlotStatus.SLOT_STATUS_AVAILABLE);

    const { appointment } = await api.bookSlot({ slotId: slotIds[0]!, userId: newUser('next') });
    expect(appointment!.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED);
    // A released hold cannot be confirmed any more.
    const e = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: user, holdToken: hold.holdToken }));
    expect(e.reason).toBe('HOLD_NOT_FOUND');
    expect(await invariantViolations(t.db, service.id)).toEqual([]);
  });

  it('ReleaseHold by another user is HOLD_NOT_FOUND, and the hold stays', async () => {
    const { slotIds, hold } = await heldSlot();

    const e = await failure(api.releaseHold({ holdToken: hold.holdToken, userId: newUser('other') }));

    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('HOLD_NOT_FOUND');
    expect(await store.slot(slotIds[0]!)).toMatchObject({ status: 'LOCKED' });
  });

  it('ReleaseHold after the hold was confirmed is FAILED_PRECONDITION HOLD_ALREADY_USED', async () => {
    const { slotIds, user, hold } = await heldSlot();
    const { appointment } = await api.bookSlot({
      slotId: slotIds[0]!,
      userId: user,
      holdToken: hold.holdToken,
    });

    const e = await failure(api.releaseHold({ holdToken: hold.holdToken, userId: user }));

    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('HOLD_ALREADY_USED');
    expect(await store.claim(appointment!.id)).toMatchObject({ status: 'CONFIRMED' });
    expect(await store.slot(slotIds[0]!)).toMatchObject({
      status: 'BOOKED',
      appointmentId: oid(appointment!.id),
    });
  });

  it('SetSlotStatus on a held slot is FAILED_PRECONDITION SLOT_HELD, and the hold stays', async () => {
    const { slotIds, hold } = await heldSlot();
    const before = await store.slot(slotIds[0]!);

    for (const target of [SlotStatus.SLOT_STATUS_LOCKED, SlotStatus.SLOT_STATUS_AVAILABLE]) {
      const e = await failure(api.setSlotStatus({ slotId: slotIds[0]!, status: target }));
      expect(e.code).toBe(status.FAILED_PRECONDITION);
      expect(e.reason).toBe('SLOT_HELD');
    }
    expect(await store.slot(slotIds[0]!)).toEqual(before);
    expect(await store.claim(holdIdOf(hold.holdToken))).toMatchObject({ status: 'HELD' });
  });
});
