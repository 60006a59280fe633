import { DomainError, serviceArchived, slotNotFound } from '../../domain/errors';
import type { Principal } from '../../domain/principal';
import { isPlatformAdmin, requireServiceManager } from '../../domain/provider-scope';
import { effectiveSlot, type SlotRecord } from '../../domain/types';
import type { CatalogDeps } from './managed-service';

/**
 * SetSlotStatus: blocks (LOCKED) or unblocks (AVAILABLE) a slot. Setting the
 * state it is in already is a no-op that returns the slot. A BOOKED slot, or
 * one held for a user, is refused; so is unblocking a slot of an archived
 * service. A provider's own block stays when its service is activated again.
 */
export class SetSlotStatus {
  constructor(private readonly deps: Pick<CatalogDeps, 'services' | 'slots' | 'events' | 'clock'>) {}

  async run(actor: Principal, slotId: string, to: 'AVAILABLE' | 'LOCKED'): Promise<SlotRecord> {
    const { slots, events, clock } = this.deps;
    // The platform admin blocks without reading the service first; anything else needs it.
    if (!isPlatformAdmin(actor) || to === 'AVAILABLE') await this.checkSlotService(actor, slotId, to);
    // Retried only when the slot moved between the update and the read.
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = clock();
      const change = await slots.setBlocked({ slotId, blocked: to === 'LOCKED', now });
      if (change) {
        events.changed(change);
        return change.after;
      }
      const stored = await slots.findById(slotId);
      if (!stored) throw slotNotFound(slotId);
      const slot = effectiveSlot(stored, now);
      if (slot.status === 'BOOKED') {
        throw new DomainError(
          'SLOT_BOOKED',
          `slot ${slotId} is booked; its appointment must be cancelled before it can be blocked or unblocked`,
          { slotId },
        );
      }
      if (slot.holdId !== null) {
        throw new DomainError('SLOT_HELD', `slot ${slotId} is held for a user until the hold ends`, {
          slotId,
        });
      }
      if (slot.status === to) return slot;
    }
    throw new DomainError('SLOT_BUSY', `slot ${slotId} is changing; retry`, { slotId });
  }

  /** The slot's service: managed by `actor`, and not archived when a slot is to be freed. */
  private async checkSlotService(
    actor: Principal,
    slotId: string,
    to: 'AVAILABLE' | 'LOCKED',
  ): Promise<void> {
    const slot = await this.deps.slots.findById(slotId);
    if (!slot) throw slotNotFound(slotId);
    const service = await this.deps.services.findById(slot.serviceId);
    // A slot whose service is gone: the platform's to clean up.
    requireServiceManager(actor, service ?? { id: slot.serviceId, providerId: null });
    if (to === 'AVAILABLE' && service?.deletedAt) throw serviceArchived(service.id);
  }
}
