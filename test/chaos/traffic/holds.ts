/** The client's holds: holding a slot, confirming the hold (near its expiry now and then) or releasing it. */
import { randomUUID } from 'node:crypto';
import type * as pb from '../../../src/gen/booking/v1/booking_service';
import { AppointmentStatus } from '../../../src/gen/booking/v1/resources';
import { sleep } from '../util';
import { iso } from './calls';
import type { VirtualClient } from './client';

export async function hold(c: VirtualClient): Promise<void> {
  const { userId } = c.truth;
  const slotId = c.t.pickTarget(c.rng);
  const ttlSeconds = c.rng.int(1, 3);
  const requestId = randomUUID();
  const partySize = c.t.partyFor(c.rng, slotId);
  const req: pb.HoldSlotRequest = { slotId, userId, ttlSeconds, requestId, partySize };
  const out = await c.send('hold', requestId, (rpc) => rpc.holdSlot, req);
  if (!out.ok) return; // an unknown hold just expires: nobody has its token
  const expireMs = out.res.expireTime?.getTime() ?? 0;
  const holdId = out.res.holdToken.split('.')[0] ?? '';
  if (expireMs > out.lastReceivedMs + ttlSeconds * 1000 + 5) {
    c.t.violation(
      'hold expiry',
      `HoldSlot(${slotId}, ttl ${ttlSeconds}s) granted until ${new Date(expireMs).toISOString()}, ` +
        `longer than asked (answered at ${new Date(out.lastReceivedMs).toISOString()})`,
      out.trail,
    );
  }
  c.holds.push({ token: out.res.holdToken, holdId, slotId, expireMs });
  const r = c.rng.next();
  if (r < 0.6) c.followUp = { kind: 'confirm', holdId };
  else if (r < 0.7) c.followUp = { kind: 'release', holdId };
}

function takeHold(
  c: VirtualClient,
): { token: string; holdId: string; slotId: string; expireMs: number } | undefined {
  if (c.holds.length === 0) return undefined;
  const wanted = c.followUp ? c.holds.findIndex((h) => h.holdId === c.followUp?.holdId) : -1;
  c.followUp = null;
  const i = wanted >= 0 ? wanted : c.rng.int(0, c.holds.length - 1);
  return c.holds.splice(i, 1)[0];
}

export async function confirm(c: VirtualClient): Promise<void> {
  const h = takeHold(c);
  if (!h) return;
  const { userId } = c.truth;
  const { holdConfirmMarginMs } = c.t.options;
  // Now and then aim at the expiry on purpose: just before it, or just after.
  if (c.rng.chance(0.2)) {
    const target = h.expireMs + c.rng.between(-400, 400);
    await sleep(Math.min(target - Date.now(), 3_000));
  }
  const late = Date.now() >= h.expireMs;
  if (late) c.t.stats.lateConfirms.tried += 1;
  const requestId = randomUUID();
  const req: pb.BookSlotRequest = {
    slotId: h.slotId,
    userId,
    serviceId: '',
    holdToken: h.token,
    requestId,
    partySize: 0,
  };
  const out = await c.send('confirm', requestId, (rpc) => rpc.bookSlot, req);
  if (out.ok) {
    const a = out.res.appointment;
    if (
      !a ||
      a.id !== h.holdId ||
      a.slotId !== h.slotId ||
      a.status !== AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED
    ) {
      c.t.violation('response', `BookSlot(hold ${h.holdId}) answered ${JSON.stringify(a)}`, out.trail);
      c.truth.reported.add(h.holdId);
      return;
    }
    if (out.firstSentMs >= h.expireMs) {
      c.t.violation(
        'hold expiry',
        `honoured past its expiry: hold ${h.holdId} on slot ${h.slotId} expired at ${new Date(h.expireMs).toISOString()}, ` +
          `confirmation first sent at ${new Date(out.firstSentMs).toISOString()} succeeded`,
        out.trail,
      );
    }
    c.truth.appointments.set(a.id, h.slotId);
    c.truth.confirmedHolds.push({ id: a.id, expireMs: h.expireMs, firstSentMs: out.firstSentMs });
    c.acquired.set(
      a.id,
      `confirmed hold (expires ${iso(h.expireMs)}, confirmation sent ${iso(out.firstSentMs)}, ` +
        `answered OK ${iso(out.lastReceivedMs)} [${out.trail}])`,
    );
  } else if (out.unknown) {
    c.truth.uncertain.set(h.holdId, Date.now());
  } else {
    c.remember(
      h.holdId,
      `BookSlot(slot ${h.slotId}, hold ${h.holdId}) answered ${out.failure.reason} "${out.failure.message}" [${out.trail}]`,
    );
    if (late) c.t.stats.lateConfirms.refused += 1;
    const reason = out.failure.reason;
    // The server's clock read happened before the answer arrived: answered
    // before expiry - margin means the hold still had more than the margin left.
    if (
      (reason === 'HOLD_EXPIRED' || reason === 'HOLD_NOT_FOUND') &&
      out.lastReceivedMs < h.expireMs - holdConfirmMarginMs - 5
    ) {
      c.t.violation(
        'hold expiry',
        `not honoured before its expiry: hold ${h.holdId} on slot ${h.slotId} (expires ${new Date(h.expireMs).toISOString()}) was refused ` +
          `with ${reason} at ${new Date(out.lastReceivedMs).toISOString()}`,
        out.trail,
      );
    }
  }
}

export async function release(c: VirtualClient): Promise<void> {
  const h = takeHold(c);
  if (!h) return;
  const req: pb.ReleaseHoldRequest = { holdToken: h.token, userId: c.truth.userId };
  // ReleaseHold has no request_id: it is idempotent by itself.
  const out = await c.send('release', null, (rpc) => rpc.releaseHold, req);
  if (!out.ok && !out.unknown) {
    c.t.violation(
      'response',
      `ReleaseHold(${h.holdId}) failed: ${out.failure.reason} ${out.failure.message}`,
      out.trail,
    );
  }
}
