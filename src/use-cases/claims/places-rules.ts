/** The pure rules of a slot's places (see slot-places.ts): what fits, and the records they imply. */
import { DomainError } from '../../domain/errors';
import { placesStatus, type ClaimRecord, type SlotRecord } from '../../domain/types';
import { newClaim } from './new-claim';
import type { PlaceMember, PlacesEntry } from '../ports';

/** The value of a slot's taken marker (SlotGate.markTaken) once no place is left. */
export const FULL_MARKER = '#full';

export const sumOf = (members: readonly PlaceMember[]): number => members.reduce((n, m) => n + m.places, 0);

/** Why `member` cannot join `members` of `slot` (null: it can). */
export function refusalOf(
  members: readonly PlaceMember[],
  slot: SlotRecord,
  member: Omit<PlaceMember, 'since'>,
): DomainError | null {
  if (members.some((m) => m.userId === member.userId)) {
    return new DomainError(
      'ALREADY_BOOKED',
      `this user already holds or booked places of slot ${slot.id}; cancel it to book another party`,
      { slotId: slot.id },
    );
  }
  const left = slot.capacity - sumOf(members);
  if (left >= member.places) return null;
  if (left <= 0) {
    return new DomainError('SLOT_FULL', `slot ${slot.id} has no place left`, {
      slotId: slot.id,
      placesLeft: '0',
    });
  }
  return new DomainError(
    'NOT_ENOUGH_PLACES',
    `slot ${slot.id} has ${left} place(s) left, fewer than ${member.places}`,
    { slotId: slot.id, placesLeft: String(left) },
  );
}

/** The slot as `entry` leaves it (when it cannot be read back). */
export function slotOf(slot: SlotRecord, entry: PlacesEntry): SlotRecord {
  return {
    ...slot,
    placesTaken: sumOf(entry.members),
    placesRev: entry.n,
    status: placesStatus(
      slot.status === 'LOCKED' ? 'LOCKED' : 'AVAILABLE',
      slot.capacity,
      sumOf(entry.members),
    ),
    placesHeld: entry.members
      .filter((m) => m.expiresAt !== null)
      .map((m) => ({ places: m.places, expiresAt: m.expiresAt! })),
  };
}

/** A VOID record with a member's claim id: reserves the id, so that claim can never be written. */
export function voidClaim(slot: SlotRecord, m: PlaceMember, now: Date): ClaimRecord {
  return newClaim({ id: m.claimId, userId: m.userId, slot, status: 'VOID', now, places: m.places });
}
