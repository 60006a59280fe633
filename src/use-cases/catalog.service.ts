import {
  DomainError,
  invalidArgument,
  serviceArchived,
  serviceNotFound,
  slotNotFound,
} from '../domain/errors';
import type { Principal } from '../domain/principal';
import { isPlatformAdmin, ownerOfNewService, requireServiceManager } from '../domain/provider-scope';
import { maxSlotsFor, planSlots } from '../domain/slot-plan';
import {
  effectiveSlot,
  type LocalDate,
  type Page,
  type ServiceDefinition,
  type ServiceRecord,
  type SlotRecord,
  type SlotStatus,
} from '../domain/types';
import { managedService } from './catalog/managed-service';
import type { SlotAvailability } from './catalog/slot-availability';
import { decodePageToken, encodePageToken, toPage } from './page-token';
import type { Clock, ServiceRepository, SlotEvents, SlotRepository } from './ports';

export interface CatalogLimits {
  /** Most slots one GenerateSlots call may create. */
  maxSlotsPerGeneration: number;
}

/**
 * Providers' side: services, their slots, blocking and unblocking. Changes
 * are made by the platform admin, or by a provider on the services it owns
 * (provider-scope.ts). UpdateService and DeleteService are in catalog/.
 */
export class CatalogService {
  constructor(
    private readonly services: ServiceRepository,
    private readonly slots: SlotRepository,
    private readonly clock: Clock,
    private readonly limits: CatalogLimits,
    private readonly events: SlotEvents,
    private readonly availability: SlotAvailability,
  ) {}

  /** `providerId`: the owner asked for (null: none named; a provider then owns what it creates). */
  createService(actor: Principal, def: ServiceDefinition, providerId: string | null): Promise<ServiceRecord> {
    return this.services.create({ ...def, providerId: ownerOfNewService(actor, providerId) }, this.clock());
  }

  async getService(serviceId: string): Promise<ServiceRecord> {
    const service = await this.services.findById(serviceId);
    if (!service) throw serviceNotFound(serviceId);
    return service;
  }

  async listServices(q: {
    activeOnly: boolean;
    showDeleted: boolean;
    pageSize: number;
    pageToken: string;
  }): Promise<Page<ServiceRecord>> {
    const filters = q.showDeleted
      ? { activeOnly: q.activeOnly, showDeleted: true }
      : { activeOnly: q.activeOnly };
    const after = decodePageToken(q.pageToken, filters);
    const rows = await this.services.list({
      activeOnly: q.activeOnly,
      showDeleted: q.showDeleted,
      after: after?.id ?? null,
      limit: q.pageSize + 1,
    });
    return toPage(rows, q.pageSize, (s) => ({ key: 0, id: s.id }), filters);
  }

  async generateSlots(
    actor: Principal,
    cmd: {
      serviceId: string;
      startDate: LocalDate;
      endDate: LocalDate;
    },
  ): Promise<{ created: number; existing: number }> {
    const service = await managedService(this.services, actor, cmd.serviceId);
    if (service.deletedAt !== null) throw serviceArchived(service.id);
    const shape = {
      openingMinute: service.openingMinute,
      closingMinute: service.closingMinute,
      slotDurationMinutes: service.slotDurationMinutes,
      startDate: cmd.startDate,
      endDate: cmd.endDate,
    };
    const bound = maxSlotsFor(shape);
    if (bound > this.limits.maxSlotsPerGeneration) {
      throw invalidArgument([
        {
          field: 'end_date',
          description: `the range would create up to ${bound} slots; at most ${this.limits.maxSlotsPerGeneration} per call`,
        },
      ]);
    }
    const planned = planSlots({ ...shape, timeZone: service.timeZone });
    // An inactive service's slots are created blocked: nobody can take them (and a
    // refused booking changes nothing) until the provider unblocks them.
    // Each slot gets the service's capacity as it is now: a later change shapes only slots generated after it.
    const result = await this.slots.insertMissing(
      service.id,
      planned,
      this.clock(),
      !service.active,
      service.capacity,
    );
    this.events.announce(result.created);
    // Turned on or off meanwhile: that update's sweep may have missed these slots.
    await this.availability.followCreated(service, result.created);
    return { created: result.created.length, existing: result.existing };
  }

  async listSlots(q: {
    serviceId: string;
    from: Date | null;
    to: Date | null;
    status: SlotStatus | null;
    pageSize: number;
    pageToken: string;
  }): Promise<Page<SlotRecord>> {
    const filters = {
      serviceId: q.serviceId,
      from: q.from?.getTime() ?? null,
      to: q.to?.getTime() ?? null,
      status: q.status,
    };
    const after = decodePageToken(q.pageToken, filters);
    if (!after) await this.getService(q.serviceId); // NOT_FOUND for an unknown service
    const now = this.clock();
    const { rows, resumeAfter } = await this.slots.list({
      serviceId: q.serviceId,
      from: q.from,
      to: q.to,
      status: q.status,
      now,
      after,
      limit: q.pageSize + 1,
    });
    const page = toPage(rows, q.pageSize, (s) => ({ key: s.startTime.getTime(), id: s.id }), filters);
    // A short page that did not reach the end of the window: its token goes on from where it stopped.
    const nextPageToken =
      page.nextPageToken === '' && resumeAfter ? encodePageToken(resumeAfter, filters) : page.nextPageToken;
    return { nextPageToken, items: page.items.map((s) => effectiveSlot(s, now)) };
  }

  /**
   * Blocks (LOCKED) or unblocks (AVAILABLE) a slot. Setting the state it is
   * in already is a no-op that returns the slot. A BOOKED slot, or one held
   * for a user, is refused; so is unblocking a slot of an archived service.
   * A provider's own block stays when its service is activated again.
   */
  async setSlotStatus(actor: Principal, slotId: string, to: 'AVAILABLE' | 'LOCKED'): Promise<SlotRecord> {
    // The platform admin blocks without reading the service first; anything else needs it.
    if (!isPlatformAdmin(actor) || to === 'AVAILABLE') await this.checkSlotService(actor, slotId, to);
    // Retried only when the slot moved between the update and the read.
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.clock();
      const change = await this.slots.setBlocked({ slotId, blocked: to === 'LOCKED', now });
      if (change) {
        this.events.changed(change);
        return change.after;
      }
      const stored = await this.slots.findById(slotId);
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
    const slot = await this.slots.findById(slotId);
    if (!slot) throw slotNotFound(slotId);
    const service = await this.services.findById(slot.serviceId);
    // A slot whose service is gone: the platform's to clean up.
    requireServiceManager(actor, service ?? { id: slot.serviceId, providerId: null });
    if (to === 'AVAILABLE' && service?.deletedAt) throw serviceArchived(service.id);
  }
}
