import { appointmentNotFound } from '../domain/errors';
import type { AppointmentRecord, AppointmentStatus, AppointmentView, Page } from '../domain/types';
import { decodePageToken, toPage } from './page-token';
import type { AppointmentRepository, ServiceRepository, SlotRepository } from './ports';

/** Reads of appointments, with their service and slot filled in. */
export class AppointmentQueryService {
  constructor(
    private readonly appointments: Pick<AppointmentRepository, 'findById' | 'listByUser'>,
    private readonly services: Pick<ServiceRepository, 'findByIds'>,
    private readonly slots: Pick<SlotRepository, 'findByIds'>,
  ) {}

  async getAppointment(appointmentId: string): Promise<AppointmentView> {
    const appointment = await this.appointments.findById(appointmentId);
    if (!appointment) throw appointmentNotFound(appointmentId);
    const [view] = await this.fillIn([appointment]);
    return view!;
  }

  /** A user's history, newest first: three queries per page, whatever its size. */
  async listAppointments(q: {
    userId: string;
    status: AppointmentStatus | null;
    pageSize: number;
    pageToken: string;
  }): Promise<Page<AppointmentView>> {
    const filters = { userId: q.userId, status: q.status };
    const after = decodePageToken(q.pageToken, filters);
    const rows = await this.appointments.listByUser({
      userId: q.userId,
      status: q.status,
      after,
      limit: q.pageSize + 1,
    });
    const page = toPage(rows, q.pageSize, (a) => ({ key: a.createdAt.getTime(), id: a.id }), filters);
    return { items: await this.fillIn(page.items), nextPageToken: page.nextPageToken };
  }

  private async fillIn(appointments: AppointmentRecord[]): Promise<AppointmentView[]> {
    const unique = (ids: string[]): string[] => [...new Set(ids)];
    const [services, slots] = await Promise.all([
      this.services.findByIds(unique(appointments.map((a) => a.serviceId))),
      this.slots.findByIds(unique(appointments.map((a) => a.slotId))),
    ]);
    const serviceById = new Map(services.map((s) => [s.id, s]));
    const slotById = new Map(slots.map((s) => [s.id, s]));
    return appointments.map((appointment) => ({
      appointment,
      service: serviceById.get(appointment.serviceId) ?? null,
      slot: slotById.get(appointment.slotId) ?? null,
    }));
  }
}
