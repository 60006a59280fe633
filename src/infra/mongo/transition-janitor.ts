import type { Model } from 'mongoose';
import type { TransitionDoc } from './models';

/** Entries waiting to be deleted at most; beyond it the reconciler's pass removes them. */
const MAX_PENDING = 100_000;

/**
 * Deletes the claim_transitions entries of applied transitions in batches:
 * one `delete` command per `everyMs` with one `{_id}` statement per entry
 * (each pushed down by FerretDB), instead of one command per transition on
 * the request path.
 *
 * An applied entry `<claim>:<r>` decides nothing any more: the claim is at
 * revision r or later, so every transition that can still be decided inserts
 * `<claim>:<r'>` with r' > r, and every lookup of a pending transition
 * (settle) asks for exactly the revision after the claim's. Keeping it a
 * second longer only keeps the collection that size. If this process dies
 * with entries still queued, the reconciler's settleTransitions finds them
 * (they are older than its roll-forward delay), sees their claim past them,
 * and deletes them.
 */
export class TransitionJanitor {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly transitions: Model<TransitionDoc>,
    private readonly everyMs: number,
  ) {}

  forgetLater(entryId: string): void {
    if (this.everyMs <= 0 || this.closed) {
      this.flushing = this.flushing.then(() => this.deleteAll([entryId]));
      return;
    }
    if (this.pending.size < MAX_PENDING) this.pending.add(entryId);
    this.schedule();
  }

  /** Deletes what is queued now (tests, shutdown). */
  flush(): Promise<void> {
    const batch = [...this.pending];
    this.pending = new Set();
    this.flushing = this.flushing.then(() => this.deleteAll(batch));
    return this.flushing;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async deleteAll(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.transitions.bulkWrite(
        ids.map((_id) => ({ deleteOne: { filter: { _id } } })),
        { ordered: false },
      );
    } catch {
      // Tried again with the next batch; whatever is never deleted here the reconciler's pass removes.
      if (this.everyMs <= 0 || this.closed) return;
      for (const id of ids) if (this.pending.size < MAX_PENDING) this.pending.add(id);
      this.schedule();
    }
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.everyMs).unref();
  }
}
