import { DomainError } from '../../domain/errors';
import { partyOf, type AppointmentView, type ClaimRecord, type SlotRecord } from '../../domain/types';
import { activeService } from '../claims/refusals';
import { alreadyCancelled, currentView, ownedAppointment, writeOncePerRequest } from './appointment-view';
import type { ClaimUseCaseDeps } from './deps';

type Deps = Pick<ClaimUseCaseDeps, 'claims' | 'core' | 'idempotency' | 'services' | 'slots' | 'clock'>;

/**
 * RescheduleAppointment: moves a confirmed appointment to another slot of its
 * service. The new slot is taken first; then the appointment's claim moves
 * from the old slot to the new one in a single write (so the appointment
 * holds exactly one slot at every moment); then the old slot is given back.
 * A failure before the claim moves leaves the appointment on its old slot
 * and gives the new one back.
 */
export class RescheduleAppointment {
  constructor(private readonly deps: Deps) {}

  run(cmd: {
    appointmentId: string;
    userId: string;
    newSlotId: string;
    requestId: string;
  }): Promise<AppointmentView> {
    const content = { appointmentId: cmd.appointmentId, userId: cmd.userId, newSlotId: cmd.newSlotId };
    return writeOncePerRequest(this.deps, 'RescheduleAppointment', cmd, content, (key) =>
      this.reschedule(cmd, key),
    );
  }

  private async reschedule(
    cmd: { appointmentId: string; userId: string; newSlotId: string },
    key: string | null,
  ): Promise<AppointmentView> {
    const first = await ownedAppointment(this.deps, cmd.appointmentId, cmd.userId);
    if (first.status !== 'CONFIRMED') throw alreadyCancelled(cmd.appointmentId);
    let appointment = first;
    if (first.previousSlotId) {
      await this.finishMove(first);
      appointment = await ownedAppointment(this.deps, cmd.appointmentId, cmd.userId);
      if (appointment.status !== 'CONFIRMED') throw alreadyCancelled(cmd.appointmentId);
    }
    if (appointment.slotId === cmd.newSlotId) {
      // A retry of this very move (it completed, or the reconciler completed it).
      if (first.previousSlotId || (key !== null && appointment.rescheduleRequestKey === key)) {
        return currentView(this.deps, appointment.id);
      }
      throw new DomainError('SAME_SLOT', 'the appointment is already on that slot', {
        appointmentId: appointment.id,
      });
    }
    try {
      return await this.move(appointment, cmd.newSlotId, key);
    } catch (err) {
      if (key === null || !(err instanceof DomainError)) throw err;
      return this.refuseMove(appointment, cmd.newSlotId, key, err);
    }
  }

  /** Gate, then the new slot taken, then the claim moved there behind the unique index, the old slot given back, unlock. */
  private async move(
    appointment: ClaimRecord,
    newSlotId: string,
    key: string | null,
  ): Promise<AppointmentView> {
    const claim = await this.deps.core.begin(newSlotId);
    try {
      await claim.take({
        serviceId: appointment.serviceId,
        owner: { kind: 'appointment', id: appointment.id },
        userId: appointment.userId,
        party: partyOf(appointment),
        onServiceMismatch: () =>
          new DomainError('DIFFERENT_SERVICE', 'an appointment can only move to a slot of its own service', {
            slotId: newSlotId,
          }),
      });
      // The claim exists already: moving it is the write the unique index decides.
      const moved = await claim.commit((slot, now) => this.moveClaim(appointment, slot, now, key));
      await this.finishMove(moved);
      return await currentView(this.deps, appointment.id);
    } finally {
      claim.unlock();
    }
  }

  private async moveClaim(
    appointment: ClaimRecord,
    slot: SlotRecord,
    now: Date,
    key: string | null,
  ): Promise<ClaimRecord> {
    const { claims } = this.deps;
    // A slot given back after its service stopped taking bookings is AVAILABLE again
    // (a cancellation frees it): the service decides whether an appointment may move there.
    await activeService(this.deps.services, slot.serviceId);
    const moved = await claims.moveClaim({
      appointmentId: appointment.id,
      fromSlotId: appointment.slotId,
      revision: appointment.revision,
      to: { slotId: slot.id, startTime: slot.startTime, endTime: slot.endTime },
      now,
      requestKey: key,
      places: slot.capacity > 1 ? partyOf(appointment) : null,
      previousPlaces: appointment.places,
    });
    if (moved) return moved;
    // It changed since it was read: cancelled, or moved by a concurrent attempt
    // (the same request's first attempt, whose write landed after our read).
    const current = await claims.findById(appointment.id);
    if (!current || current.status !== 'CONFIRMED') throw alreadyCancelled(appointment.id);
    if (current.slotId === slot.id) return current; // it is where this request wants it
    throw new DomainError('SLOT_BUSY', 'the appointment was changed meanwhile; retry', {
      appointmentId: appointment.id,
    });
  }

  /**
   * Before a move with a request_id is refused, makes the refusal final: an
   * earlier attempt of the same request, decided on the same revision and
   * still on its way (its instance died mid-write, say), could otherwise move
   * the appointment after the client was told it did not. A no-op change of
   * that revision (a fence) settles it: either the earlier attempt has landed
   * (the move is answered as done) or it never will.
   */
  private async refuseMove(
    appointment: ClaimRecord,
    newSlotId: string,
    key: string,
    refusal: DomainError,
  ): Promise<AppointmentView> {
    const { claims } = this.deps;
    if (await claims.fence({ id: appointment.id, revision: appointment.revision })) throw refusal;
    const current = await claims.findById(appointment.id);
    if (
      current?.status === 'CONFIRMED' &&
      current.slotId === newSlotId &&
      current.rescheduleRequestKey === key
    ) {
      await this.finishMove(current);
      return currentView(this.deps, current.id);
    }
    throw refusal;
  }

  /** Gives back the slot a moved appointment left, then forgets it. */
  private async finishMove(appointment: ClaimRecord): Promise<void> {
    if (!appointment.previousSlotId) return;
    await this.deps.core.leave(appointment.previousSlotId, appointment, appointment.previousPlaces);
    await this.deps.claims.completeMove({ appointmentId: appointment.id, now: this.deps.clock() });
  }
}
