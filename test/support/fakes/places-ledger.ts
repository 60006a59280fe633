import type { Changed, PlacesChange, PlacesEntry, PlacesLedger } from '../../../src/use-cases/ports';
import { copy, within } from './ids';

/**
 * Places ledgers in memory. As in MongoPlacesLedger, inserting entry
 * `<slot>:<n>` is the only decision: the first append of a number wins, every
 * later one of that number is refused (false), so two changes of one slot
 * can never both become change n.
 */
export class FakePlacesLedger implements PlacesLedger {
  private readonly entries = new Map<string, PlacesEntry>();

  read(slotId: string, n: number, capacity: number): Promise<PlacesEntry | null> {
    if (n === 0) return Promise.resolve({ slotId, n: 0, capacity, members: [], at: new Date(0) });
    const entry = this.entries.get(key(slotId, n));
    return Promise.resolve(entry ? copy(entry) : null);
  }

  append(entry: PlacesEntry): Promise<boolean> {
    const k = key(entry.slotId, entry.n);
    if (this.entries.has(k)) return Promise.resolve(false);
    this.entries.set(k, copy(entry));
    return Promise.resolve(true);
  }

  findSlotsChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<PlacesChange>> {
    const latest = new Map<string, PlacesChange>();
    for (const e of this.entries.values()) {
      if (!within(e.at, from, to)) continue;
      if ((latest.get(e.slotId)?.n ?? -1) < e.n) {
        latest.set(e.slotId, { slotId: e.slotId, n: e.n, capacity: e.capacity, updatedAt: e.at });
      }
    }
    const rows = [...latest.values()].sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
    return Promise.resolve({ rows: rows.slice(0, Math.max(limit, 0)), through: to });
  }

  /** The latest entry of a slot (entry 0, empty, when it has none). */
  latest(slotId: string, capacity = 0): PlacesEntry {
    let n = 0;
    while (this.entries.has(key(slotId, n + 1))) n += 1;
    return copy(this.entries.get(key(slotId, n)) ?? { slotId, n: 0, capacity, members: [], at: new Date(0) });
  }
}

const key = (slotId: string, n: number): string => `${slotId}:${n}`;
