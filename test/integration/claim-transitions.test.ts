/**
 * Claim transitions (hold confirmed / released / expired, appointment
 * cancelled / moved) are decided by inserting `<claim id>:<revision>` in
 * claim_transitions: one transition per revision, atomically even on FerretDB,
 * whose conditional update is a read followed by a whole-document write. These
 * tests race transitions on the real database, craft what a request that died
 * between deciding and writing leaves behind, and check that a refused
 * reschedule fences an earlier attempt of itself.
 */
import { Types } from 'mongoose';
import { MongoClaimRepository } from '../../src/infra/mongo/claim.repository';
import {
  registerModels,
  type ClaimDoc,
  type SlotDoc,
  type TransitionDoc,
} from '../../src/infra/mongo/models';
import { idFromKey } from '../../src/use-cases/shared/idempotency';
import { claimDocument, serviceWithSlots } from '../factories';
import { failure, invariantViolations, rpc, startTestApp, type TestApp } from '../support/harness';

const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);
let userCounter = 0;
const newUser = (label: string): string => `${label}-${++userCounter}`;

describe('claim transitions', () => {
  let t: TestApp;
  let repo: MongoClaimRepository;
  let slotIds: string[];
  let serviceId: string;
  const claims = () => t.db.collection<ClaimDoc>('appointments');
  const transitions = () => t.db.collection<TransitionDoc>('claim_transitions');
  /** What a request that decided to cancel `appointmentId` (revision 0 -> 1) and crashed before writing leaves. */
  const leaveCrashedCancel = (appointmentId: string, reason: string, at: Date) =>
    transitions().insertOne({
      _id: `${appointmentId}:1`,
      claimId: oid(appointmentId),
      rev: 1,
      set: {
        status: 'CANCELLED',
        slotClaim: `~${appointmentId}`,
        cancelledAt: at,
        cancellationReason: reason,
        cancelRequestKey: null,
        updatedAt: at,
        rev: 1,
        revBy: 'crashed-request',
      },
      at,
    });
  const slot = async (id: string): Promise<SlotDoc> =>
    (await t.db.collection<SlotDoc>('slots').findOne({ _id: oid(id) }))!;

  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' });
    // A second repository on the same database, as another instance would have one;
    // short roll-forward so the crash tests do not wait the default 5 s.
    repo = new MongoClaimRepository(registerModels(t.db), { rollForwardAfterMs: 300 });
  });
  afterAll(() => t.stop());

  beforeEach(async () => {
    const created = await serviceWithSlots(rpc(t.client));
    slotIds = created.slotIds;
    serviceId = created.service.id;
  });

  it('confirm, release and expiry racing on one hold: exactly one wins, and each caller is told the truth', async () => {
    const rounds = 12;
    const holds: ClaimDoc[] = [];
    for (let i = 0; i < rounds; i++) {
      const expiresAt = new Date(Date.now() - 1_000);
      const doc = claimDocument(await slot(slotIds[i]!), {
        status: 'HELD',
        userId: `holder-${i}`,
        expiresAt,
        holdSecret: `secret-${i}`,
      });
      await claims().insertOne(doc);
      holds.push(doc);
    }

    await Promise.all(
      holds.map(async (h, i) => {
        const id = h._id.toHexString();
        const expiresAt = h.expiresAt!;
        // Each caller decided on what it read: the confirmer before the deadline
        // (as one slowed down between its check and its write), the expirer after it.
        const [confirmed, released, expired] = await Promise.all([
          repo.confirmHold({
            holdId: id,
            userId: h.userId,
            slotId: h.slotId.toHexString(),
            serviceId,
            secret: `secret-${i}`,
            validAfter: new Date(expiresAt.getTime() - 1),
            now: new Date(expiresAt.getTime() - 500),
          }),
          repo.releaseHold({ holdId: id, userId: h.userId, secret: `secret-${i}`, now: new Date() }),
          repo.expireHold({ holdId: id, now: new Date() }),
        ]);
        const winners = [confirmed, released, expired].filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        const stored = await claims().findOne({ _id: h._id });
        expect(stored!.status).toBe(winners[0]!.status);
        expect(stored!.rev).toBe(1);
        expect(stored!.slotClaim).toBe(stored!.status === 'CONFIRMED' ? h.slotId.toHexString() : `~${id}`);
      }),
    );
    expect(await transitions().countDocuments({ claimId: { $in: holds.map((h) => h._id) } })).toBe(0);
  });

  it('a transition decided by a request that died before writing it is applied by the next one, not contradicted', async () => {
    const api = rpc(t.client);
    const user = newUser('patient');
    const booked = (await api.bookSlot({ slotId: slotIds[0]!, userId: user })).appointment!;
    // The crashed request had decided to cancel it (rev 0 -> 1) and never wrote the claim,
    // 4 s ago: the writer's 5 s (the app's default) are nearly up.
    await leaveCrashedCancel(booked.id, 'decided by a request that crashed', new Date(Date.now() - 4_000));

    // Another cancel now: it must find the first one decided, wait for its writer, apply it and say so.
    const e = await failure(
      api.cancelAppointment({ appointmentId: booked.id, userId: user, reason: 'again' }),
    );

    expect(e.reason).toBe('APPOINTMENT_ALREADY_CANCELLED');
    expect(await claims().findOne({ _id: oid(booked.id) })).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'decided by a request that crashed',
      rev: 1,
      revBy: 'crashed-request',
    });
    expect(await transitions().countDocuments({ claimId: oid(booked.id) })).toBe(0);
  });

  it('the reconciler applies a transition left behind by a crash, then frees the slot', async () => {
    const api = rpc(t.client);
    const booked = (await api.bookSlot({ slotId: slotIds[1]!, userId: newUser('patient') })).appointment!;
    await leaveCrashedCancel(booked.id, 'crashed', new Date(Date.now() - 60_000));

    const counts = await t.app.reconciler.runOnce();

    expect(counts.transitionsSettled).toBeGreaterThanOrEqual(1);
    expect(await claims().findOne({ _id: oid(booked.id) })).toMatchObject({ status: 'CANCELLED', rev: 1 });
    expect(await slot(slotIds[1]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await transitions().countDocuments({ claimId: oid(booked.id) })).toBe(0);
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('a refused reschedule with a request_id fences its earlier attempt: a move decided on the old revision cannot land', async () => {
    const api = rpc(t.client);
    const user = newUser('patient');
    const appointment = (await api.bookSlot({ slotId: slotIds[2]!, userId: user })).appointment!;
    await api.bookSlot({ slotId: slotIds[3]!, userId: newUser('other') });
    const before = await claims().findOne({ _id: oid(appointment.id) });

    const e = await failure(
      api.rescheduleAppointment({
        appointmentId: appointment.id,
        userId: user,
        newSlotId: slotIds[3]!,
        requestId: '6d0c8f3e-8a53-4d5e-9f6b-0d7e0b4f2a11',
      }),
    );
    expect(e.reason).toBe('SLOT_UNAVAILABLE');

    // An earlier attempt of that request, decided on the revision the refusal saw, arriving late:
    const late = await repo.moveClaim({
      appointmentId: appointment.id,
      fromSlotId: slotIds[2]!,
      revision: before!.rev ?? 0,
      to: { slotId: slotIds[4]!, startTime: new Date(), endTime: new Date() },
      now: new Date(),
      requestKey: 'RescheduleAppointment:late',
    });

    expect(late).toBeNull();
    expect(await claims().findOne({ _id: oid(appointment.id) })).toMatchObject({
      status: 'CONFIRMED',
      slotId: oid(slotIds[2]!),
      rev: (before!.rev ?? 0) + 1,
    });
  });

  it('a refused booking with a request_id is final: an earlier attempt of it arriving late cannot create the appointment', async () => {
    const api = rpc(t.client);
    const user = newUser('patient');
    const requestId = '0b5f3f0e-41a4-4c71-9a55-5c8f4b8d2e31';
    const other = newUser('other');
    const taken = (await api.bookSlot({ slotId: slotIds[7]!, userId: other })).appointment!;

    const e = await failure(api.bookSlot({ slotId: slotIds[7]!, userId: user, requestId }));
    expect(e.reason).toBe('SLOT_UNAVAILABLE');

    // The appointment id that request creates is spoken for (VOID): a late insert of it fails...
    const id = idFromKey(`BookSlot:${user}:${requestId}`);
    expect(await claims().findOne({ _id: oid(id) })).toMatchObject({ status: 'VOID', slotClaim: `~${id}` });
    const s7 = await slot(slotIds[7]!);
    await expect(
      repo.insert({
        ...(await repo.findById(taken.id))!,
        id,
        userId: user,
        slotId: slotIds[7]!,
        startTime: s7.startTime,
        endTime: s7.endTime,
      }),
    ).rejects.toThrow(/exists already/);
    // ...a retry gets the original answer even once the slot is free, and the VOID is never listed.
    await api.cancelAppointment({ appointmentId: taken.id, userId: other, reason: '' });
    expect((await failure(api.bookSlot({ slotId: slotIds[7]!, userId: user, requestId }))).reason).toBe(
      'SLOT_UNAVAILABLE',
    );
    expect(
      (await api.listAppointments({ userId: user, status: 0, pageSize: 50, pageToken: '' })).appointments,
    ).toEqual([]);
    // A new request books it.
    const booked = await api.bookSlot({
      slotId: slotIds[7]!,
      userId: user,
      requestId: `${requestId.slice(0, -1)}2`,
    });
    expect(booked.appointment!.userId).toBe(user);
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('a hold refused as too late to confirm is fenced: a confirmation decided on the revision it saw cannot land', async () => {
    const api = rpc(t.client);
    const user = newUser('holder');
    const hold = await api.holdSlot({ slotId: slotIds[8]!, userId: user, ttlSeconds: 1 });
    const holdId = hold.holdToken.split('.')[0]!;
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const e = await failure(api.bookSlot({ slotId: slotIds[8]!, userId: user, holdToken: hold.holdToken }));

    expect(e.reason).toBe('HOLD_EXPIRED');
    // The refusal took revision 1: an earlier attempt's transition (0 -> 1) can no longer be decided.
    expect(await claims().findOne({ _id: oid(holdId) })).toMatchObject({ status: 'HELD', rev: 1 });
    // A transition decided on revision 0 (an earlier attempt's confirmation, late) finds it moved on.
    expect(await repo.fence({ id: holdId, revision: 0 })).toBe(false);
  });

  it('a claim stored before revisions existed (no rev field) changes like any other', async () => {
    const legacy = claimDocument(await slot(slotIds[9]!), { status: 'CONFIRMED', userId: newUser('legacy') });
    delete legacy.rev;
    delete legacy.revBy;
    await claims().insertOne(legacy);

    const cancelled = await repo.cancel({
      appointmentId: legacy._id.toHexString(),
      now: new Date(),
      reason: '',
      requestKey: null,
    });

    expect(cancelled).toMatchObject({ status: 'CANCELLED', revision: 1 });
    expect(await claims().findOne({ _id: legacy._id })).toMatchObject({ status: 'CANCELLED', rev: 1 });
  });

  it('a move that collides on its new slot is undone: the claim stays, and its next transition is not blocked', async () => {
    const api = rpc(t.client);
    const user = newUser('patient');
    const appointment = (await api.bookSlot({ slotId: slotIds[5]!, userId: user })).appointment!;
    await api.bookSlot({ slotId: slotIds[6]!, userId: newUser('other') });

    await expect(
      repo.moveClaim({
        appointmentId: appointment.id,
        fromSlotId: slotIds[5]!,
        revision: 0,
        to: { slotId: slotIds[6]!, startTime: new Date(), endTime: new Date() },
        now: new Date(),
        requestKey: null,
      }),
    ).rejects.toThrow(/already has an active claim/);
    expect(await transitions().countDocuments({ claimId: oid(appointment.id) })).toBe(0);

    await api.cancelAppointment({ appointmentId: appointment.id, userId: user, reason: '' });
    expect(await claims().findOne({ _id: oid(appointment.id) })).toMatchObject({
      status: 'CANCELLED',
      rev: 1,
    });
  });
});
