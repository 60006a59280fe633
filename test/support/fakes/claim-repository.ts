import * as guards from '../../../src/domain/claim-guards';
import type { ClaimRecord } from '../../../src/domain/types';
import {
  DuplicateClaimIdError,
  DuplicateSlotClaimError,
  type Changed,
  type ClaimRepository,
} from '../../../src/use-cases/ports';
import { copy, inWholeMinutesBefore } from './ids';
import { FakeTable } from './tables';

/** The options of a method, as the port declares them. */
type Options<K extends keyof ClaimRepository> = Parameters<ClaimRepository[K]>[0];

/**
 * The unique slot-claim key of a claim: its slot for an active claim of a
 * slot of capacity 1, `<slot>/<claim>` for a member of a slot of several
 * places (its ledger decides), none once it no longer holds a slot.
 */
function slotClaimOf(c: Pick<ClaimRecord, 'id' | 'slotId' | 'status' | 'places'>): string | null {
  if (c.status !== 'HELD' && c.status !== 'CONFIRMED') return null;
  return c.places === null ? c.slotId : `${c.slotId}/${c.id}`;
}

/**
 * Claims in memory, with the semantics MongoClaimRepository gives the use
 * cases: unique ids and one active claim per slot of capacity 1
 * (DuplicateClaimIdError, DuplicateSlotClaimError); every transition a
 * change from an accepted state, decided whole, that bumps the revision.
 * A transition here is never left decided but unwritten (a crash between the
 * two), so settleTransitions has nothing to do.
 */
export class FakeClaimRepository extends FakeTable<ClaimRecord> implements ClaimRepository {
  insert(c: ClaimRecord): Promise<void> {
    if (this.rows.has(c.id)) return Promise.reject(new DuplicateClaimIdError(`claim ${c.id} exists already`));
    const key = slotClaimOf(c);
    if (key !== null && this.holderOf(key) !== null) {
      return Promise.reject(new DuplicateSlotClaimError(`slot ${c.slotId} already has an active claim`));
    }
    // A new claim starts at revision 0, whatever the record says (newClaim leaves the
    // fields only transitions write empty).
    this.rows.set(c.id, { ...copy(c), revision: 0 });
    return Promise.resolve();
  }

  findActiveBySlot(slotId: string): Promise<ClaimRecord | null> {
    const row = this.holderOf(slotId);
    return Promise.resolve(row ? copy(row) : null);
  }

  confirmHold(opts: Options<'confirmHold'>): Promise<ClaimRecord | null> {
    return this.transition(opts.holdId, guards.canConfirmHold(opts), {
      status: 'CONFIRMED',
      createdAt: opts.now,
      updatedAt: opts.now,
    });
  }

  releaseHold(opts: Options<'releaseHold'>): Promise<ClaimRecord | null> {
    return this.transition(opts.holdId, guards.canReleaseHold(opts), {
      status: 'RELEASED',
      updatedAt: opts.now,
    });
  }

  expireHold(opts: { holdId: string; now: Date }): Promise<ClaimRecord | null> {
    return this.transition(opts.holdId, guards.holdHasExpired(opts.now), {
      status: 'EXPIRED',
      updatedAt: opts.now,
    });
  }

  findExpiredHolds(now: Date, limit: number): Promise<ClaimRecord[]> {
    return this.select(guards.holdHasExpired(now), limit);
  }

  cancel(opts: Options<'cancel'>): Promise<ClaimRecord | null> {
    return this.transition(opts.appointmentId, guards.canCancel, {
      status: 'CANCELLED',
      cancelledAt: opts.now,
      cancellationReason: opts.reason,
      cancelRequestKey: opts.requestKey,
      updatedAt: opts.now,
    });
  }

  moveClaim(opts: Options<'moveClaim'>): Promise<ClaimRecord | null> {
    const places = opts.places ?? null;
    const previousPlaces = opts.previousPlaces ?? null;
    return this.transition(opts.appointmentId, guards.canMove(opts), {
      slotId: opts.to.slotId,
      // Between slots of capacity 1 the places fields are left as they are.
      ...(places !== null || previousPlaces !== null ? { places, previousPlaces } : {}),
      startTime: opts.to.startTime,
      endTime: opts.to.endTime,
      previousSlotId: opts.fromSlotId,
      rescheduledAt: opts.now,
      rescheduleRequestKey: opts.requestKey,
      updatedAt: opts.now,
    });
  }

  async completeMove(opts: { appointmentId: string; now: Date }): Promise<void> {
    await this.transition(opts.appointmentId, guards.hasMoveToComplete, {
      previousSlotId: null,
      previousPlaces: null,
      updatedAt: opts.now,
    });
  }

  async fence(opts: { id: string; revision: number }): Promise<boolean> {
    return (await this.transition(opts.id, guards.isAtRevision(opts.revision), {})) !== null;
  }

  settleTransitions(): Promise<number> {
    return Promise.resolve(0);
  }

  deleteVoidCreatedBefore(opts: Options<'deleteVoidCreatedBefore'>): Promise<number> {
    let deleted = 0;
    for (const [id, c] of this.rows) {
      if (c.status === 'VOID' && inWholeMinutesBefore(c.createdAt, opts.from, opts.cutoff)) {
        this.rows.delete(id);
        deleted += 1;
      }
    }
    return Promise.resolve(deleted);
  }

  findPlacesChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<ClaimRecord>> {
    return this.changedBetween(from, to, limit, (c) => c.places !== null || c.previousPlaces !== null);
  }

  findActiveChangedBetween(from: Date, to: Date, limit: number): Promise<Changed<ClaimRecord>> {
    return this.changedBetween(from, to, limit, (c) => c.status === 'HELD' || c.status === 'CONFIRMED');
  }

  async listAppointmentsByUser(opts: Options<'listAppointmentsByUser'>): Promise<ClaimRecord[]> {
    const rows = await this.select(
      (c) =>
        c.userId === opts.userId &&
        (opts.status === null
          ? c.status === 'CONFIRMED' || c.status === 'CANCELLED'
          : c.status === opts.status) &&
        (opts.after === null ||
          c.createdAt.getTime() < opts.after.key ||
          (c.createdAt.getTime() === opts.after.key && c.id < opts.after.id)),
    );
    rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    return rows.slice(0, opts.limit);
  }

  /** A claim as stored now. */
  protected view(row: ClaimRecord): ClaimRecord {
    return copy(row);
  }

  /** The active claim holding slot-claim `key`, if any. */
  private holderOf(key: string): ClaimRecord | null {
    for (const c of this.rows.values()) if (slotClaimOf(c) === key) return c;
    return null;
  }

  private select(wanted: (c: ClaimRecord) => boolean, limit = Infinity): Promise<ClaimRecord[]> {
    return Promise.resolve([...this.rows.values()].filter(wanted).slice(0, limit).map(copy));
  }

  /**
   * Changes the claim from a state `when` accepts by `set`, bumping its
   * revision; null when it is missing or refused. A change that would give
   * the claim a slot held by another active claim is refused whole with
   * DuplicateSlotClaimError.
   */
  private transition(
    id: string,
    when: (c: ClaimRecord) => boolean,
    set: Partial<ClaimRecord>,
  ): Promise<ClaimRecord | null> {
    const row = this.rows.get(id);
    if (!row || !when(row)) return Promise.resolve(null);
    const next: ClaimRecord = { ...row, ...copy(set), revision: row.revision + 1 };
    const key = slotClaimOf(next);
    const holder = key === null ? null : this.holderOf(key);
    if (holder !== null && holder.id !== id) {
      return Promise.reject(new DuplicateSlotClaimError(`slot ${next.slotId} already has an active claim`));
    }
    this.rows.set(id, next);
    return Promise.resolve(copy(next));
  }
}
