import { DomainError } from '../../domain/errors';
import type { AppointmentView } from '../../domain/types';
import { viewOf } from '../booking/appointment-view';
import type { ClaimUseCaseDeps } from '../booking/deps';
import type { HoldToken } from '../shared/hold-token';

export interface ConfirmHoldSettings {
  /** A hold can be confirmed only while it has at least this long left. */
  holdConfirmMarginMs: number;
}

/**
 * BookSlot with a hold_token: the hold's claim record becomes the
 * appointment in one claim transition (decided atomically against the hold's
 * release or expiry, see ClaimRepository.confirmHold), only while the hold
 * has more than the margin left. Then the slot projection follows.
 */
export class ConfirmHold {
  constructor(
    private readonly deps: Pick<ClaimUseCaseDeps, 'claims' | 'core' | 'services' | 'slots' | 'clock'>,
    private readonly settings: ConfirmHoldSettings,
  ) {}

  async run(
    cmd: { slotId: string; userId: string; serviceId: string | null },
    hold: HoldToken,
  ): Promise<AppointmentView> {
    const { claims, clock, core } = this.deps;
    const now = clock();
    let claim = await claims.confirmHold({
      holdId: hold.holdId,
      userId: cmd.userId,
      slotId: cmd.slotId,
      serviceId: cmd.serviceId,
      secret: hold.secret,
      validAfter: new Date(now.getTime() + this.settings.holdConfirmMarginMs),
      now,
    });
    const existing = claim ?? (await claims.findById(hold.holdId));
    if (
      !existing ||
      existing.holdSecret !== hold.secret ||
      existing.userId !== cmd.userId ||
      existing.slotId !== cmd.slotId ||
      (cmd.serviceId !== null && existing.serviceId !== cmd.serviceId)
    ) {
      throw new DomainError('HOLD_NOT_FOUND', 'no hold of this user on this slot matches hold_token', {
        slotId: cmd.slotId,
      });
    }
    if (!claim) {
      switch (existing.status) {
        case 'CONFIRMED':
          claim = existing; // a retry: the hold was confirmed by a previous attempt
          break;
        case 'HELD':
          // Too late to confirm. Fence the revision read, so that an earlier attempt of this
          // confirmation still on its way cannot land after this answer; if one just did, it stands.
          if (await claims.fence({ id: existing.id, revision: existing.revision }))
            throw holdExpired(cmd.slotId);
          claim = await claims.findById(existing.id);
          if (claim?.status !== 'CONFIRMED') throw holdExpired(cmd.slotId);
          break;
        case 'EXPIRED':
          throw holdExpired(cmd.slotId);
        case 'RELEASED':
        case 'VOID':
          throw new DomainError('HOLD_NOT_FOUND', 'the hold was released', { slotId: cmd.slotId });
        case 'CANCELLED':
          throw new DomainError('HOLD_ALREADY_USED', 'the hold was confirmed and then cancelled', {
            slotId: cmd.slotId,
          });
      }
    }
    const slot =
      claim.places !== null
        ? await core.places.confirmed(claim.slotId, claim.id)
        : await core.reassign(claim.slotId, claim.id, { kind: 'appointment', id: claim.id });
    // The reply shows the claim and the slot as these writes left them (the slot is read only
    // when this write did not change it: a retry finds it done).
    return viewOf(this.deps, claim, slot);
  }
}

const holdExpired = (slotId: string): DomainError =>
  new DomainError('HOLD_EXPIRED', 'the hold has expired; hold or book the slot again', { slotId });
