import { invalidArgument, serviceArchived } from '../../domain/errors';
import type { Principal } from '../../domain/principal';
import { maxSlotsFor, planSlots } from '../../domain/slot-plan';
import type { LocalDate } from '../../domain/types';
import { managedService, type CatalogDeps } from './managed-service';

export interface GenerateSlotsSettings {
  /** Most slots one GenerateSlots call may create. */
  maxSlotsPerGeneration: number;
}

/**
 * GenerateSlots: the slots of a service's opening hours over a range of
 * days, each created once (the unique (service, start) index decides).
 */
export class GenerateSlots {
  constructor(
    private readonly deps: Pick<CatalogDeps, 'services' | 'slots' | 'events' | 'availability' | 'clock'>,
    private readonly settings: GenerateSlotsSettings,
  ) {}

  async run(
    actor: Principal,
    cmd: { serviceId: string; startDate: LocalDate; endDate: LocalDate },
  ): Promise<{ created: number; existing: number }> {
    const service = await managedService(this.deps.services, actor, cmd.serviceId);
    if (service.deletedAt !== null) throw serviceArchived(service.id);
    const shape = {
      openingMinute: service.openingMinute,
      closingMinute: service.closingMinute,
      slotDurationMinutes: service.slotDurationMinutes,
      startDate: cmd.startDate,
      endDate: cmd.endDate,
    };
    const bound = maxSlotsFor(shape);
    const most = this.settings.maxSlotsPerGeneration;
    if (bound > most) {
      throw invalidArgument([
        {
          field: 'end_date',
          description: `the range would create up to ${bound} slots; at most ${most} per call`,
        },
      ]);
    }
    const planned = planSlots({ ...shape, timeZone: service.timeZone });
    // An inactive service's slots are created blocked: nobody can take them (and a
    // refused booking changes nothing) until the provider unblocks them.
    // Each slot gets the service's capacity as it is now: a later change shapes only slots generated after it.
    const result = await this.deps.slots.insertMissing(
      service.id,
      planned,
      this.deps.clock(),
      !service.active,
      service.capacity,
    );
    this.deps.events.announce(result.created);
    // Turned on or off meanwhile: that update's sweep may have missed these slots.
    await this.deps.availability.followCreated(service, result.created);
    return { created: result.created.length, existing: result.existing };
  }
}
