import { DomainError } from '../../domain/errors';
import type { AppointmentView } from '../../domain/types';
import { newClaim } from '../claims/new-claim';
import { DuplicateClaimIdError } from '../ports';
import { currentView } from './appointment-view';
import type { ClaimUseCaseDeps } from './deps';

/** Refusals a retry of the same request would get again (not "busy, retry"). */
export const isFinalRefusal = (err: unknown): err is DomainError =>
  err instanceof DomainError &&
  (err.reason === 'SLOT_UNAVAILABLE' ||
    err.reason === 'SLOT_IN_PAST' ||
    err.reason === 'SERVICE_INACTIVE' ||
    err.reason === 'SLOT_FULL' ||
    err.reason === 'NOT_ENOUGH_PLACES' ||
    err.reason === 'PARTY_TOO_LARGE' ||
    err.reason === 'ALREADY_BOOKED');

/**
 * Before a booking with a request_id is refused, makes the refusal final:
 * an earlier attempt of the same request still on its way (its instance
 * died before answering, and its insert reaches the database late) could
 * otherwise book the slot after the client was told it could not. The
 * appointment id the request would create is recorded as VOID; if that id
 * exists already, the earlier attempt got there first and is the answer.
 */
export async function refuseBooking(
  deps: Pick<ClaimUseCaseDeps, 'claims' | 'slots' | 'services' | 'clock'>,
  cmd: { slotId: string; userId: string },
  id: string,
  refusal: DomainError,
): Promise<AppointmentView> {
  const { claims, slots, clock } = deps;
  const slot = await slots.findById(cmd.slotId);
  if (!slot) throw refusal;
  const voided = await claims
    .insert(newClaim({ id, userId: cmd.userId, slot, status: 'VOID', now: clock() }))
    .then(
      () => true,
      (err: unknown) => {
        if (err instanceof DuplicateClaimIdError) return false;
        throw err;
      },
    );
  if (voided) throw refusal;
  const existing = await claims.findById(id);
  if (existing?.status === 'CONFIRMED' && existing.userId === cmd.userId && existing.slotId === cmd.slotId) {
    return currentView(deps, id);
  }
  throw refusal;
}
