import type { Changed, PlacesChange, PlacesEntry, PlacesLedger } from '../../use-cases/ports';
import { inBuckets, updatedBucketOf } from './buckets';
import type { Models, PlacesEntryDoc } from './models';
import { hex, isDuplicateKeyError, oid } from './object-ids';

/**
 * The places ledgers of slots of several places (collection `slot_places`).
 * Every query is an equality: `_id` (an entry), `updatedBucket` (what the
 * reconciler looks at). Inserting `<slot id>:<n>` is the only decision:
 * atomic on every MongoDB-wire backend (FerretDB's conditional updates are
 * not), so two changes of one slot can never both become change n.
 */
export class MongoPlacesLedger implements PlacesLedger {
  constructor(private readonly models: Pick<Models, 'places'>) {}

  async read(slotId: string, n: number, capacity: number): Promise<PlacesEntry | null> {
    if (n === 0) return { slotId, n: 0, capacity, members: [], at: new Date(0) };
    const doc = await this.models.places.findById(entryId(slotId, n)).lean<PlacesEntryDoc>().exec();
    return doc ? toEntry(doc) : null;
  }

  async append(entry: PlacesEntry): Promise<boolean> {
    const doc: PlacesEntryDoc = {
      _id: entryId(entry.slotId, entry.n),
      slotId: oid(entry.slotId),
      n: entry.n,
      capacity: entry.capacity,
      members: entry.members.map((m) => ({
        claimId: oid(m.claimId),
        userId: m.userId,
        places: m.places,
        expiresAt: m.expiresAt,
        since: m.since,
      })),
      at: entry.at,
      updatedBucket: updatedBucketOf(entry.at),
    };
    try {
      // The driver's insert (no mongoose casting): one `insert` command.
      await this.models.places.collection.insertOne(doc as unknown as Record<string, unknown>);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /** One `{updatedBucket}` lookup per 10-second bucket; each slot once, at its highest entry seen. */
  findSlotsChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<PlacesChange>> {
    return inBuckets(from, to, limit, async (bucket) => {
      const docs = await this.models.places
        .find({ updatedBucket: bucket }, { slotId: 1, n: 1, capacity: 1, at: 1 })
        .lean<Pick<PlacesEntryDoc, 'slotId' | 'n' | 'capacity' | 'at'>[]>()
        .exec();
      const latest = new Map<string, PlacesChange>();
      for (const d of docs) {
        const slotId = hex(d.slotId);
        if ((latest.get(slotId)?.n ?? -1) < d.n) {
          latest.set(slotId, { slotId, n: d.n, capacity: d.capacity, updatedAt: d.at });
        }
      }
      return [...latest.values()];
    });
  }
}

const entryId = (slotId: string, n: number): string => `${slotId}:${n}`;

function toEntry(doc: PlacesEntryDoc): PlacesEntry {
  return {
    slotId: hex(doc.slotId),
    n: doc.n,
    capacity: doc.capacity,
    members: doc.members.map((m) => ({
      claimId: hex(m.claimId),
      userId: m.userId,
      places: m.places,
      expiresAt: m.expiresAt ?? null,
      since: m.since,
    })),
    at: doc.at,
  };
}
