/**
 * Holds: HoldSlot keeps a slot for one user (LOCKED until hold_expire_time);
 * BookSlot with the hold token confirms it; ReleaseHold gives it back; an
 * expired hold stops counting at its deadline, before any clean-up, and the
 * reconciler then expires its record. The unique slot-claim index admits one
 * hold among many concurrent attempts, with the lock gate on or off.
 */
import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import type { HoldSlotResponse } from '../../src/gen/booking/v1/booking_service';
import { AppointmentStatus, SlotStatus } from '../../src/gen/booking/v1/resources';
import type { ClaimDoc, SlotDoc } from '../../src/infra/mongo/models';
import { listAllSlots, serviceWithSlots } from '../factories';
import {
  decodeError,
  failure,
  invariantViolations,
  rpc,
  startTestApp,
  violatedFields,
  type Rpc,
  type TestApp,
} from '../support/harness';
import { sleep } from '../support/processes';

let userCounter = 0;
const newUser = (label: string): string => `${label}-${++userCounter}`;
const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);
const holdIdOf = (token: string): string => token.split('.')[0]!;

function storeOf(t: TestApp) {
  const slots = t.db.collection<SlotDoc>('slots');
  const claims = t.db.collection<ClaimDoc>('appointments');
  return {
    slot: async (id: string): Promise<SlotDoc> => (await slots.findOne({ _id: oid(id) }))!,
    claim: (id: string) => claims.findOne({ _id: oid(id) }),
    claimsOfSlot: (slotId: string) => claims.find({ slotId: oid(slotId) }).toArray(),
  };
}

/** Waits until `time` has passed (by a margin), without a fixed sleep. */
async function waitUntilPast(time: Date, marginMs = 50): Promise<void> {
  while (Date.now() < time.getTime() + marginMs)
    await sleep(Math.max(10, time.getTime() + marginMs - Date.now()));
}

describe('holds (default settings)', () => {
  let t: TestApp;
  let api: Rpc;
  let store: ReturnType<typeof storeOf>;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false' });
    api = rpc(t.client);
    store = storeOf(t);
  });
  afterAll(() => t.stop());

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
    const { service, slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 120 });

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
    const { slotIds } = await serviceWithSlots(api);
    const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: newUser('holder'), ttlSeconds: 120 });

    const e = await failure(
      api.bookSlot({ slotId: slotIds[0]!, userId: newUser('thief'), holdToken: hold.holdToken }),
    );

    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('HOLD_NOT_FOUND');
    expect(await store.claim(holdIdOf(hold.holdToken))).toMatchObject({ status: 'HELD' });
  });

  it('a hold token with a wrong secret is HOLD_NOT_FOUND, and the hold stays HELD', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 120 });
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
    const { service, slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 120 });

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
    const { slotIds } = await serviceWithSlots(api);
    const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: newUser('holder'), ttlSeconds: 120 });

    const e = await failure(api.releaseHold({ holdToken: hold.holdToken, userId: newUser('other') }));

    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('HOLD_NOT_FOUND');
    expect(await store.slot(slotIds[0]!)).toMatchObject({ status: 'LOCKED' });
  });

  it('ReleaseHold after the hold was confirmed is FAILED_PRECONDITION HOLD_ALREADY_USED', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 120 });
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
    const { slotIds } = await serviceWithSlots(api);
    const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: newUser('holder'), ttlSeconds: 120 });
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

describe('hold expiry (confirm margin 200 ms, no background reconciler)', () => {
  let t: TestApp;
  let api: Rpc;
  let store: ReturnType<typeof storeOf>;
  const expired: Partial<
    Record<
      'booking' | 'counting' | 'rehold' | 'reconciler',
      { serviceId: string; slotId: string; user: string; hold: HoldSlotResponse }
    >
  > = {};

  beforeAll(async () => {
    t = await startTestApp({
      HOLD_CONFIRM_MARGIN_MS: '200',
      HOLD_MAX_TTL_SECONDS: '60',
      RECONCILER_ENABLED: 'false',
      RECONCILER_GRACE_MS: '0',
    });
    api = rpc(t.client);
    store = storeOf(t);
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
  afterAll(() => t.stop());

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
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ HOLD_CONFIRM_MARGIN_MS: '5000', RECONCILER_ENABLED: 'false' });
  });
  afterAll(() => t.stop());

  it('cannot be confirmed any more: HOLD_EXPIRED, and the slot stays held', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('late');
    const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 3 });

    const e = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: user, holdToken: hold.holdToken }));

    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('HOLD_EXPIRED');
    expect(await storeOf(t).claim(holdIdOf(hold.holdToken))).toMatchObject({ status: 'HELD' });
  });
});

describe.each([
  ['on', 'true'],
  ['off', 'false'],
])('50 concurrent holds of one slot, lock gate %s', (gate, enabled) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BOOKING_LOCK_ENABLED: enabled, RECONCILER_ENABLED: 'false' });
  });
  afterAll(() => t.stop());

  it('exactly one succeeds, and the database shows one HELD claim the slot points at', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;

    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => api.holdSlot({ slotId, userId: `holder-${i}`, ttlSeconds: 60 })),
    );

    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const losers = results.flatMap((r) => (r.status === 'rejected' ? [decodeError(r.reason)] : []));
    expect(winners).toHaveLength(1);
    const allowed = gate === 'on' ? ['SLOT_BUSY', 'SLOT_UNAVAILABLE'] : ['SLOT_UNAVAILABLE'];
    for (const loser of losers) expect(allowed).toContain(loser.reason);

    const holdId = holdIdOf(winners[0]!.holdToken);
    const held = await t.db
      .collection<ClaimDoc>('appointments')
      .find({ slotId: oid(slotId), status: 'HELD' })
      .toArray();
    expect(held.map((c) => c._id.toHexString())).toEqual([holdId]);
    expect(await storeOf(t).slot(slotId)).toMatchObject({
      status: 'LOCKED',
      holdId: oid(holdId),
      holdExpiresAt: winners[0]!.expireTime,
    });
  });
});
