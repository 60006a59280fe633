/**
 * Holds with default settings: HoldSlot keeps a slot for one user (LOCKED until
 * hold_expire_time), others can neither book nor hold it, and BookSlot with the
 * hold token confirms it; a token of another user, slot or service does not.
 */
import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { AppointmentStatus, SlotStatus } from '../../../src/gen/booking/v1/resources';
import { listAllSlots, serviceWithSlots } from '../../factories';
import { failure, invariantViolations, violatedFields } from '../../support/harness';
import { api, t, useFileApp } from '../../support/file-app';
import { holdIdOf, newUser, oid, storeOf } from '../../support/holds';
import { heldSlot } from './setup';

useFileApp({ RECONCILER_ENABLED: 'false' });
const store = storeOf(() => t);

describe('holds (default settings)', () => {
  it('HoldSlot makes the slot LOCKED with a hold_expire_time', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const before = Date.now();

    const res = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 120 });
    const after = Date.now();

    expect(res.holdToken).toMatch(/^[0-9a-f]{24}\.[A-Za-z0-9_-]{22}$/);
    expect(res.expireTime!.getTime()).toBeGreaterThanOrEqual(before + 120_000 - 1);
    expect(res.expireTime!.getTime()).toBeLessThanOrEqual(after + 120_000 + 1);
    expect(res.slot).toMatchObject({
      id: slotIds[0],
      status: SlotStatus.SLOT_STATUS_LOCKED,
      holdExpireTime: res.expireTime,
      appointmentId: '',
    });
    const listed = (await listAllSlots(api, service.id)).find((s) => s.id === slotIds[0])!;
    expect(listed).toMatchObject({ status: SlotStatus.SLOT_STATUS_LOCKED, holdExpireTime: res.expireTime });
    expect(await store.slot(slotIds[0]!)).toMatchObject({
      status: 'LOCKED',
      holdId: oid(holdIdOf(res.holdToken)),
      holdExpiresAt: res.expireTime,
      appointmentId: null,
    });
    expect(await store.claim(holdIdOf(res.holdToken))).toMatchObject({
      status: 'HELD',
      userId: user,
      slotClaim: slotIds[0],
      expiresAt: res.expireTime,
    });
  });

  it('ttl_seconds 0 holds for the default time (300 s)', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const before = Date.now();
    const res = await api.holdSlot({ slotId: slotIds[0]!, userId: newUser('holder'), ttlSeconds: 0 });
    expect(res.expireTime!.getTime() - before).toBeGreaterThanOrEqual(300_000 - 1);
    expect(res.expireTime!.getTime() - Date.now()).toBeLessThanOrEqual(300_000 + 1);
  });

  it('refuses ttl_seconds above the maximum (900 s) with INVALID_ARGUMENT on ttl_seconds', async () => {
    const { slotIds } = await serviceWithSlots(api);
    for (const ttlSeconds of [901, -1]) {
      const e = await failure(api.holdSlot({ slotId: slotIds[0]!, userId: newUser('holder'), ttlSeconds }));
      expect(e.code).toBe(status.INVALID_ARGUMENT);
      expect(violatedFields(e)).toEqual(['ttl_seconds']);
    }
    expect(await store.slot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE' });
    expect(await store.claimsOfSlot(slotIds[0]!)).toEqual([]);
  });

  it('another user can neither book nor hold a held slot', async () => {
    const { slotIds } = await serviceWithSlots(api);
    await api.holdSlot({ slotId: slotIds[0]!, userId: newUser('holder'), ttlSeconds: 120 });
    const before = await store.slot(slotIds[0]!);

    const booked = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: newUser('other') }));
    const held = await failure(
      api.holdSlot({ slotId: slotIds[0]!, userId: newUser('other'), ttlSeconds: 60 }),
    );

    for (const e of [booked, held]) {
      expect(e.code).toBe(status.FAILED_PRECONDITION);
      expect(e.reason).toBe('SLOT_UNAVAILABLE');
    }
    expect(await store.slot(slotIds[0]!)).toEqual(before);
    expect(await store.claimsOfSlot(slotIds[0]!)).toHaveLength(1);
  });

  it('BookSlot with the hold token confirms the hold: CONFIRMED, slot BOOKED by it', async () => {
    const { service, slotIds, user, hold } = await heldSlot();

    const { appointment } = await api.bookSlot({
      slotId: slotIds[0]!,
      userId: user,
      serviceId: service.id,
      holdToken: hold.holdToken,
    });

    expect(appointment).toMatchObject({
      id: holdIdOf(hold.holdToken),
      userId: user,
      slotId: slotIds[0],
      status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
      slot: { status: SlotStatus.SLOT_STATUS_BOOKED, appointmentId: holdIdOf(hold.holdToken) },
    });
    expect(appointment!.slot!.holdExpireTime).toBeUndefined();
    expect(await store.slot(slotIds[0]!)).toMatchObject({
      status: 'BOOKED',
      appointmentId: oid(appointment!.id),
      holdId: null,
      holdExpiresAt: null,
    });
    expect(await store.claim(appointment!.id)).toMatchObject({ status: 'CONFIRMED', slotClaim: slotIds[0] });
    expect(await invariantViolations(t.db, service.id)).toEqual([]);
  });

  it('a hold token of another user is HOLD_NOT_FOUND, and the hold stays HELD', async () => {
    const { slotIds, hold } = await heldSlot();

    const e = await failure(
      api.bookSlot({ slotId: slotIds[0]!, userId: newUser('thief'), holdToken: hold.holdToken }),
    );

    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('HOLD_NOT_FOUND');
    expect(await store.claim(holdIdOf(hold.holdToken))).toMatchObject({ status: 'HELD' });
  });

  it('a hold token with a wrong secret is HOLD_NOT_FOUND, and the hold stays HELD', async () => {
    const { slotIds, user, hold } = await heldSlot();
    const forged = `${holdIdOf(hold.holdToken)}.${randomBytes(16).toString('base64url')}`;

    const e = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: user, holdToken: forged }));

    expect(e.reason).toBe('HOLD_NOT_FOUND');
    expect(await store.claim(holdIdOf(hold.holdToken))).toMatchObject({ status: 'HELD' });
  });

  it.each([
    ['another slot', 'slot'],
    ['another service', 'service'],
  ])(
    'a hold token presented for %s is HOLD_NOT_FOUND, and the hold is not confirmed',
    async (_what, mismatch) => {
      const { service, slotIds } = await serviceWithSlots(api);
      const other = await serviceWithSlots(api);
      const user = newUser('holder');
      const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 120 });
      const holdId = holdIdOf(hold.holdToken);

      const e = await failure(
        api.bookSlot(
          mismatch === 'slot'
            ? { slotId: slotIds[1]!, userId: user, holdToken: hold.holdToken }
            : { slotId: slotIds[0]!, userId: user, serviceId: other.service.id, holdToken: hold.holdToken },
        ),
      );

      expect(e.code).toBe(status.NOT_FOUND);
      expect(e.reason).toBe('HOLD_NOT_FOUND');
      // The refused call must not have turned the hold into an appointment.
      expect(await store.claim(holdId)).toMatchObject({ status: 'HELD' });
      expect((await api.listAppointments({ userId: user })).appointments).toEqual([]);
      expect(await store.slot(slotIds[1]!)).toMatchObject({ status: 'AVAILABLE' });
      // And the hold can still be released, as for any hold that was never used.
      const released = await api.releaseHold({ holdToken: hold.holdToken, userId: user });
      expect(released.slot).toMatchObject({ id: slotIds[0], serviceId: service.id });
      expect(released.slot!.status).toBe(SlotStatus.SLOT_STATUS_AVAILABLE);
    },
  );
});
