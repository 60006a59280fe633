import { serviceChanged } from '../../domain/errors';
import type { Principal } from '../../domain/principal';
import type { ServiceRecord } from '../../domain/types';
import type { ServiceFields } from '../ports';
import { managedService, type ServiceChangeDeps } from './managed-service';

/**
 * DeleteService as an archive (soft delete, AIP-164): the service is kept,
 * with `deletedAt` set and `active` false, so its appointments keep working
 * and stay in history. It takes no bookings or holds (its future free slots
 * are LOCKED by the service, as for a deactivation), gets no new slots
 * (GenerateSlots refuses it) and cannot be changed. Idempotent: archiving an
 * archived service answers it as it is, after blocking any free future slot
 * a sweep cut short left behind.
 */
export class DeleteService {
  constructor(private readonly deps: ServiceChangeDeps) {}

  async run(
    actor: Principal,
    cmd: { serviceId: string; etag: number | null },
  ): Promise<{ service: ServiceRecord; locked: number }> {
    const current = await managedService(this.deps.services, actor, cmd.serviceId);
    let service = current;
    if (current.deletedAt === null) {
      if (cmd.etag !== null && cmd.etag !== current.revision) throw serviceChanged(current.id);
      const now = this.deps.clock();
      const written = await this.deps.services.update({
        id: current.id,
        revision: current.revision,
        set: { ...fieldsOf(current), active: false, deletedAt: now },
        now,
        by: actor.subject,
        paths: ['delete'],
      });
      if (!written) throw serviceChanged(current.id);
      service = written;
    }
    const { locked } = await this.deps.availability.followService(service);
    return { service, locked };
  }
}

const fieldsOf = (s: ServiceRecord): ServiceFields => ({
  name: s.name,
  description: s.description,
  address: s.address,
  price: s.price,
  timeZone: s.timeZone,
  openingMinute: s.openingMinute,
  closingMinute: s.closingMinute,
  slotDurationMinutes: s.slotDurationMinutes,
  active: s.active,
  capacity: s.capacity,
  providerId: s.providerId,
  deletedAt: s.deletedAt,
});
