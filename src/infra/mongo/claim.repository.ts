import type { AppointmentStatus, ClaimRecord } from '../../domain/types';
import {
  DuplicateClaimIdError,
  DuplicateSlotClaimError,
  type Changed,
  type ClaimRepository,
  type Cursor,
} from '../../use-cases/ports';
import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { DomainError } from '../../domain/errors';
import type { ClaimDoc, Models, TransitionDoc } from './models';
import {
  CREATED_BUCKET_MS,
  createdBucketOf,
  inBuckets,
  mapBounded,
  updatedBucketOf,
  wholeBucketsBefore,
} from './buckets';
import { hex, isDuplicateKeyError, oid } from './object-ids';
import { TransitionJanitor } from './transition-janitor';

const AFTER = { returnDocument: 'after' } as const;
/** The slot-claim value of a claim that no longer holds its slot. */
const released = (id: string): string => `~${id}`;
/**
 * The slot-claim value of an active claim: the slot's id for a claim of a
 * slot of capacity 1 (the unique index admits one), `<slot id>/<claim id>`
 * for a member of a slot of several places (its places ledger decides; the
 * value only has to be unique).
 */
const activeSlotClaim = (slotId: string, claimId: string, places: number | null): string =>
  places === null ? slotId : `${slotId}/${claimId}`;

export interface ClaimRepositorySettings {
  /** How long a decided transition's writer has to apply it before others do. */
  rollForwardAfterMs: number;
  /** How often a request waiting for another's transition looks again. */
  pollMs: number;
  /** Transitions a request lets overtake it before answering SLOT_BUSY. */
  maxRounds: number;
  /**
   * How often the entries of applied transitions are deleted, in one batched
   * command (0: each at once, by its writer).
   */
  forgetEveryMs: number;
}

const DEFAULT_SETTINGS: ClaimRepositorySettings = {
  rollForwardAfterMs: 5_000,
  pollMs: 25,
  maxRounds: 8,
  forgetEveryMs: 1_000,
};
/** Point reads, or bucket lookups, in flight at once. */
const CONCURRENCY = 8;

/**
 * Claims (holds and appointments). Every query is equality on top-level
 * fields, which FerretDB on PostgreSQL pushes down to SQL: `_id`,
 * `slotClaim`, `userId` (a user's history), `status: 'HELD'` (live holds
 * only), `updatedBucket` (what changed in a 10-second bucket) and
 * `voidBucket` (VOID claims, by minute). Status, ranges and order are
 * applied here, over what those lookups return.
 */
export class MongoClaimRepository implements ClaimRepository {
  private readonly settings: ClaimRepositorySettings;
  private readonly applied: TransitionJanitor;

  constructor(
    private readonly models: Pick<Models, 'claims' | 'transitions'>,
    settings: Partial<ClaimRepositorySettings> = {},
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    this.applied = new TransitionJanitor(models.transitions, this.settings.forgetEveryMs);
  }

  /** Deletes the entries of the transitions applied so far. */
  flushApplied(): Promise<void> {
    return this.applied.flush();
  }

  /** Deletes the entries of the transitions applied so far, and stops batching. */
  close(): Promise<void> {
    return this.applied.close();
  }

  async insert(c: ClaimRecord): Promise<void> {
    const doc: ClaimDoc = {
      _id: oid(c.id),
      userId: c.userId,
      serviceId: oid(c.serviceId),
      slotId: oid(c.slotId),
      status: c.status,
      slotClaim:
        c.status === 'HELD' || c.status === 'CONFIRMED'
          ? activeSlotClaim(c.slotId, c.id, c.places)
          : released(c.id),
      startTime: c.startTime,
      endTime: c.endTime,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
      expiresAt: c.expiresAt,
      holdSecret: c.holdSecret,
      cancelledAt: null,
      cancellationReason: '',
      cancelRequestKey: null,
      rescheduledAt: null,
      rescheduleRequestKey: null,
      previousSlotId: null,
      rev: 0,
      revBy: null,
      updatedBucket: updatedBucketOf(c.updatedAt),
      // Only VOID claims have it: their purge selects them by it.
      ...(c.status === 'VOID' ? { voidBucket: createdBucketOf(c.createdAt) } : {}),
      ...(c.places !== null ? { places: c.places } : {}),
    };
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

  /** Point reads (an `$in` is not pushed down by FerretDB), missing ids left out. */
  async findByIds(ids: readonly string[]): Promise<ClaimRecord[]> {
    const found = await mapBounded([...new Set(ids)], CONCURRENCY, (id) => this.findById(id));
    return found.filter((c): c is ClaimRecord => c !== null);
  }

  async findActiveBySlot(slotId: string): Promise<ClaimRecord | null> {
    const doc = await this.models.claims.findOne({ slotClaim: slotId }).lean<ClaimDoc>().exec();
    return doc ? toClaimRecord(doc) : null;
  }

  confirmHold(opts: {
    holdId: string;
    userId: string;
    slotId: string;
    serviceId: string | null;
    secret: string;
    validAfter: Date;
    now: Date;
  }): Promise<ClaimRecord | null> {
    return this.transition(
      opts.holdId,
      (c) =>
        c.status === 'HELD' &&
        c.userId === opts.userId &&
        c.slotId === opts.slotId &&
        c.holdSecret === opts.secret &&
        c.expiresAt !== null &&
        c.expiresAt > opts.validAfter &&
        (opts.serviceId === null || c.serviceId === opts.serviceId),
      { status: 'CONFIRMED', createdAt: opts.now, updatedAt: opts.now },
    );
  }

  releaseHold(opts: {
    holdId: string;
    userId: string;
    secret: string;
    now: Date;
  }): Promise<ClaimRecord | null> {
    return this.transition(
      opts.holdId,
      (c) => c.status === 'HELD' && c.userId === opts.userId && c.holdSecret === opts.secret,
      { status: 'RELEASED', slotClaim: released(opts.holdId), updatedAt: opts.now },
    );
  }

  expireHold(opts: { holdId: string; now: Date }): Promise<ClaimRecord | null> {
    return this.transition(
      opts.holdId,
      (c) => c.status === 'HELD' && c.expiresAt !== null && c.expiresAt <= opts.now,
      { status: 'EXPIRED', slotClaim: released(opts.holdId), updatedAt: opts.now },
    );
  }

  /** `{status: 'HELD'}` selects live holds only (a hold leaves HELD when it ends); expiry is checked here. */
  async findExpiredHolds(now: Date, limit: number): Promise<ClaimRecord[]> {
    const docs = await this.models.claims.find({ status: 'HELD' }).lean<ClaimDoc[]>().exec();
    return docs
      .filter((c) => c.expiresAt !== null && c.expiresAt <= now)
      .slice(0, limit)
      .map(toClaimRecord);
  }

  cancel(opts: {
    appointmentId: string;
    now: Date;
    reason: string;
    requestKey: string | null;
    known?: ClaimRecord;
  }): Promise<ClaimRecord | null> {
    return this.transition(
      opts.appointmentId,
      (c) => c.status === 'CONFIRMED',
      {
        status: 'CANCELLED',
        slotClaim: released(opts.appointmentId),
        cancelledAt: opts.now,
        cancellationReason: opts.reason,
        cancelRequestKey: opts.requestKey,
        updatedAt: opts.now,
      },
      opts.known,
    );
  }

  moveClaim(opts: {
    appointmentId: string;
    fromSlotId: string;
    revision: number;
    to: { slotId: string; startTime: Date; endTime: Date };
    now: Date;
    requestKey: string | null;
    places?: number | null;
    previousPlaces?: number | null;
  }): Promise<ClaimRecord | null> {
    const places = opts.places ?? null;
    return this.transition(
      opts.appointmentId,
      (c) => c.status === 'CONFIRMED' && c.slotId === opts.fromSlotId && c.revision === opts.revision,
      {
        slotId: oid(opts.to.slotId),
        slotClaim: activeSlotClaim(opts.to.slotId, opts.appointmentId, places),
        // Written only when either slot has several places: a move between slots of
        // capacity 1 writes exactly what it always did.
        ...(places !== null || (opts.previousPlaces ?? null) !== null
          ? { places, previousPlaces: opts.previousPlaces ?? null }
          : {}),
        startTime: opts.to.startTime,
        endTime: opts.to.endTime,
        previousSlotId: oid(opts.fromSlotId),
        rescheduledAt: opts.now,
        rescheduleRequestKey: opts.requestKey,
        updatedAt: opts.now,
      },
    );
  }

  async completeMove(opts: { appointmentId: string; now: Date }): Promise<void> {
    await this.transition(opts.appointmentId, (c) => c.previousSlotId !== null, {
      previousSlotId: null,
      previousPlaces: null,
      updatedAt: opts.now,
    });
  }

  async fence(opts: { id: string; revision: number }): Promise<boolean> {
    return (await this.transition(opts.id, (c) => c.revision === opts.revision, {})) !== null;
  }

  async deleteVoidCreatedBefore(opts: { from: Date; cutoff: Date }): Promise<number> {
    const deleted = await mapBounded(
      wholeBucketsBefore(opts.from, opts.cutoff, CREATED_BUCKET_MS),
      CONCURRENCY,
      async (bucket) => (await this.models.claims.deleteMany({ voidBucket: bucket }).exec()).deletedCount,
    );
    return deleted.reduce((a, b) => a + b, 0);
  }

  async settleTransitions(opts: { before: Date; limit: number }): Promise<number> {
    const entries = await this.models.transitions
      .find({ at: { $lte: opts.before } })
      .sort({ at: 1 })
      .limit(opts.limit)
      .lean<TransitionDoc[]>()
      .exec();
    let applied = 0;
    for (const entry of entries) {
      if (await this.settle(entry.claimId, entry.rev - 1, entry)) applied += 1;
    }
    return applied;
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

  /**
   * Changes a claim from the state `when` accepts, by `set`, if and only if
   * this call decides the transition: it inserts `<id>:<revision + 1>` in
   * claim_transitions (a unique `_id`: one transition per revision, atomically
   * on every backend), then writes the claim conditioned on its revision, then
   * forgets the entry. Null when the claim is missing or `when` refuses it,
   * after any transition already decided on the revision read has landed (so
   * that a "no" never contradicts a decision on its way). Throws
   * DuplicateSlotClaimError when `set` would give the claim a slot that has an
   * active claim (the transition is then undone), SLOT_BUSY (retry) when the
   * claim keeps changing under it, or when its own write was overtaken.
   *
   * `known`, the claim as the caller has just read it, stands for the first
   * read when `when` accepts it: nothing here assumes the read is fresh (a
   * claim that has moved on since fails the write conditioned on its revision,
   * and the next round reads it), so it only saves a read. A refusal is
   * always decided on a read of its own.
   */
  private async transition(
    id: string,
    when: (claim: ClaimRecord) => boolean,
    set: Partial<ClaimDoc>,
    known?: ClaimRecord,
  ): Promise<ClaimRecord | null> {
    const claimId = oid(id);
    for (let round = 0; round < this.settings.maxRounds; round++) {
      const claim = round === 0 && known?.id === id && when(known) ? known : await this.findById(id);
      if (!claim) return null;
      const rev = claim.revision;
      if (!when(claim)) {
        if (await this.settle(claimId, rev)) continue;
        return null;
      }
      const nonce = randomBytes(8).toString('hex');
      const next: Partial<ClaimDoc> = {
        ...set,
        ...(set.updatedAt ? { updatedBucket: updatedBucketOf(set.updatedAt) } : {}),
        rev: rev + 1,
        revBy: nonce,
      };
      const entry: TransitionDoc = {
        _id: entryId(claimId, rev + 1),
        claimId,
        rev: rev + 1,
        set: next,
        at: new Date(),
      };
      try {
        await this.models.transitions.create(entry);
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // Another transition from this revision won: let it land, then look again.
        await this.settle(claimId, rev);
        continue;
      }
      const written = await this.apply(claimId, rev, entry);
      if (written?.revBy === nonce) {
        // Applied: its entry no longer decides anything (see TransitionJanitor).
        this.applied.forgetLater(entry._id);
        return toClaimRecord(written);
      }
      // Not written by this call. Either the claim had moved on before our entry
      // went in (another transition from `rev` landed and forgot its entry after
      // we read it): decide again. Or another request applied our entry for us,
      // having waited `rollForwardAfterMs` for us to (only then, and only while
      // the claim was still at `rev`). Revision `rev + 1` tells which, as only
      // one entry can ever have been applied at it; if the claim has changed
      // again since, only the time taken can tell.
      const now = await this.models.claims.findById(claimId).lean<ClaimDoc>().exec();
      await this.forget(entry._id);
      if (!now) return null;
      if ((now.rev ?? 0) === rev + 1) {
        if (now.revBy === nonce) return toClaimRecord(now);
        continue;
      }
      if (Date.now() - entry.at.getTime() < this.settings.rollForwardAfterMs / 2) continue;
      throw claimBusy(id);
    }
    throw claimBusy(id);
  }

  /**
   * Writes a decided transition (`entry`) if the claim is still at `rev`.
   * If the new state collides on the slot-claim index, the transition is
   * undone (its entry removed) and DuplicateSlotClaimError thrown.
   */
  private async apply(claimId: Types.ObjectId, rev: number, entry: TransitionDoc): Promise<ClaimDoc | null> {
    try {
      return await this.models.claims
        .findOneAndUpdate(
          { _id: claimId, rev: rev === 0 ? { $in: [0, null] } : rev },
          { $set: entry.set },
          AFTER,
        )
        .lean<ClaimDoc>()
        .exec();
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      await this.forget(entry._id);
      const slot = typeof entry.set.slotClaim === 'string' ? entry.set.slotClaim : '?';
      throw new DuplicateSlotClaimError(`slot ${slot} already has an active claim`);
    }
  }

  /**
   * If a transition from `rev` has been decided (its entry exists), waits
   * until it has landed, or, once its writer has had `rollForwardAfterMs`
   * (it crashed, say), applies it; then forgets the entry. True if there was
   * one. A transition that can no longer be applied (its slot was taken
   * meanwhile) is dropped.
   */
  private async settle(claimId: Types.ObjectId, rev: number, known?: TransitionDoc): Promise<boolean> {
    const id = entryId(claimId, rev + 1);
    const entry = known ?? (await this.models.transitions.findById(id).lean<TransitionDoc>().exec());
    if (!entry) return false;
    for (;;) {
      const doc = await this.models.claims.findById(claimId, { rev: 1 }).lean<Pick<ClaimDoc, 'rev'>>().exec();
      if (!doc || (doc.rev ?? 0) > rev) break;
      const wait = entry.at.getTime() + this.settings.rollForwardAfterMs - Date.now();
      if (wait <= 0) {
        await this.apply(claimId, rev, entry).catch((err: unknown) => {
          if (!(err instanceof DuplicateSlotClaimError)) throw err;
        });
        break;
      }
      await sleep(Math.min(this.settings.pollMs, wait));
    }
    await this.forget(id);
    return true;
  }

  private async forget(entryKey: string): Promise<void> {
    await this.models.transitions.deleteOne({ _id: entryKey }).exec();
  }
}

const entryId = (claimId: Types.ObjectId, rev: number): string => `${hex(claimId)}:${rev}`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const claimBusy = (id: string): DomainError =>
  new DomainError('SLOT_BUSY', `appointment or hold ${id} is being changed by another request; retry`, {
    claimId: id,
  });

export function toClaimRecord(doc: ClaimDoc): ClaimRecord {
  return {
    id: hex(doc._id),
    userId: doc.userId,
    serviceId: hex(doc.serviceId),
    slotId: hex(doc.slotId),
    status: doc.status,
    startTime: doc.startTime,
    endTime: doc.endTime,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt ?? doc.createdAt,
    expiresAt: doc.expiresAt ?? null,
    holdSecret: doc.holdSecret ?? null,
    cancelledAt: doc.cancelledAt ?? null,
    cancellationReason: doc.cancellationReason ?? '',
    cancelRequestKey: doc.cancelRequestKey ?? null,
    rescheduledAt: doc.rescheduledAt ?? null,
    rescheduleRequestKey: doc.rescheduleRequestKey ?? null,
    previousSlotId: doc.previousSlotId ? hex(doc.previousSlotId) : null,
    revision: doc.rev ?? 0,
    places: doc.places ?? null,
    previousPlaces: doc.previousPlaces ?? null,
  };
}
