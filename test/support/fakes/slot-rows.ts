import { placesStatus, type SlotBlocker, type SlotRecord } from '../../../src/domain/types';
import type { SlotOwner } from '../../../src/use-cases/ports';
import { copy } from './ids';

/** A stored row as the repository returns it (see toSlotRecord). */
export function read(row: SlotRecord): SlotRecord {
  const s = copy(row);
  const several = s.capacity > 1;
  return {
    ...s,
    status: several ? placesStatus(s.status, s.capacity, s.placesTaken) : s.status,
    // A block recorded without its blocker counts as the provider's.
    blockedBy: s.status === 'LOCKED' && s.holdId === null ? (s.blockedBy ?? 'PROVIDER') : null,
    placesTaken: several ? s.placesTaken : 0,
    placesRev: several ? s.placesRev : 0,
    placesHeld: several ? s.placesHeld : [],
  };
}

/** AVAILABLE, or LOCKED by a hold that has expired: a slot anyone may take. */
export const isFree = (s: SlotRecord, now: Date): boolean =>
  s.status === 'AVAILABLE' || (s.status === 'LOCKED' && s.holdExpiresAt !== null && s.holdExpiresAt <= now);

export const isServiceBlock = (s: SlotRecord): boolean =>
  s.status === 'LOCKED' && s.holdId === null && s.blockedBy === 'SERVICE';

export const blockedFields = (by: SlotBlocker): Partial<SlotRecord> => ({
  status: 'LOCKED',
  appointmentId: null,
  holdId: null,
  holdExpiresAt: null,
  blockedBy: by,
});

/** Every owner field, `blockedBy` included, as MongoSlotRepository writes them. */
export function ownerFields(owner: SlotOwner): Partial<SlotRecord> {
  const none = { appointmentId: null, holdId: null, holdExpiresAt: null, blockedBy: null };
  switch (owner.kind) {
    case 'none':
      return { ...none, status: 'AVAILABLE' };
    case 'appointment':
      return { ...none, status: 'BOOKED', appointmentId: owner.id };
    case 'hold':
      return { ...none, status: 'LOCKED', holdId: owner.id, holdExpiresAt: owner.expiresAt };
  }
}
