import { type ClaimRecord } from '../../domain/types';
import { requestIdReused } from '../shared/idempotency';
import { DuplicateClaimIdError, type ClaimRepository } from '../ports';
import { slotUnavailable } from './refusals';

/**
 * Inserts a new claim. If a claim with its id exists, this is a retry of
 * the same request (ids derive from the request_id): the existing claim is
 * returned when it is the same request's, SLOT_UNAVAILABLE when the same
 * request was refused (a VOID claim), else REQUEST_ID_REUSED.
 */
export async function insertOrResume(
  claims: Pick<ClaimRepository, 'insert' | 'findById'>,
  claim: ClaimRecord,
  sameRequest: (existing: ClaimRecord) => boolean,
): Promise<ClaimRecord> {
  try {
    await claims.insert(claim);
    return claim;
  } catch (err) {
    if (!(err instanceof DuplicateClaimIdError)) throw err;
    const existing = await claims.findById(claim.id);
    if (existing && sameRequest(existing)) return existing;
    // The same request was refused before (see booking/refuse-booking.ts): so it stays.
    if (existing?.status === 'VOID' && existing.userId === claim.userId && existing.slotId === claim.slotId) {
      throw slotUnavailable(claim.slotId);
    }
    throw requestIdReused();
  }
}
