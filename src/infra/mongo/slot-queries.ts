import { effectiveSlot, pointsAtClaim, type SlotRecord } from '../../domain/types';
import type { Changed, SlotRepository } from '../../use-cases/ports';
import type { Types } from 'mongoose';
import type { Models, SlotDoc } from './models';
import { inBuckets, mapBounded, readEach } from './buckets';
import { hex, oid } from './object-ids';
import { DAY_MS, dayNumber, serviceDayKey, slotDayRange } from './slot-days';
import { toSlotRecord } from './slot-docs';

/** Days a listing looks up at once. */
const DAY_CONCURRENCY = 4;
/**
 * Most days one listing call looks at: a sparse window ends the call with a
 * short page whose token resumes at the next day (AIP-158 allows short pages).
 */
export const MAX_DAYS_PER_LIST = 31;

type SlotReads =
  | 'findById'
  | 'findByIds'
  | 'list'
  | 'forEachFutureDay'
  | 'findOwnedChangedBetween'
  | 'findChangedBetween'
  | 'findWithExpiredHolds';

/**
 * The reads of slots (MongoSlotRepository adds the writes). Every query is
 * equality on top-level fields, so that FerretDB on PostgreSQL pushes it down
 * to SQL (served by its GIN expression indexes), and MongoDB by the indexes
 * declared in models/slots.ts: by `_id`, by `serviceDay` (a listing, one UTC
 * day at a time), by `updatedBucket` (what changed in a 10-second bucket) and
 * by `hold` (held slots). Ranges, status and order are applied here, over
 * what those lookups return.
 */
export class MongoSlotQueries implements Pick<SlotRepository, SlotReads> {
  constructor(protected readonly models: Pick<Models, 'slots' | 'services'>) {}

  async findById(id: string): Promise<SlotRecord | null> {
    const doc = await this.models.slots.findById(oid(id)).lean<SlotDoc>().exec();
    return doc ? toSlotRecord(doc) : null;
  }

  findByIds(ids: readonly string[]): Promise<SlotRecord[]> {
    return readEach(ids, (id) => this.findById(id));
  }

  /**
   * One UTC day at a time (`{serviceDay}`, a few days at once), from the
   * window's (or the cursor's) day on; range, status and cursor are applied
   * to each day's slots here, which are then put in (startTime, _id) order.
   * Stops once it has `limit` rows, or after MAX_DAYS_PER_LIST days: then
   * `resumeAfter` says where the next call goes on. A window without a start
   * or an end is bounded by the service's `slotDays`.
   */
  async list(opts: Parameters<SlotRepository['list']>[0]): ReturnType<SlotRepository['list']> {
    const service = oid(opts.serviceId);
    let first = opts.from ? dayNumber(opts.from) : null;
    // `to` is exclusive: the last day is that of the instant just before it.
    let last = opts.to ? dayNumber(new Date(opts.to.getTime() - 1)) : null;
    if (first === null || last === null) {
      const range = await slotDayRange(this.models, service);
      if (!range) return { rows: [], resumeAfter: null };
      first ??= range.first;
      last ??= range.last;
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
      async (day) => (await this.slotsOfDay(service, day)).filter(keep).sort(byStartThenId),
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
    const range = await slotDayRange(this.models, service);
    if (!range) return;
    const first = Math.max(dayNumber(now), range.first);
    const last = range.last;
    for (let from = first; from <= last; from += DAY_CONCURRENCY) {
      const days: number[] = [];
      for (let d = from; d <= last && d < from + DAY_CONCURRENCY; d++) days.push(d);
      await Promise.all(
        days.map(async (day) => {
          const docs = await this.slotsOfDay(service, day);
          await visit(docs.filter((s) => s.startTime > now).map(toSlotRecord));
        }),
      );
    }
  }

  findOwnedChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<SlotRecord>> {
    return this.changedBetween(from, to, limit, pointsAtClaim);
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

  /** The slots of one UTC day of a service: one `{serviceDay}` lookup. */
  private slotsOfDay(service: Types.ObjectId, day: number): Promise<SlotDoc[]> {
    return this.models.slots
      .find({ serviceDay: serviceDayKey(service, day) })
      .lean<SlotDoc[]>()
      .exec();
  }
}

const byStartThenId = (a: SlotDoc, b: SlotDoc): number =>
  a.startTime.getTime() - b.startTime.getTime() ||
  (hex(a._id) < hex(b._id) ? -1 : hex(a._id) > hex(b._id) ? 1 : 0);
