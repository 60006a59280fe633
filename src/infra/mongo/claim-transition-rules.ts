import * as guards from '../../domain/claim-guards';
import { activeSlotClaim, released } from './claim-docs';
import type { Transition } from './claim-transitions';
import { oid } from './object-ids';
import type { ClaimRepository } from '../../use-cases/ports';

/**
 * The transitions of a claim, each as the states it starts from (`when`, the
 * guards of domain/claim-guards.ts) and what it writes (`set`);
 * ClaimTransitions runs them. A claim leaving HELD or
 * CONFIRMED writes `released(id)` as its slot claim, so the slot's unique
 * index admits a new active claim.
 */

type Transitions =
  'confirmHold' | 'releaseHold' | 'expireHold' | 'cancel' | 'moveClaim' | 'completeMove' | 'fence';
/** What the port's method of that name is called with. */
export type TransitionOpts<K extends Transitions> = Parameters<ClaimRepository[K]>[0];

export const confirmHold = (opts: TransitionOpts<'confirmHold'>): Transition => ({
  when: guards.canConfirmHold(opts),
  set: { status: 'CONFIRMED', createdAt: opts.now, updatedAt: opts.now },
});

export const releaseHold = (opts: TransitionOpts<'releaseHold'>): Transition => ({
  when: guards.canReleaseHold(opts),
  set: { status: 'RELEASED', slotClaim: released(opts.holdId), updatedAt: opts.now },
});

export const expireHold = (opts: TransitionOpts<'expireHold'>): Transition => ({
  when: guards.holdHasExpired(opts.now),
  set: { status: 'EXPIRED', slotClaim: released(opts.holdId), updatedAt: opts.now },
});

export const cancel = (opts: TransitionOpts<'cancel'>): Transition => ({
  when: guards.canCancel,
  set: {
    status: 'CANCELLED',
    slotClaim: released(opts.appointmentId),
    cancelledAt: opts.now,
    cancellationReason: opts.reason,
    cancelRequestKey: opts.requestKey,
    updatedAt: opts.now,
  },
});

export function moveClaim(opts: TransitionOpts<'moveClaim'>): Transition {
  const places = opts.places ?? null;
  return {
    when: guards.canMove(opts),
    set: {
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
  };
}

/** Ends a move once the old slot has been given back: the claim forgets it (and its places there). */
export const completeMove = (opts: TransitionOpts<'completeMove'>): Transition => ({
  when: guards.hasMoveToComplete,
  set: { previousSlotId: null, previousPlaces: null, updatedAt: opts.now },
});

/** A change of nothing but the revision: what was decided on `revision` can no longer land. */
export const fence = (opts: TransitionOpts<'fence'>): Transition => ({
  when: guards.isAtRevision(opts.revision),
  set: {},
});
