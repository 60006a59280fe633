import type { ClaimRecord, SlotRecord } from '../../domain/types';

/**
 * A new claim on `slot`, as first written: a booking (CONFIRMED), a hold
 * (HELD, with its expiry and secret) or a VOID record that reserves an id.
 */
export function newClaim(opts: {
  id: string;
  userId: string;
  slot: Pick<SlotRecord, 'id' | 'serviceId' | 'startTime' | 'endTime'>;
  status: 'CONFIRMED' | 'HELD' | 'VOID';
  now: Date;
  expiresAt?: Date;
  holdSecret?: string;
  /** Places on a slot of several places (null or absent: a slot of capacity 1). */
  places?: number | null;
}): ClaimRecord {
  return {
    id: opts.id,
    userId: opts.userId,
    serviceId: opts.slot.serviceId,
    slotId: opts.slot.id,
    status: opts.status,
    startTime: opts.slot.startTime,
    endTime: opts.slot.endTime,
    createdAt: opts.now,
    updatedAt: opts.now,
    expiresAt: opts.expiresAt ?? null,
    holdSecret: opts.holdSecret ?? null,
    cancelledAt: null,
    cancellationReason: '',
    cancelRequestKey: null,
    rescheduledAt: null,
    rescheduleRequestKey: null,
    previousSlotId: null,
    revision: 0,
    places: opts.places ?? null,
    previousPlaces: null,
  };
}
