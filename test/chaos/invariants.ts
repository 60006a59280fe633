/**
 * The end-of-run checks, straight from the database (`slots` and the claims
 * in `appointments`), with the clients' knowledge from the traffic.
 *
 *  exclusive   no slot has more than one active claim (confirmed, or a hold
 *              not yet expired), nor more than one confirmed appointment
 *  projection  every BOOKED slot has exactly one confirmed appointment and it
 *              points back; every confirmed appointment's slot is BOOKED by it;
 *              no slot is LOCKED by a hold that ended, no move is left half done
 *  acknowledged every appointment a client was told it holds is CONFIRMED, on
 *              the slot it last moved it to; every one it was told it cancelled
 *              is CANCELLED; no CONFIRMED appointment of a client is unknown to
 *              it (unless an operation of it had an unknown outcome)
 *  hold expiry no hold was confirmed at or after its expiry (createdAt is the
 *              confirmation time), and none was expired before it
 *
 *  capacity    on a slot of several places: the active claims take at most its
 *              capacity, the latest `slot_places` entry lists at most its
 *              capacity, and every active claim is a member of that entry with
 *              its places (the ledger decides; a claim is active only as a member)
 *
 * For slots of several places, `projection` is: the slot shows the latest
 * entry (placesRev, placesTaken), and no member's claim has left it (places
 * taken that are free, the safe direction, which the reconciler repairs).
 *
 * `projection` is what the reconciler converges to; the caller re-runs the
 * check for a while before calling its violations final.
 */
import mongoose from 'mongoose';
import type { ClientTruth, Violation } from './traffic';

type ObjectId = InstanceType<typeof mongoose.mongo.ObjectId>;

interface SlotRow {
  _id: ObjectId;
  serviceId: ObjectId;
  status: 'AVAILABLE' | 'LOCKED' | 'BOOKED';
  appointmentId: ObjectId | null;
  holdId: ObjectId | null;
  holdExpiresAt: Date | null;
  revision: number;
  updatedAt: Date;
  capacity?: number;
  placesTaken?: number;
  placesRev?: number;
}

interface PlacesRow {
  _id: string;
  slotId: ObjectId;
  n: number;
  members: { claimId: ObjectId; places: number }[];
}

interface ClaimRow {
  _id: ObjectId;
  userId: string;
  slotId: ObjectId;
  status: 'HELD' | 'CONFIRMED' | 'CANCELLED' | 'RELEASED' | 'EXPIRED';
  slotClaim: string;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date | null;
  holdSecret: string | null;
  cancelledAt: Date | null;
  rescheduledAt: Date | null;
  previousSlotId: ObjectId | null;
  places?: number | null;
}

export interface CheckResult {
  violations: Violation[];
  counts: {
    slots: number;
    slotsByStatus: Record<string, number>;
    claims: number;
    claimsByStatus: Record<string, number>;
    confirmedFromHolds: number;
    acknowledgedChecked: number;
    cancelledChecked: number;
    uncertainSkipped: number;
    requestLog: number;
  };
}

const hex = (id: ObjectId | null | undefined): string => (id ? id.toHexString() : 'null');
const iso = (d: Date | null | undefined): string => (d ? d.toISOString() : 'null');

function describeClaim(c: ClaimRow): string {
  return (
    `{id ${hex(c._id)}, user ${c.userId}, slot ${hex(c.slotId)}, ${c.status}, slotClaim ${c.slotClaim}, ` +
    `created ${iso(c.createdAt)}, updated ${iso(c.updatedAt)}, expires ${iso(c.expiresAt)}, ` +
    `cancelled ${iso(c.cancelledAt)}, rescheduled ${iso(c.rescheduledAt)}, previousSlot ${hex(c.previousSlotId)}}`
  );
}

function describeSlot(s: SlotRow): string {
  return (
    `{slot ${hex(s._id)}, ${s.status}, appointment ${hex(s.appointmentId)}, hold ${hex(s.holdId)}, ` +
    `holdExpires ${iso(s.holdExpiresAt)}, revision ${s.revision}, updated ${iso(s.updatedAt)}}`
  );
}

export async function checkDatabase(opts: {
  mongoUri: string;
  serviceId: string;
  truths: readonly ClientTruth[];
  /** A hold that ended more than this long ago must have been cleaned up. */
  cleanupSlackMs: number;
}): Promise<CheckResult> {
  const client = new mongoose.mongo.MongoClient(opts.mongoUri, {
    serverSelectionTimeoutMS: 10_000,
    directConnection: true,
  });
  try {
    await client.connect();
    const db = client.db();
    const now = new Date();
    const slots = await db
      .collection<SlotRow>('slots')
      .find({ serviceId: new mongoose.mongo.ObjectId(opts.serviceId) })
      .toArray();
    const claims = await db.collection<ClaimRow>('appointments').find({}).toArray();
    // The latest ledger entry of each slot of several places.
    const multi = slots.filter((s) => (s.capacity ?? 1) > 1).map((s) => s._id);
    const ledger = new Map<string, PlacesRow>();
    for (const e of await db
      .collection<PlacesRow>('slot_places')
      .find({ slotId: { $in: multi } })
      .toArray()) {
      const key = hex(e.slotId);
      if ((ledger.get(key)?.n ?? 0) < e.n) ledger.set(key, e);
    }
    const result = evaluate(slots, claims, ledger, opts.truths, now, opts.cleanupSlackMs);
    result.counts.requestLog = await db.collection('request_log').countDocuments();
    return result;
  } finally {
    await client.close(true).catch(() => undefined);
  }
}

function evaluate(
  slots: SlotRow[],
  claims: ClaimRow[],
  ledger: Map<string, PlacesRow>,
  truths: readonly ClientTruth[],
  now: Date,
  cleanupSlackMs: number,
): CheckResult {
  const violations: Violation[] = [];
  const add = (invariant: string, detail: string): void => void violations.push({ invariant, detail });
  const slotById = new Map(slots.map((s) => [hex(s._id), s]));
  const claimById = new Map(claims.map((c) => [hex(c._id), c]));
  const isActive = (c: ClaimRow): boolean =>
    c.status === 'CONFIRMED' || (c.status === 'HELD' && c.expiresAt !== null && c.expiresAt > now);

  // exclusive ------------------------------------------------------------------
  const confirmedBySlot = new Map<string, ClaimRow[]>();
  const activeBySlot = new Map<string, ClaimRow[]>();
  const bySlotClaim = new Map<string, ClaimRow[]>();
  for (const c of claims) {
    const slot = hex(c.slotId);
    if (c.status === 'CONFIRMED')
      (confirmedBySlot.get(slot) ?? confirmedBySlot.set(slot, []).get(slot)!).push(c);
    if (isActive(c)) (activeBySlot.get(slot) ?? activeBySlot.set(slot, []).get(slot)!).push(c);
    (bySlotClaim.get(c.slotClaim) ?? bySlotClaim.set(c.slotClaim, []).get(c.slotClaim)!).push(c);
    const live = c.status === 'HELD' || c.status === 'CONFIRMED';
    const placed = (c.places ?? null) !== null;
    const expectedClaim = live ? (placed ? `${slot}/${hex(c._id)}` : slot) : `~${hex(c._id)}`;
    if (c.slotClaim !== expectedClaim) {
      add('exclusive', `claim's slotClaim is ${c.slotClaim}, expected ${expectedClaim}: ${describeClaim(c)}`);
    }
  }
  const isMulti = (slotId: string): boolean => (slotById.get(slotId)?.capacity ?? 1) > 1;
  for (const [slot, list] of confirmedBySlot) {
    if (list.length > 1 && !isMulti(slot)) {
      add(
        'exclusive',
        `slot ${slot} has ${list.length} CONFIRMED appointments: ${list.map(describeClaim).join('; ')}`,
      );
    }
  }
  for (const [slot, list] of activeBySlot) {
    if (list.length > 1 && !isMulti(slot)) {
      add(
        'exclusive',
        `slot ${slot} has ${list.length} active claims: ${list.map(describeClaim).join('; ')}`,
      );
    }
  }
  for (const [key, list] of bySlotClaim) {
    if (list.length > 1)
      add('exclusive', `slotClaim ${key} is shared by ${list.map(describeClaim).join('; ')}`);
  }

  // capacity (and the projection of slots of several places) ---------------------
  for (const s of slots) {
    const id = hex(s._id);
    const capacity = s.capacity ?? 1;
    if (capacity <= 1) continue;
    const entry = ledger.get(id);
    const members = new Map((entry?.members ?? []).map((m) => [hex(m.claimId), m.places]));
    const active = activeBySlot.get(id) ?? [];
    const taken = active.reduce((n, c) => n + (c.places ?? 1), 0);
    const listed = [...members.values()].reduce((n, p) => n + p, 0);
    if (taken > capacity) {
      add(
        'capacity',
        `slot ${id} of ${capacity} places has ${taken} taken: ${active.map(describeClaim).join('; ')}`,
      );
    }
    if (listed > capacity)
      add('capacity', `slot ${id}: ledger entry ${entry?.n} lists ${listed} of ${capacity} places`);
    for (const c of active) {
      if (members.get(hex(c._id)) !== (c.places ?? 1)) {
        add(
          'capacity',
          `active claim is not a member of entry ${entry?.n ?? 0} of its slot: ${describeClaim(c)}`,
        );
      }
    }
    for (const claimId of members.keys()) {
      const c = claimById.get(claimId);
      if (!c || !isActive(c) || hex(c.slotId) !== id) {
        add(
          'projection',
          `slot ${id}: member ${claimId} of entry ${entry?.n} is ${c ? describeClaim(c) : 'missing'}`,
        );
      }
    }
    if ((s.placesRev ?? 0) !== (entry?.n ?? 0) || (s.placesTaken ?? 0) !== listed) {
      add(
        'projection',
        `slot ${id} shows entry ${s.placesRev} (${s.placesTaken} taken); the latest is ${entry?.n ?? 0} (${listed})`,
      );
    }
    if (s.status === 'BOOKED' || s.appointmentId || s.holdId) {
      add('projection', `slot of several places points at a claim: ${describeSlot(s)}`);
    }
  }

  // projection -----------------------------------------------------------------
  for (const s of slots) {
    const id = hex(s._id);
    if ((s.capacity ?? 1) > 1) continue;
    const confirmed = confirmedBySlot.get(id) ?? [];
    if (s.status === 'BOOKED') {
      if (confirmed.length !== 1) {
        add('projection', `BOOKED slot has ${confirmed.length} CONFIRMED appointments: ${describeSlot(s)}`);
      } else if (hex(s.appointmentId) !== hex(confirmed[0]!._id)) {
        add(
          'projection',
          `BOOKED slot points at ${hex(s.appointmentId)}, its appointment is ${describeClaim(confirmed[0]!)}: ${describeSlot(s)}`,
        );
      }
    } else if (s.status === 'LOCKED' && s.holdId) {
      const hold = claimById.get(hex(s.holdId));
      const ended = !s.holdExpiresAt || s.holdExpiresAt.getTime() < now.getTime() - cleanupSlackMs;
      if (!hold || !isActive(hold) || hold.status !== 'HELD') {
        if (ended || !hold) {
          add(
            'projection',
            `slot LOCKED by a hold that does not hold it (${hold ? describeClaim(hold) : 'no such claim'}): ${describeSlot(s)}`,
          );
        }
      }
    } else if (s.status === 'AVAILABLE' && confirmed.length > 0) {
      add(
        'projection',
        `AVAILABLE slot has a CONFIRMED appointment ${describeClaim(confirmed[0]!)}: ${describeSlot(s)}`,
      );
    }
  }
  for (const c of claims) {
    if (c.status === 'CONFIRMED') {
      const s = slotById.get(hex(c.slotId));
      if (!s) add('projection', `CONFIRMED appointment on an unknown slot: ${describeClaim(c)}`);
      else if ((s.capacity ?? 1) > 1) {
        // A member of its slot's ledger: checked under capacity above.
      } else if (s.status !== 'BOOKED' || hex(s.appointmentId) !== hex(c._id)) {
        add(
          'projection',
          `CONFIRMED appointment's slot does not point back: ${describeClaim(c)} vs ${describeSlot(s)}`,
        );
      }
      if (c.previousSlotId) add('projection', `move never completed: ${describeClaim(c)}`);
    }
    if (c.status === 'HELD' && c.expiresAt && c.expiresAt.getTime() < now.getTime() - cleanupSlackMs) {
      add(
        'projection',
        `hold ended ${now.getTime() - c.expiresAt.getTime()} ms ago and is still HELD: ${describeClaim(c)}`,
      );
    }
  }

  // acknowledged ---------------------------------------------------------------
  let acknowledgedChecked = 0;
  let cancelledChecked = 0;
  let uncertainSkipped = 0;
  for (const t of truths) {
    for (const [id, slotId] of t.appointments) {
      acknowledgedChecked += 1;
      const c = claimById.get(id);
      if (!c) add('acknowledged', `${t.userId} was told ${id} (slot ${slotId}) succeeded; it does not exist`);
      else if (c.status !== 'CONFIRMED' || hex(c.slotId) !== slotId || c.userId !== t.userId) {
        add(
          'acknowledged',
          `${t.userId} holds ${id} on slot ${slotId} by what it was told; stored: ${describeClaim(c)}`,
        );
      }
    }
    for (const id of t.cancelled) {
      cancelledChecked += 1;
      const c = claimById.get(id);
      if (!c || c.status !== 'CANCELLED') {
        add(
          'acknowledged',
          `${t.userId} was told ${id} was cancelled; stored: ${c ? describeClaim(c) : 'missing'}`,
        );
      }
    }
    uncertainSkipped += t.uncertain.size + t.unknownBookSlots.size + t.reported.size;
  }
  const byUser = new Map(truths.map((t) => [t.userId, t]));
  for (const c of claims) {
    const t = byUser.get(c.userId);
    if (!t || c.status !== 'CONFIRMED') continue;
    const id = hex(c._id);
    if (t.appointments.has(id) || t.uncertain.has(id) || t.reported.has(id)) continue;
    if (t.unknownBookSlots.has(hex(c.slotId))) continue;
    add(
      'acknowledged',
      `phantom: ${describeClaim(c)} is CONFIRMED, but ${t.userId} was never told so` +
        (t.cancelled.has(id) ? ' (it was told it was cancelled)' : '') +
        (t.history.has(id) ? `; it is the appointment of ${t.history.get(id)}` : ''),
    );
  }

  // hold expiry ----------------------------------------------------------------
  let confirmedFromHolds = 0;
  for (const c of claims) {
    if (c.holdSecret === null || c.expiresAt === null) continue;
    if (c.status === 'CONFIRMED' || c.status === 'CANCELLED') {
      confirmedFromHolds += 1;
      if (c.createdAt.getTime() >= c.expiresAt.getTime()) {
        add('hold expiry', `hold confirmed at ${iso(c.createdAt)}, at/after its expiry: ${describeClaim(c)}`);
      }
    }
    if (c.status === 'EXPIRED' && c.updatedAt.getTime() < c.expiresAt.getTime()) {
      add('hold expiry', `hold expired at ${iso(c.updatedAt)}, before its expiry: ${describeClaim(c)}`);
    }
  }
  for (const t of truths) {
    for (const h of t.confirmedHolds) {
      const c = claimById.get(h.id);
      if (c?.expiresAt && c.expiresAt.getTime() !== h.expireMs) {
        add(
          'hold expiry',
          `hold ${h.id}: HoldSlot said it expires ${iso(new Date(h.expireMs))}, stored ${describeClaim(c)}`,
        );
      }
    }
  }

  const tally = <T extends { status: string }>(rows: T[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of rows) out[r.status] = (out[r.status] ?? 0) + 1;
    return out;
  };
  return {
    violations,
    counts: {
      slots: slots.length,
      slotsByStatus: tally(slots),
      claims: claims.length,
      claimsByStatus: tally(claims),
      confirmedFromHolds,
      acknowledgedChecked,
      cancelledChecked,
      uncertainSkipped,
      requestLog: 0,
    },
  };
}
