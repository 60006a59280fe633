import { placesStatus, type SlotRecord } from '../../domain/types';
import type { SlotOwner } from '../../use-cases/ports';
import type { SlotDoc } from './models';
import { hex, oid } from './object-ids';

/**
 * A slot's stored fields: its record as the use cases see it, the owner
 * fields every write sets together, and the conditions a write is made on.
 */

/** LOCKED by its service (inactive or archived), not by the provider or a hold. */
export const SERVICE_BLOCK = { status: 'LOCKED', holdId: null, blockedBy: 'SERVICE' } as const;

/** A block without a hold: by the provider or by the service. */
export const blockedFields = (by: 'PROVIDER' | 'SERVICE'): Partial<SlotDoc> => ({
  status: 'LOCKED',
  appointmentId: null,
  holdId: null,
  holdExpiresAt: null,
  hold: false,
  blockedBy: by,
});

/** AVAILABLE, or LOCKED by a hold that has expired: a slot anyone may take. */
export function freeFilters(now: Date): Record<string, unknown>[] {
  return [{ status: 'AVAILABLE' }, { status: 'LOCKED', holdExpiresAt: { $lte: now } }];
}

/** Every owner field, `blockedBy` included: a write never leaves a stale one behind (FerretDB rewrites whole documents). */
export function ownerFields(
  owner: SlotOwner,
): Pick<SlotDoc, 'status' | 'appointmentId' | 'holdId' | 'holdExpiresAt' | 'hold' | 'blockedBy'> {
  switch (owner.kind) {
    case 'none':
      return {
        status: 'AVAILABLE',
        appointmentId: null,
        holdId: null,
        holdExpiresAt: null,
        hold: false,
        blockedBy: null,
      };
    case 'appointment':
      return {
        status: 'BOOKED',
        appointmentId: oid(owner.id),
        holdId: null,
        holdExpiresAt: null,
        hold: false,
        blockedBy: null,
      };
    case 'hold':
      return {
        status: 'LOCKED',
        appointmentId: null,
        holdId: oid(owner.id),
        holdExpiresAt: owner.expiresAt,
        hold: true,
        blockedBy: null,
      };
  }
}

export function toSlotRecord(doc: SlotDoc): SlotRecord {
  const capacity = doc.capacity ?? 1;
  const placesTaken = capacity > 1 ? (doc.placesTaken ?? 0) : 0;
  return {
    id: hex(doc._id),
    serviceId: hex(doc.serviceId),
    startTime: doc.startTime,
    endTime: doc.endTime,
    // A slot of several places is stored AVAILABLE or LOCKED (blocked); full shows as BOOKED.
    status: capacity > 1 ? placesStatus(doc.status, capacity, placesTaken) : doc.status,
    appointmentId: doc.appointmentId ? hex(doc.appointmentId) : null,
    holdId: doc.holdId ? hex(doc.holdId) : null,
    holdExpiresAt: doc.holdExpiresAt ?? null,
    revision: doc.revision,
    updatedAt: doc.updatedAt,
    // A block written before `blockedBy` existed counts as the provider's.
    blockedBy: doc.status === 'LOCKED' && !doc.holdId ? (doc.blockedBy ?? 'PROVIDER') : null,
    capacity,
    placesTaken,
    placesRev: capacity > 1 ? (doc.placesRev ?? 0) : 0,
    placesHeld:
      capacity > 1 ? (doc.placesHeld ?? []).map((h) => ({ places: h.places, expiresAt: h.expiresAt })) : [],
  };
}
