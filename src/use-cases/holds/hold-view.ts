import { DomainError } from '../../domain/errors';
import { effectiveSlot, type ClaimRecord, type SlotRecord } from '../../domain/types';
import type { ClaimUseCaseDeps } from '../booking/deps';
import { formatHoldToken } from '../shared/hold-token';

export interface HoldView {
  token: string;
  expiresAt: Date;
  slot: SlotRecord;
}

/** The hold's token, expiry and slot as it is now. */
export async function holdView(
  deps: Pick<ClaimUseCaseDeps, 'slots' | 'clock'>,
  claim: ClaimRecord,
): Promise<HoldView> {
  const slot = await deps.slots.findById(claim.slotId);
  if (!slot) throw holdNotFound(claim.slotId);
  return {
    token: formatHoldToken({ holdId: claim.id, secret: claim.holdSecret! }),
    expiresAt: claim.expiresAt!,
    slot: effectiveSlot(slot, deps.clock()),
  };
}

export const holdNotFound = (slotId: string): DomainError =>
  new DomainError('HOLD_NOT_FOUND', 'no hold of this user matches hold_token', slotId ? { slotId } : {});
