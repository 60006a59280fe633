/**
 * Claim transitions (hold confirmed / released / expired, appointment
 * cancelled / moved) are decided by inserting `<claim id>:<revision>` in
 * claim_transitions: one transition per revision, atomically even on FerretDB,
 * whose conditional update is a read followed by a whole-document write. These
 * tests race transitions on the real database, and craft what a request that
 * died between deciding and writing leaves behind.
 */
import type { ClaimDoc } from '../../../src/infra/mongo/models';
import { claimDocument } from '../../factories';
import { failure, invariantViolations, rpc } from '../../support/harness';
import { newUser, oid } from '../../support/ids';
import * as fixture from '../../support/claim-transitions';

describe('claim transitions', () => {
  fixture.useClaimTransitionsApp();

  it('confirm, release and expiry racing on one hold: exactly one wins, and each caller is told the truth', async () => {
    const rounds = 12;
    const holds: ClaimDoc[] = [];
    for (let i = 0; i < rounds; i++) {
      const expiresAt = new Date(Date.now() - 1_000);
      const doc = claimDocument(await fixture.slot(fixture.slotIds[i]!), {
        status: 'HELD',
        userId: `holder-${i}`,
        expiresAt,
        holdSecret: `secret-${i}`,
      });
      await fixture.claims().insertOne(doc);
      holds.push(doc);
    }

    await Promise.all(
      holds.map(async (h, i) => {
        const id = h._id.toHexString();
        const expiresAt = h.expiresAt!;
        // Each caller decided on what it read: the confirmer before the deadline
        // (as one slowed down between its check and its write), the expirer after it.
        const [confirmed, released, expired] = await Promise.all([
          fixture.repo.confirmHold({
            holdId: id,
            userId: h.userId,
            slotId: h.slotId.toHexString(),
            serviceId: fixture.serviceId,
            secret: `secret-${i}`,
            validAfter: new Date(expiresAt.getTime() - 1),
            now: new Date(expiresAt.getTime() - 500),
          }),
          fixture.repo.releaseHold({ holdId: id, userId: h.userId, secret: `secret-${i}`, now: new Date() }),
          fixture.repo.expireHold({ holdId: id, now: new Date() }),
        ]);
        const winners = [confirmed, released, expired].filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        const stored = await fixture.claims().findOne({ _id: h._id });
        expect(stored!.status).toBe(winners[0]!.status);
        expect(stored!.rev).toBe(1);
        expect(stored!.slotClaim).toBe(stored!.status === 'CONFIRMED' ? h.slotId.toHexString() : `~${id}`);
      }),
    );
    expect(await fixture.transitions().countDocuments({ claimId: { $in: holds.map((h) => h._id) } })).toBe(0);
  });

  it('a transition decided by a request that died before writing it is applied by the next one, not contradicted', async () => {
    const api = rpc(fixture.t.client);
    const user = newUser('patient');
    const booked = (await api.bookSlot({ slotId: fixture.slotIds[0]!, userId: user })).appointment!;
    // The crashed request had decided to cancel it (rev 0 -> 1) and never wrote the claim,
    // 4 s ago: the writer's 5 s (the app's default) are nearly up.
    await fixture.leaveCrashedCancel(
      booked.id,
      'decided by a request that crashed',
      new Date(Date.now() - 4_000),
    );

    // Another cancel now: it must find the first one decided, wait for its writer, apply it and say so.
    const e = await failure(
      api.cancelAppointment({ appointmentId: booked.id, userId: user, reason: 'again' }),
    );

    expect(e.reason).toBe('APPOINTMENT_ALREADY_CANCELLED');
    expect(await fixture.claims().findOne({ _id: oid(booked.id) })).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'decided by a request that crashed',
      rev: 1,
      revBy: 'crashed-request',
    });
    expect(await fixture.transitions().countDocuments({ claimId: oid(booked.id) })).toBe(0);
  });

  it('the reconciler applies a transition left behind by a crash, then frees the slot', async () => {
    const api = rpc(fixture.t.client);
    const booked = (await api.bookSlot({ slotId: fixture.slotIds[1]!, userId: newUser('patient') }))
      .appointment!;
    await fixture.leaveCrashedCancel(booked.id, 'crashed', new Date(Date.now() - 60_000));

    const counts = await fixture.t.app.reconciler.runOnce();

    expect(counts.transitionsSettled).toBeGreaterThanOrEqual(1);
    expect(await fixture.claims().findOne({ _id: oid(booked.id) })).toMatchObject({
      status: 'CANCELLED',
      rev: 1,
    });
    expect(await fixture.slot(fixture.slotIds[1]!)).toMatchObject({
      status: 'AVAILABLE',
      appointmentId: null,
    });
    expect(await fixture.transitions().countDocuments({ claimId: oid(booked.id) })).toBe(0);
    expect(await invariantViolations(fixture.t.db, fixture.serviceId)).toEqual([]);
  });
});
