import type { ClaimRecord } from '../../domain/types';
import { DuplicateSlotClaimError } from '../../use-cases/ports';
import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import { DomainError } from '../../domain/errors';
import type { ClaimDoc, Models, TransitionDoc } from './models';
import { updatedBucketOf } from './buckets';
import { toClaimRecord } from './claim-docs';
import { hex, isDuplicateKeyError, oid } from './object-ids';
import { TransitionJanitor } from './transition-janitor';

const AFTER = { returnDocument: 'after' } as const;

export interface ClaimTransitionSettings {
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

const DEFAULT_SETTINGS: ClaimTransitionSettings = {
  rollForwardAfterMs: 5_000,
  pollMs: 25,
  maxRounds: 8,
  forgetEveryMs: 1_000,
};

/** A change of a claim: from the states `when` accepts, the fields `set`. */
export interface Transition {
  when: (claim: ClaimRecord) => boolean;
  set: Partial<ClaimDoc>;
}

/**
 * The claim transition engine: every change of a claim after its insert goes
 * through `run`, which decides it with a `claim_transitions` entry (see
 * TransitionDoc) so that two requests never both change one revision, even
 * on a backend whose conditional updates are not atomic.
 */
export class ClaimTransitions {
  private readonly settings: ClaimTransitionSettings;
  private readonly applied: TransitionJanitor;

  constructor(
    private readonly models: Pick<Models, 'claims' | 'transitions'>,
    settings: Partial<ClaimTransitionSettings> = {},
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
  async run(id: string, { when, set }: Transition, known?: ClaimRecord): Promise<ClaimRecord | null> {
    const claimId = oid(id);
    for (let round = 0; round < this.settings.maxRounds; round++) {
      const claim = round === 0 && known?.id === id && when(known) ? known : await this.read(claimId);
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

  /** Settles the oldest entries decided before `before` (left behind by a crash, say); how many were applied. */
  async settleLeftBehind(opts: { before: Date; limit: number }): Promise<number> {
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

  private async read(claimId: Types.ObjectId): Promise<ClaimRecord | null> {
    const doc = await this.models.claims.findById(claimId).lean<ClaimDoc>().exec();
    return doc ? toClaimRecord(doc) : null;
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
