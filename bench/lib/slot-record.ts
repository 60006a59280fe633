/** Slot records built in memory (the fan-out's synthetic slots; unit tests of what publishes them). */
import type { SlotRecord } from '../../src/domain/types';

/** A slot record nobody has claimed: one place, no appointment, hold or places taken. */
export function unclaimedSlotRecord(
  fields: Pick<
    SlotRecord,
    'id' | 'serviceId' | 'startTime' | 'endTime' | 'status' | 'revision' | 'updatedAt'
  >,
): SlotRecord {
  return {
    ...fields,
    appointmentId: null,
    holdId: null,
    holdExpiresAt: null,
    capacity: 1,
    placesTaken: 0,
    placesRev: 0,
    placesHeld: [],
  };
}
