import { appointmentNotFound, DomainError } from '../../domain/errors';
import {
  effectiveSlot,
  isAppointment,
  type AppointmentView,
  type ClaimRecord,
  type SlotRecord,
} from '../../domain/types';
import type { ClaimUseCaseDeps } from './deps';

type ViewDeps = Pick<ClaimUseCaseDeps, 'claims' | 'services' | 'slots' | 'clock'>;

/** The appointment with its service and slot, as they are now. */
export async function currentView(deps: ViewDeps, appointmentId: string): Promise<AppointmentView> {
  const claim = await deps.claims.findById(appointmentId);
  if (!claim || !isAppointment(claim)) throw appointmentNotFound(appointmentId);
  return viewOf(deps, claim, null);
}

/** The view of `claim` (an appointment), with `slot` if the caller has it (else read), and its service. */
export async function viewOf(
  deps: ViewDeps,
  claim: ClaimRecord,
  known: SlotRecord | null,
): Promise<AppointmentView> {
  if (!isAppointment(claim)) throw appointmentNotFound(claim.id);
  const [service, slot] = await Promise.all([
    deps.services.findById(claim.serviceId),
    known?.id === claim.slotId ? known : deps.slots.findById(claim.slotId),
  ]);
  return { appointment: claim, service, slot: slot ? effectiveSlot(slot, deps.clock()) : null };
}

/** `userId`'s appointment: NOT_FOUND, or NOT_APPOINTMENT_OWNER when it is another user's. */
export async function ownedAppointment(
  deps: Pick<ClaimUseCaseDeps, 'claims'>,
  appointmentId: string,
  userId: string,
): Promise<ClaimRecord> {
  const existing = await deps.claims.findById(appointmentId);
  if (!existing || !isAppointment(existing)) throw appointmentNotFound(appointmentId);
  if (existing.userId !== userId) {
    throw new DomainError('NOT_APPOINTMENT_OWNER', `appointment ${appointmentId} belongs to another user`, {
      appointmentId,
    });
  }
  return existing;
}

/**
 * Runs `write`, an RPC that books or changes `userId`'s appointment, at most
 * once per request_id (AIP-155; `content` is what a retry must repeat): a
 * retry is answered with the appointment as it is now. `write` gets the
 * request key (null without request_id).
 */
export function writeOncePerRequest(
  deps: ViewDeps & Pick<ClaimUseCaseDeps, 'idempotency'>,
  method: string,
  cmd: { userId: string; requestId: string },
  content: Record<string, unknown>,
  write: (key: string | null) => Promise<AppointmentView>,
): Promise<AppointmentView> {
  const key = deps.idempotency.key(method, cmd.userId, cmd.requestId);
  return deps.idempotency.run(
    key,
    content,
    async () => {
      const view = await write(key);
      return { resultId: view.appointment.id, value: view };
    },
    (id) => currentView(deps, id),
  );
}

export const alreadyCancelled = (appointmentId: string): DomainError =>
  new DomainError('APPOINTMENT_ALREADY_CANCELLED', `appointment ${appointmentId} is already cancelled`, {
    appointmentId,
  });
