import { appointmentNotFound, DomainError } from '../domain/errors';
import {
  effectiveSlot,
  isAppointment,
  type AppointmentRecord,
  type AppointmentStatus,
  type AppointmentView,
  type Page,
} from '../domain/types';
import { decodePageToken, toPage } from './page-token';
import type { ClaimRepository, Clock, ServiceRepository, SlotRepository } from './ports';

/** Reads of appointments, with their service and slot filled in. */
export class AppointmentQueryService {
  constructor(
    private readonly claims: Pick<ClaimRepository, 'findById' | 'listAppointmentsByUser'>,
    private readonly services: Pick<ServiceRepository, 'findByIds'>,
    private readonly slots: Pick<SlotRepository, 'findByIds'>,
    private readonly clock: Clock,
  ) {}

  /** One appointment; `visibleTo`, when set, is the only user whose appointments may be read. */
  async getAppointment(appointmentId: string, visibleTo: string | null = null): Promise<AppointmentView> {
    const claim = await this.claims.findById(appointmentId);
    if (!claim || !isAppointment(claim)) throw appointmentNotFound(appointmentId);
    if (visibleTo !== null && claim.userId !== visibleTo) {
      throw new DomainError('NOT_APPOINTMENT_OWNER', `appointment ${appointmentId} belongs to another user`, {
        appointmentId,
      });
    }
    const [view] = await this.fillIn([claim]);
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
    const rows = (
      await this.claims.listAppointmentsByUser({
        userId: q.userId,
        status: q.status,
        after,
        limit: q.pageSize + 1,
      })
    ).filter(isAppointment);
    const page = toPage(rows, q.pageSize, (a) => ({ key: a.createdAt.getTime(), id: a.id }), filters);
    return { items: await this.fillIn(page.items), nextPageToken: page.nextPageToken };
  }

  private async fillIn(appointments: AppointmentRecord[]): Promise<AppointmentView[]> {
    const unique = (ids: string[]): string[] => [...new Set(ids)];
    const [services, slots] = await Promise.all([
      this.services.findByIds(unique(appointments.map((a) => a.serviceId))),
      this.slots.findByIds(unique(appointments.map((a) => a.slotId))),
    ]);
    const now = this.clock();
    const serviceById = new Map(services.map((s) => [s.id, s]));
    const slotById = new Map(slots.map((s) => [s.id, effectiveSlot(s, now)]));
    return appointments.map((appointment) => ({
      appointment,
      service: serviceById.get(appointment.serviceId) ?? null,
      slot: slotById.get(appointment.slotId) ?? null,
    }));
  }
}
