import { appointmentNotFound, DomainError } from '../../domain/errors';
import { isAppointment, type AppointmentView } from '../../domain/types';
import type { ClaimRepository } from '../ports';
import { fillIn, type AppointmentReadDeps } from './fill-in';

/** GetAppointment: one appointment, with its service and slot. */
export class GetAppointment {
  constructor(private readonly deps: AppointmentReadDeps & { claims: Pick<ClaimRepository, 'findById'> }) {}

  /** `visibleTo`, when set, is the only user whose appointments may be read. */
  async run(appointmentId: string, visibleTo: string | null = null): Promise<AppointmentView> {
    const claim = await this.deps.claims.findById(appointmentId);
    if (!claim || !isAppointment(claim)) throw appointmentNotFound(appointmentId);
    if (visibleTo !== null && claim.userId !== visibleTo) {
      throw new DomainError('NOT_APPOINTMENT_OWNER', `appointment ${appointmentId} belongs to another user`, {
        appointmentId,
      });
    }
    const [view] = await fillIn(this.deps, [claim]);
    return view!;
  }
}
