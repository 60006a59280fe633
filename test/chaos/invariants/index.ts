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
import type { ClientTruth, Violation } from '../traffic';
import { checkAcknowledged } from './acknowledged';
import { checkCapacity } from './capacity';
import { checkExclusive } from './exclusive';
import { checkHoldExpiry } from './hold-expiry';
import { checkProjection } from './projection';
import { hex, type ClaimRow, type Evidence, type PlacesRow, type SlotRow } from './rows';

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
  const ev: Evidence = {
    slots,
    claims,
    ledger,
    truths,
    now,
    cleanupSlackMs,
    slotById: new Map(slots.map((s) => [hex(s._id), s])),
    claimById: new Map(claims.map((c) => [hex(c._id), c])),
    isActive: (c) =>
      c.status === 'CONFIRMED' || (c.status === 'HELD' && c.expiresAt !== null && c.expiresAt > now),
    add: (invariant, detail) => void violations.push({ invariant, detail }),
  };
  const bySlot = checkExclusive(ev);
  checkCapacity(ev, bySlot);
  checkProjection(ev, bySlot);
  const { acknowledgedChecked, cancelledChecked, uncertainSkipped } = checkAcknowledged(ev);
  const confirmedFromHolds = checkHoldExpiry(ev);

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
