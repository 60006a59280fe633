import { DomainError } from '../../domain/errors';
import { effectiveSlot, type SlotRecord } from '../../domain/types';
import type { ClaimUseCaseDeps } from '../booking/deps';
import type { HoldToken } from '../shared/hold-token';
import { holdNotFound } from './hold-view';

/**
 * ReleaseHold: gives a hold back. Releasing a hold that was released or has
 * expired already succeeds (nothing to do); one that was confirmed is refused.
 */
export class ReleaseHold {
  constructor(private readonly deps: Pick<ClaimUseCaseDeps, 'claims' | 'core' | 'slots' | 'clock'>) {}

  async run(cmd: { hold: HoldToken; userId: string }): Promise<SlotRecord> {
    const { claims, clock, core } = this.deps;
    const released = await claims.releaseHold({
      holdId: cmd.hold.holdId,
      userId: cmd.userId,
      secret: cmd.hold.secret,
      now: clock(),
    });
    const hold = released ?? (await claims.findById(cmd.hold.holdId));
    if (!hold || hold.holdSecret !== cmd.hold.secret || hold.userId !== cmd.userId) throw holdNotFound('');
    if (hold.status === 'CONFIRMED' || hold.status === 'CANCELLED') {
      throw new DomainError('HOLD_ALREADY_USED', 'the hold was confirmed into an appointment', {
        appointmentId: hold.id,
      });
    }
    await core.leave(hold.slotId, hold, hold.places);
    const slot = await this.deps.slots.findById(hold.slotId);
    if (!slot) throw holdNotFound(hold.slotId);
    return effectiveSlot(slot, clock());
  }
}
