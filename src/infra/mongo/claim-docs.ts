import type { ClaimRecord } from '../../domain/types';
import { createdBucketOf, updatedBucketOf } from './buckets';
import type { ClaimDoc } from './models';
import { hex, oid } from './object-ids';

/** The slot-claim value of a claim that no longer holds its slot. */
export const released = (id: string): string => `~${id}`;

/**
 * The slot-claim value of an active claim: the slot's id for a claim of a
 * slot of capacity 1 (the unique index admits one), `<slot id>/<claim id>`
 * for a member of a slot of several places (its places ledger decides; the
 * value only has to be unique).
 */
export const activeSlotClaim = (slotId: string, claimId: string, places: number | null): string =>
  places === null ? slotId : `${slotId}/${claimId}`;

/**
 * The stored form of a new claim (as newClaim makes it), at revision 0: its
 * fields as they are, the ids as ObjectIds, and what only the store has.
 */
export function newClaimDoc(c: ClaimRecord): ClaimDoc {
  const {
    id,
    serviceId,
    slotId,
    previousSlotId,
    places,
    revision: _revision,
    previousPlaces: _previousPlaces,
    ...same
  } = c;
  return {
    ...same,
    _id: oid(id),
    serviceId: oid(serviceId),
    slotId: oid(slotId),
    slotClaim:
      c.status === 'HELD' || c.status === 'CONFIRMED' ? activeSlotClaim(slotId, id, places) : released(id),
    previousSlotId: previousSlotId === null ? null : oid(previousSlotId),
    rev: 0,
    revBy: null,
    updatedBucket: updatedBucketOf(c.updatedAt),
    // Only VOID claims have it: their purge selects them by it.
    ...(c.status === 'VOID' ? { voidBucket: createdBucketOf(c.createdAt) } : {}),
    ...(places !== null ? { places } : {}),
  };
}

export function toClaimRecord(doc: ClaimDoc): ClaimRecord {
  return {
    id: hex(doc._id),
    userId: doc.userId,
    serviceId: hex(doc.serviceId),
    slotId: hex(doc.slotId),
    status: doc.status,
    startTime: doc.startTime,
    endTime: doc.endTime,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt ?? doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
    holdSecret: doc.holdSecret ?? null,
    cancelledAt: doc.cancelledAt ?? null,
    cancellationReason: doc.cancellationReason ?? '',
    cancelRequestKey: doc.cancelRequestKey ?? null,
    rescheduledAt: doc.rescheduledAt ?? null,
    rescheduleRequestKey: doc.rescheduleRequestKey ?? null,
    previousSlotId: doc.previousSlotId ? hex(doc.previousSlotId) : null,
    revision: doc.rev ?? 0,
    places: doc.places ?? null,
    previousPlaces: doc.previousPlaces ?? null,
  };
}
