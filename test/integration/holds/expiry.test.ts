/**
 * Hold expiry: an expired hold stops counting at its deadline, before any
 * clean-up, and the reconciler then expires its record; a hold with less than
 * the confirm margin left cannot be confirmed any more.
 */
import { status } from '@grpc/grpc-js';
import type { HoldSlotResponse } from '../../../src/gen/booking/v1/booking_service';
import { AppointmentStatus, SlotStatus } from '../../../src/gen/booking/v1/resources';
import { listAllSlots, serviceWithSlots } from '../../factories';
import { failure, invariantViolations, rpc, violatedFields, type Rpc } from '../../support/harness';
import { useDescribeApp } from '../../support/describe-app';
import { holdIdOf, newUser, oid, storeOf, waitUntilPast } from '../../support/holds';

describe('hold expiry (confirm margin 200 ms, no background reconciler)', () => {
  const t = useDescribeApp({
    HOLD_CONFIRM_MARGIN_MS: '200',
    HOLD_MAX_TTL_SECONDS: '60',
    RECONCILER_ENABLED: 'false',
    RECONCILER_GRACE_MS: '0',
  });
  const store = storeOf(() => t);
  let api: Rpc;
  const expired: Partial<
    Record<
      'booking' | 'counting' | 'rehold' | 'reconciler',
      { serviceId: string; slotId: string; user: string; hold: HoldSlotResponse }
    >
  > = {};

  beforeAll(async () => {
    api = rpc(t.client);
    // One-second holds for the tests below, each on a service of its own, all expired at once.
    for (const name of ['booking', 'counting', 'rehold', 'reconciler'] as const) {
      const { service, slotIds } = await serviceWithSlots(api);
      const user = newUser(name);
      const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 1 });
      expired[name] = { serviceId: service.id, slotId: slotIds[0]!, user, hold };
    }
    await waitUntilPast(
      new Date(Math.max(...Object.values(expired).map((e) => e.hold.expireTime!.getTime()))),
    );
  });

  it('a hold that expires while its owner is booking: HOLD_EXPIRED, and no appointment', async () => {
    const { slotId, user, hold } = expired.booking!;

    const e = await failure(api.bookSlot({ slotId, userId: user, holdToken: hold.holdToken }));

    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('HOLD_EXPIRED');
    expect((await api.listAppointments({ userId: user })).appointments).toEqual([]);
    expect(await store.claim(holdIdOf(hold.holdToken))).toMatchObject({ status: 'HELD' });
  });

  it('refuses ttl_seconds above HOLD_MAX_TTL_SECONDS', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const e = await failure(api.holdSlot({ slotId: slotIds[0]!, userId: newUser('holder'), ttlSeconds: 61 }));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(e)).toEqual(['ttl_seconds']);
    await expect(
      api.holdSlot({ slotId: slotIds[0]!, userId: newUser('holder'), ttlSeconds: 60 }),
    ).resolves.toBeDefined();
  });

  it('an expired hold stops counting before clean-up: listed AVAILABLE, and another user books it', async () => {
    const { serviceId, slotId, user: holder, hold } = expired.counting!;

    // Nothing has cleaned up: the stored slot still says LOCKED...
    expect(await store.slot(slotId)).toMatchObject({ status: 'LOCKED' });
    // ...but callers see it AVAILABLE, in listings and filters.
    const listed = (await listAllSlots(api, serviceId)).find((s) => s.id === slotId)!;
    expect(listed.status).toBe(SlotStatus.SLOT_STATUS_AVAILABLE);
    expect(listed.holdExpireTime).toBeUndefined();
    const available = await listAllSlots(api, serviceId, { status: SlotStatus.SLOT_STATUS_AVAILABLE });
    expect(available.map((s) => s.id)).toContain(slotId);
    const locked = await listAllSlots(api, serviceId, { status: SlotStatus.SLOT_STATUS_LOCKED });
    expect(locked.map((s) => s.id)).not.toContain(slotId);

    const { appointment } = await api.bookSlot({ slotId, userId: newUser('next') });

    expect(appointment!.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED);
    expect(await store.slot(slotId)).toMatchObject({
      status: 'BOOKED',
      appointmentId: oid(appointment!.id),
    });
    expect(await store.claim(holdIdOf(hold.holdToken))).toMatchObject({ status: 'EXPIRED' });
    const late = await failure(api.bookSlot({ slotId, userId: holder, holdToken: hold.holdToken }));
    expect(late.reason).toBe('HOLD_EXPIRED');
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('another user can hold a slot whose hold expired', async () => {
    const { slotId, hold: first } = expired.rehold!;

    const second = await api.holdSlot({ slotId, userId: newUser('second'), ttlSeconds: 30 });

    expect(second.slot).toMatchObject({
      status: SlotStatus.SLOT_STATUS_LOCKED,
      holdExpireTime: second.expireTime,
    });
    expect(await store.claim(holdIdOf(first.holdToken))).toMatchObject({ status: 'EXPIRED' });
    expect(await store.claim(holdIdOf(second.holdToken))).toMatchObject({ status: 'HELD' });
  });

  it('the reconciler expires the hold record and frees the slot', async () => {
    const { slotId, hold } = expired.reconciler!;
    const before = await store.slot(slotId);
    expect(before).toMatchObject({ status: 'LOCKED', holdId: oid(holdIdOf(hold.holdToken)) });

    const counts = await t.app.reconciler.runOnce();

    expect(counts.holdsExpired).toBeGreaterThanOrEqual(1);
    expect(await store.claim(holdIdOf(hold.holdToken))).toMatchObject({
      status: 'EXPIRED',
      slotClaim: `~${holdIdOf(hold.holdToken)}`,
    });
    const after = await store.slot(slotId);
    expect(after).toMatchObject({
      status: 'AVAILABLE',
      holdId: null,
      holdExpiresAt: null,
      appointmentId: null,
    });
    expect(after.revision).toBeGreaterThan(before.revision);
  });

  it('a provider block (SetSlotStatus LOCKED) has no hold_expire_time and stays LOCKED', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const { slot } = await api.setSlotStatus({ slotId: slotIds[0]!, status: SlotStatus.SLOT_STATUS_LOCKED });
    expect(slot).toMatchObject({ status: SlotStatus.SLOT_STATUS_LOCKED });
    expect(slot!.holdExpireTime).toBeUndefined();
    const before = await store.slot(slotIds[0]!);

    await t.app.reconciler.runOnce();

    expect(await store.slot(slotIds[0]!)).toEqual(before);
    const listed = (await listAllSlots(api, service.id)).find((s) => s.id === slotIds[0])!;
    expect(listed.status).toBe(SlotStatus.SLOT_STATUS_LOCKED);
    expect(listed.holdExpireTime).toBeUndefined();
    for (const e of [
      await failure(api.bookSlot({ slotId: slotIds[0]!, userId: newUser('u') })),
      await failure(api.holdSlot({ slotId: slotIds[0]!, userId: newUser('u'), ttlSeconds: 5 })),
    ]) {
      expect(e.code).toBe(status.FAILED_PRECONDITION);
      expect(e.reason).toBe('SLOT_UNAVAILABLE');
    }
  });
});

describe('a hold with less than the confirm margin left (margin 5 s)', () => {
  const t = useDescribeApp({ HOLD_CONFIRM_MARGIN_MS: '5000', RECONCILER_ENABLED: 'false' });

  it('cannot be confirmed any more: HOLD_EXPIRED, and the slot stays held', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('late');
    const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 3 });

    const e = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: user, holdToken: hold.holdToken }));

    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('HOLD_EXPIRED');
    expect(await storeOf(() => t).claim(holdIdOf(hold.holdToken))).toMatchObject({ status: 'HELD' });
  });
});
