import { DomainError } from '../../domain/errors';
import type { GateResult, SlotGate, UseCaseLogger } from '../ports';
import { FULL_MARKER } from './places-rules';
import { slotFull, slotUnavailable } from './refusals';

export type LockFailureMode = 'proceed' | 'reject';

export interface GateSettings {
  failureMode: LockFailureMode;
  /** How long a request waits for a slot's gate held by a background repair (0: not at all). */
  repairWaitMs: number;
  /** How long a request waits for the gate of a slot of several places held by another booker. */
  placesWaitMs: number;
}

/** How often a request waiting for a repair to let go of a slot's gate tries again. */
const REPAIR_POLL_MS = 20;
/**
 * How often a request waiting for the gate of a slot of several places tries
 * again (plus as much jitter): a crowd waits there, and each try is a lock
 * attempt and a marker read in Redis.
 */
const PLACES_POLL_MS = 50;

/**
 * Enters the slot's gate for a request: the gate as taken ('acquired', or
 * 'unavailable' when proceeding without Redis), or SLOT_BUSY when another
 * request holds it, SLOT_UNAVAILABLE (SLOT_FULL) when the slot is known to
 * be booked (full), unless by `ownerId` (a retry of the request that booked
 * it, which must resume), LOCK_UNAVAILABLE when Redis is down and the
 * settings say so.
 *
 * A gate held by a background repair (ClaimCore.ifFree) is waited for, up to
 * `repairWaitMs`: a repair is a few database writes, and turning the user
 * away for it would make the service refuse work because of its own
 * housekeeping (a hold the reconciler is expiring, say, is exactly when a
 * slot becomes bookable). Waiting keeps repairs and requests apart on the
 * slot, which matters on FerretDB where a conditional update is a read then
 * a write, so a repair racing a booking could overwrite its fresh slot
 * projection (the unique index would still keep the slot exclusive, but the
 * slot would show AVAILABLE until the next pass).
 */
export async function enterGate(
  deps: { gate: SlotGate; logger: UseCaseLogger; settings: GateSettings },
  slotId: string,
  ownerId: string | undefined,
): Promise<GateResult> {
  const { gate: slotGate, settings } = deps;
  const tryGate = async (): Promise<GateResult> => {
    const first = await slotGate.tryAcquire(slotId);
    if (first.outcome === 'taken' && first.by === ownerId) {
      return slotGate.tryAcquire(slotId, { ignoreTaken: true });
    }
    return first;
  };
  let gate = await tryGate();
  const started = Date.now();
  const waitUntil = started + settings.repairWaitMs;
  // A slot of several places: its holder is another booker, and places may be left after it.
  const placesUntil = started + settings.placesWaitMs;
  while (
    gate.outcome === 'busy' &&
    ((gate.byRepair && Date.now() < waitUntil) || (gate.places === true && Date.now() < placesUntil))
  ) {
    const poll = gate.byRepair ? REPAIR_POLL_MS : PLACES_POLL_MS + Math.random() * PLACES_POLL_MS;
    await new Promise((resolve) => setTimeout(resolve, poll));
    gate = await tryGate();
  }
  if (gate.outcome === 'taken') {
    if (gate.by === FULL_MARKER) throw slotFull(slotId);
    throw slotUnavailable(slotId, 'BOOKED');
  }
  if (gate.outcome === 'busy') {
    throw new DomainError('SLOT_BUSY', `slot ${slotId} is being changed by another request; retry`, {
      slotId,
    });
  }
  if (gate.outcome === 'unavailable') {
    if (settings.failureMode === 'reject') {
      throw new DomainError('LOCK_UNAVAILABLE', 'the booking lock service is unavailable; retry', {
        slotId,
      });
    }
    deps.logger.warn(
      { slotId, err: gate.error.message },
      'lock unavailable; proceeding without the gate (the database still decides)',
    );
  }
  return gate;
}

/**
 * Lets go of a gate a request entered. Not awaited: the answer does not wait
 * for the unlock. This instance's later commands on the slot (the marker, the
 * next lock) go after it on the same Redis connection, and a lost unlock only
 * lets the lease run out.
 */
export function leaveGate(gate: GateResult): void {
  if (gate.outcome === 'acquired') void gate.release();
}
