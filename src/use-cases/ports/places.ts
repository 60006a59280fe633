import type { Changed } from './listing';

/** A claim holding places of a slot of several places. */
export interface PlaceMember {
  claimId: string;
  userId: string;
  places: number;
  /** A hold's expiry; null for an appointment. */
  expiresAt: Date | null;
  /** When it joined. */
  since: Date;
}

/** Change `n` of a slot's places: every member after it (n = 0: none, never stored). */
export interface PlacesEntry {
  slotId: string;
  n: number;
  capacity: number;
  members: readonly PlaceMember[];
  at: Date;
}

/** A slot whose places changed: its highest entry seen, and when that was written. */
export interface PlacesChange {
  slotId: string;
  n: number;
  capacity: number;
  updatedAt: Date;
}

/**
 * A slot's places ledger (see PlacesEntryDoc): change n+1 is decided by
 * inserting it, with a unique id per (slot, n).
 */
export interface PlacesLedger {
  /** Entry `n` of the slot, or null when it does not exist (entry 0 always does: empty). */
  read(slotId: string, n: number, capacity: number): Promise<PlacesEntry | null>;
  /** Inserts the entry; false when an entry with its number exists (another change won). */
  append(entry: PlacesEntry): Promise<boolean>;
  /** Slots with entries written in [from, to] (one lookup per 10-second bucket). See Changed. */
  findSlotsChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<PlacesChange>>;
}
