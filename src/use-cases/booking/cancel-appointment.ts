import type { AppointmentView } from '../../domain/types';
import { alreadyCancelled, ownedAppointment, viewOf, writeOncePerRequest } from './appointment-view';
import type { ClaimUseCaseDeps } from './deps';

/**
 * CancelAppointment: cancels a confirmed appointment of `userId`, first the
 * claim (which frees the slot for new claims), then the slot projection (or
 * the member's places). Cancelling a cancelled appointment is refused with
 * APPOINTMENT_ALREADY_CANCELLED, unless it is a retry of the same request
 * (same request_id).
 */
export class CancelAppointment {
  constructor(
    private readonly deps: Pick<
      ClaimUseCaseDeps,
      'claims' | 'core' | 'idempotency' | 'services' | 'slots' | 'clock'
    >,
  ) {}

  run(cmd: {
    appointmentId: string;
    userId: string;
    reason: string;
    requestId: string;
  }): Promise<AppointmentView> {
    const content = { appointmentId: cmd.appointmentId, userId: cmd.userId, reason: cmd.reason };
    return writeOncePerRequest(this.deps, 'CancelAppointment', cmd, content, (key) => this.cancel(cmd, key));
  }

  private async cancel(
    cmd: { appointmentId: string; userId: string; reason: string },
    key: string | null,
  ): Promise<AppointmentView> {
    const { claims, clock, core } = this.deps;
    const existing = await ownedAppointment(this.deps, cmd.appointmentId, cmd.userId);
    let cancelled = await claims.cancel({
      appointmentId: cmd.appointmentId,
      now: clock(),
      reason: cmd.reason,
      requestKey: key,
      known: existing,
    });
    if (!cancelled) {
      const current = (await claims.findById(cmd.appointmentId)) ?? existing;
      if (key === null || current.cancelRequestKey !== key) throw alreadyCancelled(cmd.appointmentId);
      cancelled = current; // a retry: finish what the first attempt started
    }
    const freed =
      cancelled.places !== null
        ? await core.places.leave(cancelled.slotId, cancelled.id, cancelled)
        : await core.reassign(cancelled.slotId, cancelled.id, { kind: 'none' });
    // The reply shows the claim and the slot as these writes left them (no reading them again).
    return viewOf(this.deps, cancelled, freed);
  }
}
