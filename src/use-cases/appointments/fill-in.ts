import { effectiveSlot, type AppointmentRecord, type AppointmentView } from '../../domain/types';
import type { Clock, ServiceRepository, SlotRepository } from '../ports';

export interface AppointmentReadDeps {
  services: Pick<ServiceRepository, 'findByIds'>;
  slots: Pick<SlotRepository, 'findByIds'>;
  clock: Clock;
}

/** The appointments with their service and slot filled in: two reads, whatever their number. */
export async function fillIn(
  deps: AppointmentReadDeps,
  appointments: AppointmentRecord[],
): Promise<AppointmentView[]> {
  const unique = (ids: string[]): string[] => [...new Set(ids)];
  const [services, slots] = await Promise.all([
    deps.services.findByIds(unique(appointments.map((a) => a.serviceId))),
    deps.slots.findByIds(unique(appointments.map((a) => a.slotId))),
  ]);
  const now = deps.clock();
  const serviceById = new Map(services.map((s) => [s.id, s]));
  const slotById = new Map(slots.map((s) => [s.id, effectiveSlot(s, now)]));
  return appointments.map((appointment) => ({
    appointment,
    service: serviceById.get(appointment.serviceId) ?? null,
    slot: slotById.get(appointment.slotId) ?? null,
  }));
}
