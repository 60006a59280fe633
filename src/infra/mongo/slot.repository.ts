import type { PlannedSlot } from '../../domain/slot-plan';
import { effectiveSlot, placesStatus, type SlotRecord, type SlotStatus } from '../../domain/types';
import type { Changed, Cursor, SlotChange, SlotOwner, SlotRepository } from '../../use-cases/ports';
import type { Models, ServiceDoc, SlotDoc } from './models';
import { inBuckets, mapBounded, updatedBucketOf } from './buckets';
import { hex, isDuplicateKeyError, oid } from './object-ids';
import { Types } from 'mongoose';

const BEFORE = { returnDocument: 'before' } as const;
const DAY_MS = 86_400_000;
/** Days a listing looks up at once. */
const DAY_CONCURRENCY = 4;
/**
 * Most days one listing call looks at: a sparse window ends the call with a
 * short page whose token resumes at the next day (AIP-158 allows short pages).
 */
export const MAX_DAYS_PER_LIST = 31;
/** Point reads in flight at once for `findByIds`. */
const POINT_READ_CONCURRENCY = 8;

/**
 * Slots. Every query is equality on top-level fields, so that FerretDB on
 * PostgreSQL pushes it down to SQL (served by its GIN expression indexes),
 * and MongoDB by the indexes declared in models.ts: by `_id`, by
 * `serviceDay` (a listing, one UTC day at a time), by `updatedBucket` (what
 * changed in a 10-second bucket) and by `hold` (held slots). Ranges, status
 * and order are applied here, over what those lookups return.
 */
export class MongoSlotRepository implements SlotRepository {
  constructor(private readonly models: Pick<Models, 'slots' | 'services'>) {}

  async insertMissing(
    serviceId: string,
    slots: readonly PlannedSlot[],
    now: Date,
    blocked: boolean,
    capacity = 1,
  ): Promise<{ created: SlotRecord[]; existing: number }> {
    if (slots.length === 0) return { created: [], existing: 0 };
    const service = oid(serviceId);
    const docs: SlotDoc[] = slots.map((s) => ({
      _id: new Types.ObjectId(),
      serviceId: service,
      startTime: s.startTime,
      endTime: s.endTime,
      status: blocked ? 'LOCKED' : 'AVAILABLE',
      appointmentId: null,
      holdId: null,
      holdExpiresAt: null,
      blockedBy: blocked ? 'SERVICE' : null,
      revision: 1,
      updatedAt: now,
      serviceDay: serviceDayOf(service, s.startTime),
      hold: false,
      updatedBucket: updatedBucketOf(now),
      capacity,
      ...(capacity > 1 ? { placesTaken: 0, placesRev: 0, placesHeld: [] } : {}),
    }));
    // Widened before the slots exist, so a listing never misses one.
    const days = docs.map((d) => utcDay(d.startTime)).sort();
    await widenSlotDays(this.models, service, days[0]!, days[days.length - 1]!);
    try {
      // Unordered: every slot is tried; those whose (service, start) exists
      // already fail on the unique index and are counted, not duplicated.
      await this.models.slots.collection.insertMany(docs, { ordered: false });
      return { created: docs.map(toSlotRecord), existing: 0 };
    } catch (err) {
      const bulk = err as { writeErrors?: unknown };
      const writeErrors = Array.isArray(bulk.writeErrors)
        ? (bulk.writeErrors as unknown[])
        : bulk.writeErrors
          ? [bulk.writeErrors]
          : [];
      if (writeErrors.length === 0 || !writeErrors.every(isDuplicateKeyError)) throw err;
      const failed = new Set(writeErrors.map((e) => (e as { index: number }).index));
      const created = docs.filter((_, i) => !failed.has(i)).map(toSlotRecord);
      return { created, existing: failed.size };
    }
  }

  async findById(id: string): Promise<SlotRecord | null> {
    const doc = await this.models.slots.findById(oid(id)).lean<SlotDoc>().exec();
    return doc ? toSlotRecord(doc) : null;
  }

  /** Point reads (an `$in` is not pushed down by FerretDB), missing ids left out. */
  async findByIds(ids: readonly string[]): Promise<SlotRecord[]> {
    const found = await mapBounded([...new Set(ids)], POINT_READ_CONCURRENCY, (id) => this.findById(id));
    return found.filter((s): s is SlotRecord => s !== null);
  }

  /**
   * One UTC day at a time (`{serviceDay}`, a few days at once), from the
   * window's (or the cursor's) day on; range, status and cursor are applied
   * to each day's slots here, which are then put in (startTime, _id) order.
   * Stops once it has `limit` rows, or after MAX_DAYS_PER_LIST days: then
   * `resumeAfter` says where the next call goes on. A window without a start
   * or an end is bounded by the service's `slotDays`.
   */
  async list(opts: {
    serviceId: string;
    from: Date | null;
    to: Date | null;
    status: SlotStatus | null;
    now: Date;
    after: Cursor | null;
    limit: number;
  }): Promise<{ rows: SlotRecord[]; resumeAfter: Cursor | null }> {
    const service = oid(opts.serviceId);
    let first = opts.from ? dayNumber(opts.from) : null;
    // `to` is exclusive: the last day is that of the instant just before it.
    let last = opts.to ? dayNumber(new Date(opts.to.getTime() - 1)) : null;
    if (first === null || last === null) {
      const doc = await this.models.services
        .findById(service, { slotDays: 1 })
        .lean<Pick<ServiceDoc, 'slotDays'>>()
        .exec();
      if (!doc?.slotDays) return { rows: [], resumeAfter: null };
      first ??= dayNumber(new Date(`${doc.slotDays.first}T00:00:00Z`));
      last ??= dayNumber(new Date(`${doc.slotDays.last}T00:00:00Z`));
    }
    if (opts.after) first = Math.max(first, dayNumber(new Date(opts.after.key)));
    const keep = (s: SlotDoc): boolean =>
      (opts.from === null || s.startTime >= opts.from) &&
      (opts.to === null || s.startTime < opts.to) &&
      (opts.status === null || effectiveSlot(toSlotRecord(s), opts.now).status === opts.status) &&
      (opts.after === null ||
        s.startTime.getTime() > opts.after.key ||
        (s.startTime.getTime() === opts.after.key && hex(s._id) > opts.after.id));
    const days: number[] = [];
    for (let d = first; d <= last && days.length < MAX_DAYS_PER_LIST; d++) days.push(d);
    let count = 0;
    const perDay = await mapBounded(
      days,
      DAY_CONCURRENCY,
      async (day) => {
        const docs = await this.models.slots
          .find({ serviceDay: `${hex(service)}:${isoDay(day)}` })
          .lean<SlotDoc[]>()
          .exec();
        return docs.filter(keep).sort(byStartThenId);
      },
      (sofar) => {
        count = sofar.reduce((n, d) => n + d.length, 0);
        return count >= opts.limit;
      },
    );
    const rows = perDay.flat().slice(0, opts.limit).map(toSlotRecord);
    const lastLooked = first + perDay.length - 1;
    // Days left to look at, and no full page yet: the next call starts at the next day.
    const resumeAfter =
      rows.length < opts.limit && lastLooked < last
        ? { key: (lastLooked + 1) * DAY_MS, id: '0'.repeat(24) }
        : null;
    return { rows, resumeAfter };
  }

  async claim(opts: {
    slotId: string;
    owner: Exclude<SlotOwner, { kind: 'none' }>;
    serviceId: string | null;
    now: Date;
  }): Promise<SlotChange | null> {
    const ownerField = opts.owner.kind === 'appointment' ? 'appointmentId' : 'holdId';
    const filter: Record<string, unknown> = {
      _id: oid(opts.slotId),
      startTime: { $gt: opts.now },
      // Never a slot of several places: its places are decided by its ledger (slot-places.ts).
      // Its capacity never changes, so this holds even where the update is not atomic.
      capacity: { $not: { $gt: 1 } },
      $or: [
        ...freeFilters(opts.now),
        // A retry resuming its own work finds the slot already pointing at it.
        { [ownerField]: oid(opts.owner.id) },
      ],
    };
    if (opts.serviceId) filter.serviceId = oid(opts.serviceId);
    return this.update(filter, ownerFields(opts.owner), opts.now);
  }

  reassign(opts: { slotId: string; from: string; to: SlotOwner; now: Date }): Promise<SlotChange | null> {
    const from = oid(opts.from);
    return this.update(
      { _id: oid(opts.slotId), $or: [{ appointmentId: from }, { holdId: from }] },
      ownerFields(opts.to),
      opts.now,
    );
  }

  setBlocked(opts: { slotId: string; blocked: boolean; now: Date }): Promise<SlotChange | null> {
    // Blocking a slot its service blocked makes it the provider's: an activation leaves it blocked.
    const filter = opts.blocked
      ? { _id: oid(opts.slotId), $or: [...freeFilters(opts.now), SERVICE_BLOCK] }
      : { _id: oid(opts.slotId), status: 'LOCKED', holdId: null };
    const set = opts.blocked ? blockedFields('PROVIDER') : ownerFields({ kind: 'none' });
    return this.update(filter, set, opts.now);
  }

  blockForService(opts: { slotId: string; now: Date }): Promise<SlotChange | null> {
    return this.update(
      { _id: oid(opts.slotId), startTime: { $gt: opts.now }, $or: freeFilters(opts.now) },
      blockedFields('SERVICE'),
      opts.now,
    );
  }

  unblockForService(opts: { slotId: string; now: Date }): Promise<SlotChange | null> {
    return this.update(
      { _id: oid(opts.slotId), startTime: { $gt: opts.now }, ...SERVICE_BLOCK },
      ownerFields({ kind: 'none' }),
      opts.now,
    );
  }

  /**
   * One `{serviceDay}` lookup per UTC day, from the day of `now` (or the
   * service's first day with slots) to its last (`slotDays`), a few days at
   * once; each day's slots that start after `now` go to `visit`.
   */
  async forEachFutureDay(
    serviceId: string,
    now: Date,
    visit: (slots: SlotRecord[]) => Promise<void>,
  ): Promise<void> {
    const service = oid(serviceId);
    const doc = await this.models.services
      .findById(service, { slotDays: 1 })
      .lean<Pick<ServiceDoc, 'slotDays'>>()
      .exec();
    if (!doc?.slotDays) return;
    const first = Math.max(dayNumber(now), dayNumber(new Date(`${doc.slotDays.first}T00:00:00Z`)));
    const last = dayNumber(new Date(`${doc.slotDays.last}T00:00:00Z`));
    for (let from = first; from <= last; from += DAY_CONCURRENCY) {
      const days: number[] = [];
      for (let d = from; d <= last && d < from + DAY_CONCURRENCY; d++) days.push(d);
      await Promise.all(
        days.map(async (day) => {
          const docs = await this.models.slots
            .find({ serviceDay: `${hex(service)}:${isoDay(day)}` })
            .lean<SlotDoc[]>()
            .exec();
          await visit(docs.filter((s) => s.startTime > now).map(toSlotRecord));
        }),
      );
    }
  }

  repair(opts: { slotId: string; revision: number; to: SlotOwner; now: Date }): Promise<SlotChange | null> {
    return this.update({ _id: oid(opts.slotId), revision: opts.revision }, ownerFields(opts.to), opts.now);
  }

  findOwnedChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<SlotRecord>> {
    // A provider's block (LOCKED, no hold) points at no claim; nor does a slot of several places.
    return this.changedBetween(
      from,
      to,
      limit,
      (s) => s.capacity === 1 && (s.status === 'BOOKED' || s.holdId !== null),
    );
  }

  /**
   * Writes the projection of a slot's places entry `n`, unless the slot shows
   * entry `n` or a later one already. Null when it does (or the slot is gone).
   */
  project(opts: {
    slotId: string;
    n: number;
    taken: number;
    held: readonly { places: number; expiresAt: Date }[];
    now: Date;
  }): Promise<SlotChange | null> {
    return this.update(
      { _id: oid(opts.slotId), placesRev: { $lt: opts.n } },
      { placesTaken: opts.taken, placesRev: opts.n, placesHeld: opts.held.map((h) => ({ ...h })) },
      opts.now,
    );
  }

  findChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<SlotRecord>> {
    return this.changedBetween(from, to, limit, () => true);
  }

  /** Held slots (`{hold: true}`: only slots LOCKED by a hold have it) whose hold has expired. */
  async findWithExpiredHolds(now: Date, limit: number): Promise<SlotRecord[]> {
    const docs = await this.models.slots.find({ hold: true }).lean<SlotDoc[]>().exec();
    return docs
      .filter((s) => s.status === 'LOCKED' && s.holdExpiresAt !== null && s.holdExpiresAt <= now)
      .slice(0, limit)
      .map(toSlotRecord);
  }

  /** Slots changed in [from, to]: one `{updatedBucket}` lookup per 10-second bucket (see Changed). */
  private async changedBetween(
    from: Date,
    to: Date,
    limit: number,
    wanted: (s: SlotRecord) => boolean,
  ): Promise<Changed<SlotRecord>> {
    return inBuckets(from, to, limit, async (bucket) => {
      const docs = await this.models.slots.find({ updatedBucket: bucket }).lean<SlotDoc[]>().exec();
      return docs.map(toSlotRecord).filter(wanted);
    });
  }

  /** One conditional write; returns the state before and after it. */
  private async update(
    filter: Record<string, unknown>,
    set: Partial<Omit<SlotDoc, '_id'>>,
    now: Date,
  ): Promise<SlotChange | null> {
    // Every conditional update has a top-level `_id` equality: what FerretDB pushes down.
    const fields = { ...set, updatedAt: now, updatedBucket: updatedBucketOf(now) };
    const doc = await this.models.slots
      .findOneAndUpdate(filter, { $set: fields, $inc: { revision: 1 } }, BEFORE)
      .lean<SlotDoc>()
      .exec();
    if (!doc) return null;
    // The write changed exactly the fields set here.
    const after: SlotDoc = { ...doc, ...fields, revision: doc.revision + 1 };
    return { before: toSlotRecord(doc), after: toSlotRecord(after) };
  }
}

/** LOCKED by its service (inactive or archived), not by the provider or a hold. */
const SERVICE_BLOCK = { status: 'LOCKED', holdId: null, blockedBy: 'SERVICE' } as const;

/** A block without a hold: by the provider or by the service. */
const blockedFields = (by: 'PROVIDER' | 'SERVICE'): Partial<SlotDoc> => ({
  status: 'LOCKED',
  appointmentId: null,
  holdId: null,
  holdExpiresAt: null,
  hold: false,
  blockedBy: by,
});

/** AVAILABLE, or LOCKED by a hold that has expired: a slot anyone may take. */
function freeFilters(now: Date): Record<string, unknown>[] {
  return [{ status: 'AVAILABLE' }, { status: 'LOCKED', holdExpiresAt: { $lte: now } }];
}

const byStartThenId = (a: SlotDoc, b: SlotDoc): number =>
  a.startTime.getTime() - b.startTime.getTime() ||
  (hex(a._id) < hex(b._id) ? -1 : hex(a._id) > hex(b._id) ? 1 : 0);

const dayNumber = (at: Date): number => Math.floor(at.getTime() / DAY_MS);
const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** A slot's `serviceDay`: its service and the UTC day it starts. */
export const serviceDayOf = (serviceId: Types.ObjectId, startTime: Date): string =>
  `${hex(serviceId)}:${utcDay(startTime)}`;

/** Every owner field, `blockedBy` included: a write never leaves a stale one behind (FerretDB rewrites whole documents). */
function ownerFields(
  owner: SlotOwner,
): Pick<SlotDoc, 'status' | 'appointmentId' | 'holdId' | 'holdExpiresAt' | 'hold' | 'blockedBy'> {
  switch (owner.kind) {
    case 'none':
      return {
        status: 'AVAILABLE',
        appointmentId: null,
        holdId: null,
        holdExpiresAt: null,
        hold: false,
        blockedBy: null,
      };
    case 'appointment':
      return {
        status: 'BOOKED',
        appointmentId: oid(owner.id),
        holdId: null,
        holdExpiresAt: null,
        hold: false,
        blockedBy: null,
      };
    case 'hold':
      return {
        status: 'LOCKED',
        appointmentId: null,
        holdId: oid(owner.id),
        holdExpiresAt: owner.expiresAt,
        hold: true,
        blockedBy: null,
      };
  }
}

export function toSlotRecord(doc: SlotDoc): SlotRecord {
  const capacity = doc.capacity ?? 1;
  const placesTaken = capacity > 1 ? (doc.placesTaken ?? 0) : 0;
  return {
    id: hex(doc._id),
    serviceId: hex(doc.serviceId),
    startTime: doc.startTime,
    endTime: doc.endTime,
    // A slot of several places is stored AVAILABLE or LOCKED (blocked); full shows as BOOKED.
    status: capacity > 1 ? placesStatus(doc.status, capacity, placesTaken) : doc.status,
    appointmentId: doc.appointmentId ? hex(doc.appointmentId) : null,
    holdId: doc.holdId ? hex(doc.holdId) : null,
    holdExpiresAt: doc.holdExpiresAt ?? null,
    revision: doc.revision,
    updatedAt: doc.updatedAt,
    // A block written before `blockedBy` existed counts as the provider's.
    blockedBy: doc.status === 'LOCKED' && !doc.holdId ? (doc.blockedBy ?? 'PROVIDER') : null,
    capacity,
    placesTaken,
    placesRev: capacity > 1 ? (doc.placesRev ?? 0) : 0,
    placesHeld:
      capacity > 1 ? (doc.placesHeld ?? []).map((h) => ({ places: h.places, expiresAt: h.expiresAt })) : [],
  };
}

/**
 * Makes the service's `slotDays` cover [first, last]. FerretDB applies an
 * update as a read then a write of the whole document, so two concurrent
 * widenings can lose one: each writer reads back and widens again until its
 * own days are covered (the last writer to check sees a range covering its
 * own, whichever write landed last).
 */
export async function widenSlotDays(
  models: Pick<Models, 'services'>,
  service: Types.ObjectId,
  first: string,
  last: string,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const doc = await models.services
      .findById(service, { slotDays: 1 })
      .lean<Pick<ServiceDoc, 'slotDays'>>()
      .exec();
    if (!doc) return;
    const days = doc.slotDays;
    if (days && days.first <= first && days.last >= last) return;
    await models.services
      .updateOne(
        { _id: service },
        {
          $set: {
            slotDays: {
              first: days && days.first < first ? days.first : first,
              last: days && days.last > last ? days.last : last,
            },
          },
        },
      )
      .exec();
  }
}
