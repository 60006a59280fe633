import mongoose, { type Connection } from 'mongoose';

export interface StoredPlaces {
  /** The latest ledger entry's number (0: none written). */
  n: number;
  /** Its members: claim id -> places. */
  members: Map<string, number>;
  /** Active claims (CONFIRMED, or HELD and unexpired) on the slot: claim id -> places. */
  active: Map<string, number>;
  capacity: number;
  /** The slot document's projection. */
  placesTaken: number;
  placesRev: number;
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * A slot's places as the database has them: the latest `slot_places` entry
 * (found by walking `_id`s `<slot>:1`, `<slot>:2`, ... as the service does),
 * the active claims, and the slot's projection.
 */
export async function storedPlaces(db: Connection, slotId: string): Promise<StoredPlaces> {
  const oid = new mongoose.Types.ObjectId(slotId);
  const slot = await db.collection('slots').findOne({ _id: oid });
  if (!slot) throw new Error(`slot ${slotId} not found`);
  let n = 0;
  let members: { claimId: mongoose.Types.ObjectId; places: number }[] = [];
  for (;;) {
    const entry = await db
      .collection<{ _id: string; members: typeof members }>('slot_places')
      .findOne({ _id: `${slotId}:${n + 1}` });
    if (!entry) break;
    n += 1;
    members = entry.members;
  }
  const now = Date.now();
  const claims = await db.collection('appointments').find({ slotId: oid }).toArray();
  const active = new Map<string, number>();
  for (const c of claims) {
    const isActive =
      c.status === 'CONFIRMED' ||
      (c.status === 'HELD' && c.expiresAt instanceof Date && c.expiresAt.getTime() > now);
    if (isActive) active.set(String(c._id), (c.places as number | undefined) ?? 1);
  }
  return {
    n,
    members: new Map(members.map((m) => [String(m.claimId), m.places])),
    active,
    capacity: (slot.capacity as number | undefined) ?? 1,
    placesTaken: (slot.placesTaken as number | undefined) ?? 0,
    placesRev: (slot.placesRev as number | undefined) ?? 0,
  };
}

/**
 * Breaches of "a slot never has more places taken than its capacity" on a
 * slot of several places, read from the database: active claims' places
 * over the capacity, an entry over the capacity, or an active claim that is
 * not a member of the latest entry (with its places).
 */
export function placesViolations(slotId: string, p: StoredPlaces): string[] {
  const problems: string[] = [];
  if (sum(p.active) > p.capacity) {
    problems.push(`slot ${slotId}: active claims take ${sum(p.active)} places of ${p.capacity}`);
  }
  if (sum(p.members) > p.capacity) {
    problems.push(`slot ${slotId}: ledger entry ${p.n} lists ${sum(p.members)} places of ${p.capacity}`);
  }
  for (const [id, places] of p.active) {
    if (p.members.get(id) !== places) {
      problems.push(`slot ${slotId}: active claim ${id} (${places} places) is not a member of entry ${p.n}`);
    }
  }
  return problems;
}

export const placesSum = sum;
