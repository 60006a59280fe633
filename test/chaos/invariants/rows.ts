/** The documents the end-of-run checks read, how a report describes them, and what every check is given. */
import type mongoose from 'mongoose';
import type { ClientTruth, Violation } from '../traffic';

export type ObjectId = InstanceType<typeof mongoose.mongo.ObjectId>;

export interface SlotRow {
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

export interface PlacesRow {
  _id: string;
  slotId: ObjectId;
  n: number;
  members: { claimId: ObjectId; places: number }[];
}

export interface ClaimRow {
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

export const hex = (id: ObjectId | null | undefined): string => (id ? id.toHexString() : 'null');
export const iso = (d: Date | null | undefined): string => (d ? d.toISOString() : 'null');

export function describeClaim(c: ClaimRow): string {
  return (
    `{id ${hex(c._id)}, user ${c.userId}, slot ${hex(c.slotId)}, ${c.status}, slotClaim ${c.slotClaim}, ` +
    `created ${iso(c.createdAt)}, updated ${iso(c.updatedAt)}, expires ${iso(c.expiresAt)}, ` +
    `cancelled ${iso(c.cancelledAt)}, rescheduled ${iso(c.rescheduledAt)}, previousSlot ${hex(c.previousSlotId)}}`
  );
}

export function describeSlot(s: SlotRow): string {
  return (
    `{slot ${hex(s._id)}, ${s.status}, appointment ${hex(s.appointmentId)}, hold ${hex(s.holdId)}, ` +
    `holdExpires ${iso(s.holdExpiresAt)}, revision ${s.revision}, updated ${iso(s.updatedAt)}}`
  );
}

/** The database as read at the end, with the clients' knowledge; `add` records a violation. */
export interface Evidence {
  slots: SlotRow[];
  claims: ClaimRow[];
  /** The latest `slot_places` entry of each slot of several places. */
  ledger: Map<string, PlacesRow>;
  truths: readonly ClientTruth[];
  now: Date;
  /** A hold that ended more than this long ago must have been cleaned up. */
  cleanupSlackMs: number;
  slotById: Map<string, SlotRow>;
  claimById: Map<string, ClaimRow>;
  /** Confirmed, or a hold not yet expired. */
  isActive(c: ClaimRow): boolean;
  add(invariant: Violation['invariant'], detail: string): void;
}

/** Claims by slot: the confirmed ones, and the active ones (see Evidence.isActive). */
export interface BySlot {
  confirmedBySlot: Map<string, ClaimRow[]>;
  activeBySlot: Map<string, ClaimRow[]>;
}
