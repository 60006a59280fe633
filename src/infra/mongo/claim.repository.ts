import type { AppointmentStatus, ClaimRecord } from '../../domain/types';
import {
  DuplicateClaimIdError,
  DuplicateSlotClaimError,
  type Changed,
  type ClaimRepository,
  type Cursor,
} from '../../use-cases/ports';
import type { ClaimDoc, Models } from './models';
import { CREATED_BUCKET_MS, inBuckets, mapBounded, readEach, wholeBucketsBefore } from './buckets';
import { newClaimDoc, toClaimRecord } from './claim-docs';
import * as rules from './claim-transition-rules';
import type { TransitionOpts } from './claim-transition-rules';
import { ClaimTransitions, type ClaimTransitionSettings } from './claim-transitions';
import { hex, isDuplicateKeyError, oid } from './object-ids';

/** Bucket lookups in flight at once. */
const CONCURRENCY = 8;

/**
 * Claims (holds and appointments). Every query is equality on top-level
 * fields, which FerretDB on PostgreSQL pushes down to SQL: `_id`,
 * `slotClaim`, `userId` (a user's history), `status: 'HELD'` (live holds
 * only), `updatedBucket` (what changed in a 10-second bucket) and
 * `voidBucket` (VOID claims, by minute). Status, ranges and order are
 * applied here, over what those lookups return. Every change after the
 * insert is a transition (claim-transition-rules.ts) run by the transition
 * engine (claim-transitions.ts).
 */
export class MongoClaimRepository implements ClaimRepository {
  private readonly transitions: ClaimTransitions;

  constructor(
    private readonly models: Pick<Models, 'claims' | 'transitions'>,
    settings: Partial<ClaimTransitionSettings> = {},
  ) {
    this.transitions = new ClaimTransitions(models, settings);
  }

  /** Deletes the entries of the transitions applied so far. */
  flushApplied(): Promise<void> {
    return this.transitions.flushApplied();
  }

  /** Deletes the entries of the transitions applied so far, and stops batching. */
  close(): Promise<void> {
    return this.transitions.close();
  }

  async insert(c: ClaimRecord): Promise<void> {
    const doc = newClaimDoc(c);
    try {
      await this.models.claims.collection.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      // Which unique index refused it: the id, or the slot's active claim.
      if (await this.models.claims.exists({ _id: doc._id })) {
        throw new DuplicateClaimIdError(`claim ${c.id} exists already`);
      }
      throw new DuplicateSlotClaimError(`slot ${c.slotId} already has an active claim`);
    }
  }

  async findById(id: string): Promise<ClaimRecord | null> {
    const doc = await this.models.claims.findById(oid(id)).lean<ClaimDoc>().exec();
    return doc ? toClaimRecord(doc) : null;
  }

  findByIds(ids: readonly string[]): Promise<ClaimRecord[]> {
    return readEach(ids, (id) => this.findById(id));
  }

  async findActiveBySlot(slotId: string): Promise<ClaimRecord | null> {
    const doc = await this.models.claims.findOne({ slotClaim: slotId }).lean<ClaimDoc>().exec();
    return doc ? toClaimRecord(doc) : null;
  }

  confirmHold(opts: TransitionOpts<'confirmHold'>): Promise<ClaimRecord | null> {
    return this.transitions.run(opts.holdId, rules.confirmHold(opts));
  }

  releaseHold(opts: TransitionOpts<'releaseHold'>): Promise<ClaimRecord | null> {
    return this.transitions.run(opts.holdId, rules.releaseHold(opts));
  }

  expireHold(opts: TransitionOpts<'expireHold'>): Promise<ClaimRecord | null> {
    return this.transitions.run(opts.holdId, rules.expireHold(opts));
  }

  /** `{status: 'HELD'}` selects live holds only (a hold leaves HELD when it ends); expiry is checked here. */
  async findExpiredHolds(now: Date, limit: number): Promise<ClaimRecord[]> {
    const docs = await this.models.claims.find({ status: 'HELD' }).lean<ClaimDoc[]>().exec();
    return docs
      .filter((c) => c.expiresAt !== null && c.expiresAt <= now)
      .slice(0, limit)
      .map(toClaimRecord);
  }

  cancel(opts: TransitionOpts<'cancel'>): Promise<ClaimRecord | null> {
    return this.transitions.run(opts.appointmentId, rules.cancel(opts), opts.known);
  }

  moveClaim(opts: TransitionOpts<'moveClaim'>): Promise<ClaimRecord | null> {
    return this.transitions.run(opts.appointmentId, rules.moveClaim(opts));
  }

  async completeMove(opts: TransitionOpts<'completeMove'>): Promise<void> {
    await this.transitions.run(opts.appointmentId, rules.completeMove(opts));
  }

  async fence(opts: TransitionOpts<'fence'>): Promise<boolean> {
    return (await this.transitions.run(opts.id, rules.fence(opts))) !== null;
  }

  async deleteVoidCreatedBefore(opts: { from: Date; cutoff: Date }): Promise<number> {
    const deleted = await mapBounded(
      wholeBucketsBefore(opts.from, opts.cutoff, CREATED_BUCKET_MS),
      CONCURRENCY,
      async (bucket) => (await this.models.claims.deleteMany({ voidBucket: bucket }).exec()).deletedCount,
    );
    return deleted.reduce((a, b) => a + b, 0);
  }

  settleTransitions(opts: { before: Date; limit: number }): Promise<number> {
    return this.transitions.settleLeftBehind(opts);
  }

  /** One `{updatedBucket}` lookup per 10-second bucket of [from, to] (see Changed). */
  findPlacesChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<ClaimRecord>> {
    return inBuckets(from, to, limit, async (bucket) => {
      const docs = await this.models.claims.find({ updatedBucket: bucket }).lean<ClaimDoc[]>().exec();
      return docs
        .filter((d) => (d.places ?? null) !== null || (d.previousPlaces ?? null) !== null)
        .map(toClaimRecord);
    });
  }

  /** One `{updatedBucket}` lookup per 10-second bucket of [from, to] (see Changed). */
  findActiveChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<ClaimRecord>> {
    return inBuckets(from, to, limit, async (bucket) => {
      const docs = await this.models.claims.find({ updatedBucket: bucket }).lean<ClaimDoc[]>().exec();
      return docs.filter((d) => d.status === 'HELD' || d.status === 'CONFIRMED').map(toClaimRecord);
    });
  }

  /**
   * `{userId}` is the lookup (pushed down); status, order and cursor are
   * applied here, over that user's claims: a page costs the user's history,
   * never the collection's.
   */
  async listAppointmentsByUser(opts: {
    userId: string;
    status: AppointmentStatus | null;
    after: Cursor | null;
    limit: number;
  }): Promise<ClaimRecord[]> {
    const docs = await this.models.claims.find({ userId: opts.userId }).lean<ClaimDoc[]>().exec();
    const wanted = (c: ClaimDoc): boolean =>
      (opts.status === null
        ? c.status === 'CONFIRMED' || c.status === 'CANCELLED'
        : c.status === opts.status) &&
      (opts.after === null ||
        c.createdAt.getTime() < opts.after.key ||
        (c.createdAt.getTime() === opts.after.key && hex(c._id) < opts.after.id));
    return docs
      .filter(wanted)
      .sort(
        (a, b) =>
          b.createdAt.getTime() - a.createdAt.getTime() ||
          (hex(a._id) < hex(b._id) ? 1 : hex(a._id) > hex(b._id) ? -1 : 0),
      )
      .slice(0, opts.limit)
      .map(toClaimRecord);
  }
}
