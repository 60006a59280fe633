import { effectiveSlot, takesBookings, type ServiceRecord, type SlotRecord } from '../../domain/types';
import type { Clock, ServiceRepository, SlotChange, SlotEvents, SlotRepository } from '../ports';

export interface SlotAvailabilityDeps {
  /** Read as stored (not cached): each pass must see the latest revision. */
  services: Pick<ServiceRepository, 'findById'>;
  slots: Pick<SlotRepository, 'forEachFutureDay' | 'blockForService' | 'unblockForService'>;
  events: SlotEvents;
  clock: Clock;
  logger: { warn(obj: object, msg: string): void };
}

export interface AvailabilityCounts {
  locked: number;
  unlocked: number;
}

/** Conditional slot writes in flight at once, per day being looked at (a few days at once). */
const WRITES_PER_DAY = 4;
/** Passes before giving up on a service that keeps changing (its latest updater's own passes finish it). */
const MAX_PASSES = 5;

/**
 * Keeps a service's future slots in line with whether it takes bookings: an
 * inactive or archived service's free slots are LOCKED by the service, and
 * activating it frees those again (never a provider's block, a hold or a
 * booking). Every change is a conditional write of one slot, announced to
 * watchers like any other.
 *
 * Concurrent updates of one service (off, then on again) each sweep its slots;
 * a sweep's late writes could land after the newer update's sweep has passed.
 * So a sweep ends by reading the service again, and sweeps again towards the
 * newer state if its revision moved meanwhile: the last sweep to finish is
 * always one that started after the last change.
 */
export class SlotAvailability {
  constructor(private readonly deps: SlotAvailabilityDeps) {}

  /** After an update that set `active` (or archived the service): every future slot follows. */
  async followService(written: ServiceRecord): Promise<AvailabilityCounts> {
    const total: AvailabilityCounts = { locked: 0, unlocked: 0 };
    let target = written;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const block = !takesBookings(target);
      const n = await this.sweepFuture(target.id, block);
      if (block) total.locked += n;
      else total.unlocked += n;
      const latest = await this.deps.services.findById(target.id);
      if (!latest || latest.revision <= target.revision) return total;
      target = latest;
    }
    this.deps.logger.warn({ serviceId: written.id }, 'service kept changing while its slots were aligned');
    return total;
  }

  /**
   * After GenerateSlots created `created` for the service as it was read
   * (`before`): if the service was turned on or off meanwhile, a sweep may
   * have passed before these slots existed, so they are aligned here.
   */
  async followCreated(before: ServiceRecord, created: readonly SlotRecord[]): Promise<void> {
    if (created.length === 0) return;
    let known = before;
    let open = takesBookings(before);
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const latest = await this.deps.services.findById(before.id);
      if (!latest || latest.revision === known.revision) return;
      if (takesBookings(latest) !== open) {
        open = takesBookings(latest);
        await this.apply(created, !open);
      }
      known = latest;
    }
    this.deps.logger.warn({ serviceId: before.id }, 'service kept changing while new slots were aligned');
  }

  /** Blocks (or frees) the service's future slots; returns how many changed. */
  private async sweepFuture(serviceId: string, block: boolean): Promise<number> {
    const now = this.deps.clock();
    let changed = 0;
    await this.deps.slots.forEachFutureDay(serviceId, now, async (slots) => {
      const candidates = slots.filter((s) =>
        block
          ? effectiveSlot(s, now).status === 'AVAILABLE'
          : s.status === 'LOCKED' && s.holdId === null && s.blockedBy === 'SERVICE',
      );
      const n = await this.apply(candidates, block); // days run concurrently: add after the await
      changed += n;
    });
    return changed;
  }

  private async apply(slots: readonly SlotRecord[], block: boolean): Promise<number> {
    let changed = 0;
    const write = async (slot: SlotRecord): Promise<void> => {
      const opts = { slotId: slot.id, now: this.deps.clock() };
      const change: SlotChange | null = block
        ? await this.deps.slots.blockForService(opts)
        : await this.deps.slots.unblockForService(opts);
      if (change) {
        this.deps.events.changed(change);
        changed += 1;
      }
    };
    for (let i = 0; i < slots.length; i += WRITES_PER_DAY) {
      await Promise.all(slots.slice(i, i + WRITES_PER_DAY).map(write));
    }
    return changed;
  }
}
