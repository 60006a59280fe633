import { DomainError } from '../../domain/errors';
import type { SlotRecord } from '../../domain/types';
import type {
  ClaimRepository,
  Clock,
  PlaceMember,
  PlacesEntry,
  PlacesLedger,
  SlotEvents,
  SlotGate,
  SlotRepository,
} from '../ports';
import { FULL_MARKER, sumOf } from './places-rules';

/**
 * Rounds of "entry n+1 was written by someone else: decide again on it"
 * before a request gives up with SLOT_BUSY. Every lost round is another
 * request's change landing, so the slot moves on; this only bounds one
 * request's patience.
 */
const MAX_ROUNDS = 100;

export interface PlacesDeps {
  ledger: PlacesLedger;
  slots: Pick<SlotRepository, 'findById' | 'project'>;
  claims: ClaimRepository;
  gate: SlotGate;
  events: SlotEvents;
  clock: Clock;
}

/** What deciding a change on entry n came to: a new member list (entry n+1), or nothing to write. */
export type Decision = { members: PlaceMember[] } | { none: true };

/**
 * Decides one change of the slot's places: `decide` on the latest entry
 * gives the next member list, inserted as entry n+1; a lost insert means
 * another change won n+1: decide again on it. "Nothing to write" is
 * answered only once entry n is known to be the latest. The projection
 * follows every entry written (and one found behind).
 */
export async function changePlaces(
  deps: PlacesDeps,
  slot: SlotRecord,
  decide: (current: PlacesEntry, now: Date) => Promise<Decision>,
): Promise<{ entry: PlacesEntry; written: boolean; projected: SlotRecord | null }> {
  const { ledger } = deps;
  let current =
    (await ledger.read(slot.id, slot.placesRev, slot.capacity)) ??
    (await ledger.read(slot.id, 0, slot.capacity))!;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = deps.clock();
    const decision = await decide(current, now).catch(async (err: unknown) => {
      if (!(err instanceof DomainError)) throw err;
      // A refusal is answered only from the latest entry.
      const next = await ledger.read(slot.id, current.n + 1, slot.capacity);
      if (next) return next;
      await project(deps, slot, current, now);
      if (err.reason === 'SLOT_FULL') markFull(deps, slot, current);
      throw err;
    });
    if ('slotId' in decision) {
      current = decision;
      continue;
    }
    if ('none' in decision) {
      const next = await ledger.read(slot.id, current.n + 1, slot.capacity);
      if (next) {
        current = next;
        continue;
      }
      const projected = await project(deps, slot, current, now);
      return { entry: current, written: false, projected };
    }
    const entry: PlacesEntry = {
      slotId: slot.id,
      n: current.n + 1,
      capacity: slot.capacity,
      members: decision.members,
      at: now,
    };
    if (await ledger.append(entry)) {
      const projected = await project(deps, slot, entry, now);
      return { entry, written: true, projected };
    }
    const next = await ledger.read(slot.id, entry.n, slot.capacity);
    if (next) current = next;
  }
  throw new DomainError('SLOT_BUSY', `slot ${slot.id} is being changed by other requests; retry`, {
    slotId: slot.id,
  });
}

/**
 * Writes the projection of `entry` if the slot shows an older one, and
 * tells subscribers: the slot as written, or null when not written.
 */
async function project(
  deps: PlacesDeps,
  slot: SlotRecord,
  entry: PlacesEntry,
  now: Date,
): Promise<SlotRecord | null> {
  if (entry.n <= slot.placesRev) return null;
  const change = await deps.slots.project({
    slotId: slot.id,
    n: entry.n,
    taken: sumOf(entry.members),
    held: entry.members
      .filter((m) => m.expiresAt !== null)
      .map((m) => ({ places: m.places, expiresAt: m.expiresAt! })),
    now,
  });
  if (change) deps.events.changed(change);
  if (sumOf(entry.members) >= slot.capacity) markFull(deps, slot, entry);
  return change?.after ?? null;
}

/**
 * The next attempts learn "full" from Redis, not from the database, until
 * a place is given back (leave clears it). Only while no place is held:
 * a hold's places come back by themselves when it expires, with no one to
 * clear the marker.
 */
function markFull(deps: PlacesDeps, slot: SlotRecord, entry: PlacesEntry): void {
  if (entry.members.every((m) => m.expiresAt === null)) deps.gate.markTaken(slot.id, FULL_MARKER);
}
