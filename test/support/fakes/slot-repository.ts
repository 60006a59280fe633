import { effectiveSlot, pointsAtClaim, type SlotRecord } from '../../../src/domain/types';
import type {
  Changed,
  Cursor,
  InsertedSlots,
  SlotChange,
  SlotRepository,
} from '../../../src/use-cases/ports';
import { copy, IdSource } from './ids';
import { blockedFields, isFree, isServiceBlock, ownerFields, read } from './slot-rows';
import { FakeTable } from './tables';

const DAY_MS = 86_400_000;

/** The options of a method, as the port declares them. */
type Options<K extends keyof SlotRepository> = Parameters<SlotRepository[K]>[0];
/** The positional parameters of a method, as the port declares them. */
type Args<K extends keyof SlotRepository> = Parameters<SlotRepository[K]>;

/**
 * Slots in memory, with the semantics MongoSlotRepository gives the use
 * cases: one slot per (service, start); every write a conditional update that
 * bumps the revision and stamps `updatedAt`, matching or not atomically; a
 * slot of several places stored AVAILABLE or LOCKED (full shows as BOOKED on
 * read) and never taken by `claim` (its ledger decides).
 */
export class FakeSlotRepository extends FakeTable<SlotRecord> implements SlotRepository {
  private readonly ids = new IdSource('51');

  insertMissing(
    ...[serviceId, slots, now, blocked, capacity = 1]: Args<'insertMissing'>
  ): Promise<InsertedSlots> {
    const taken = new Set(
      [...this.rows.values()].filter((s) => s.serviceId === serviceId).map((s) => s.startTime.getTime()),
    );
    const created: SlotRecord[] = [];
    let existing = 0;
    for (const planned of slots) {
      if (taken.has(planned.startTime.getTime())) {
        existing += 1;
        continue;
      }
      taken.add(planned.startTime.getTime());
      const row: SlotRecord = {
        id: this.ids.next(),
        serviceId,
        startTime: planned.startTime,
        endTime: planned.endTime,
        status: blocked ? 'LOCKED' : 'AVAILABLE',
        appointmentId: null,
        holdId: null,
        holdExpiresAt: null,
        revision: 1,
        updatedAt: now,
        blockedBy: blocked ? 'SERVICE' : null,
        capacity,
        placesTaken: 0,
        placesRev: 0,
        placesHeld: [],
      };
      this.rows.set(row.id, copy(row));
      created.push(read(row));
    }
    return Promise.resolve({ created, existing });
  }

  /** The whole window in one call: `resumeAfter` is always null (a short page is never needed). */
  list(opts: Options<'list'>): Promise<{ rows: SlotRecord[]; resumeAfter: Cursor | null }> {
    const rows = this.ofService(opts.serviceId)
      .filter(
        (s) =>
          (opts.from === null || s.startTime >= opts.from) &&
          (opts.to === null || s.startTime < opts.to) &&
          (opts.status === null || effectiveSlot(s, opts.now).status === opts.status) &&
          (opts.after === null ||
            s.startTime.getTime() > opts.after.key ||
            (s.startTime.getTime() === opts.after.key && s.id > opts.after.id)),
      )
      .slice(0, opts.limit);
    return Promise.resolve({ rows, resumeAfter: null });
  }

  claim(opts: Options<'claim'>): Promise<SlotChange | null> {
    const ownerField = opts.owner.kind === 'appointment' ? 'appointmentId' : 'holdId';
    return this.update(
      opts.slotId,
      (s) =>
        s.startTime > opts.now &&
        s.capacity <= 1 &&
        (opts.serviceId === null || s.serviceId === opts.serviceId) &&
        (isFree(s, opts.now) || s[ownerField] === opts.owner.id),
      ownerFields(opts.owner),
      opts.now,
    );
  }

  reassign(opts: Options<'reassign'>): Promise<SlotChange | null> {
    return this.update(
      opts.slotId,
      (s) => s.appointmentId === opts.from || s.holdId === opts.from,
      ownerFields(opts.to),
      opts.now,
    );
  }

  setBlocked(opts: Options<'setBlocked'>): Promise<SlotChange | null> {
    return opts.blocked
      ? this.update(
          opts.slotId,
          (s) => isFree(s, opts.now) || isServiceBlock(s),
          blockedFields('PROVIDER'),
          opts.now,
        )
      : this.update(
          opts.slotId,
          (s) => s.status === 'LOCKED' && s.holdId === null,
          ownerFields({ kind: 'none' }),
          opts.now,
        );
  }

  blockForService(opts: Options<'blockForService'>): Promise<SlotChange | null> {
    return this.update(
      opts.slotId,
      (s) => s.startTime > opts.now && isFree(s, opts.now),
      blockedFields('SERVICE'),
      opts.now,
    );
  }

  unblockForService(opts: Options<'unblockForService'>): Promise<SlotChange | null> {
    return this.update(
      opts.slotId,
      (s) => s.startTime > opts.now && isServiceBlock(s),
      ownerFields({ kind: 'none' }),
      opts.now,
    );
  }

  async forEachFutureDay(
    serviceId: string,
    now: Date,
    visit: (slots: SlotRecord[]) => Promise<void>,
  ): Promise<void> {
    const days = new Map<number, SlotRecord[]>();
    for (const s of this.ofService(serviceId)) {
      if (s.startTime <= now) continue;
      const day = Math.floor(s.startTime.getTime() / DAY_MS);
      days.set(day, [...(days.get(day) ?? []), s]);
    }
    for (const day of [...days.keys()].sort((a, b) => a - b)) await visit(days.get(day)!);
  }

  project(opts: Options<'project'>): Promise<SlotChange | null> {
    return this.update(
      opts.slotId,
      (s) => s.placesRev < opts.n,
      { placesTaken: opts.taken, placesRev: opts.n, placesHeld: opts.held.map((h) => ({ ...h })) },
      opts.now,
    );
  }

  repair(opts: Options<'repair'>): Promise<SlotChange | null> {
    return this.update(opts.slotId, (s) => s.revision === opts.revision, ownerFields(opts.to), opts.now);
  }

  findOwnedChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<SlotRecord>> {
    return this.changedBetween(from, to, limit, pointsAtClaim);
  }

  findChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<SlotRecord>> {
    return this.changedBetween(from, to, limit, () => true);
  }

  findWithExpiredHolds(now: Date, limit: number): Promise<SlotRecord[]> {
    const rows = [...this.rows.values()]
      .filter(
        (s) =>
          s.status === 'LOCKED' && s.holdId !== null && s.holdExpiresAt !== null && s.holdExpiresAt <= now,
      )
      .slice(0, limit);
    return Promise.resolve(rows.map(read));
  }

  /** Rows are kept as stored (`status` the stored one); a slot is handed out as `read` shows it. */
  protected view(row: SlotRecord): SlotRecord {
    return read(row);
  }

  private ofService(serviceId: string): SlotRecord[] {
    return [...this.rows.values()]
      .filter((s) => s.serviceId === serviceId)
      .sort((a, b) => a.startTime.getTime() - b.startTime.getTime() || (a.id < b.id ? -1 : 1))
      .map(read);
  }

  /** One conditional write, whole: the match and the write happen with nothing in between. */
  private update(
    id: string,
    match: (stored: SlotRecord) => boolean,
    set: Partial<SlotRecord>,
    now: Date,
  ): Promise<SlotChange | null> {
    const row = this.rows.get(id);
    if (!row || !match(row)) return Promise.resolve(null);
    const after: SlotRecord = { ...row, ...copy(set), updatedAt: now, revision: row.revision + 1 };
    this.rows.set(id, after);
    return Promise.resolve({ before: read(row), after: read(after) });
  }
}
