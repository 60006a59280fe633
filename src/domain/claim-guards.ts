import type { ClaimRecord } from './types';

/**
 * The states each transition of a claim starts from: whether `c` may be
 * confirmed, released, expired, cancelled, moved, its move completed or
 * fenced. The stores decide their transitions by these.
 */

/** A HELD claim of this user on this slot (and service, if given), with this secret, lasting beyond `validAfter`. */
export const canConfirmHold =
  (opts: { userId: string; slotId: string; serviceId: string | null; secret: string; validAfter: Date }) =>
  (c: ClaimRecord): boolean =>
    c.status === 'HELD' &&
    c.userId === opts.userId &&
    c.slotId === opts.slotId &&
    c.holdSecret === opts.secret &&
    c.expiresAt !== null &&
    c.expiresAt > opts.validAfter &&
    (opts.serviceId === null || c.serviceId === opts.serviceId);

/** A HELD claim of this user, with this secret. */
export const canReleaseHold =
  (opts: { userId: string; secret: string }) =>
  (c: ClaimRecord): boolean =>
    c.status === 'HELD' && c.userId === opts.userId && c.holdSecret === opts.secret;

/** A HELD claim whose expiry has passed at `now`. */
export const holdHasExpired =
  (now: Date) =>
  (c: ClaimRecord): boolean =>
    c.status === 'HELD' && c.expiresAt !== null && c.expiresAt <= now;

/** A CONFIRMED claim (an appointment that can be cancelled). */
export const canCancel = (c: ClaimRecord): boolean => c.status === 'CONFIRMED';

/** A CONFIRMED claim still on `fromSlotId` and still at the revision the move was decided on. */
export const canMove =
  (opts: { fromSlotId: string; revision: number }) =>
  (c: ClaimRecord): boolean =>
    c.status === 'CONFIRMED' && c.slotId === opts.fromSlotId && c.revision === opts.revision;

/** A claim with a move to complete (it still remembers the slot it left). */
export const hasMoveToComplete = (c: ClaimRecord): boolean => c.previousSlotId !== null;

/** A claim still at `revision`. */
export const isAtRevision =
  (revision: number) =>
  (c: ClaimRecord): boolean =>
    c.revision === revision;
