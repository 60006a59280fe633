import { appointmentNotFound, DomainError, serviceNotFound, slotNotFound } from '../domain/errors';
import type { AppointmentRecord, AppointmentView, SlotRecord } from '../domain/types';
import {
  DuplicateSlotClaimError,
  type AppointmentRepository,
  type Clock,
  type ServiceRepository,
  type SlotGate,
  type SlotRepository,
} from './ports';

export type LockFailureMode = 'proceed' | 'reject';

export interface BookingLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Booking and cancellation: the one place where "a slot never has two
 * confirmed appointments" is upheld.
 *
 * 1. The gate (a Redis lock per slot) turns concurrent attempts away early
 *    with SLOT_BUSY, without touching the database.
 * 2. A conditional update takes the slot only if it is AVAILABLE.
 * 3. The appointment is inserted behind a plain unique index on its slot
 *    claim, which admits one confirmed appointment per slot. That index is the
 *    arbiter even where the conditional update is not atomic (FerretDB).
 * 4. If anything fails after the slot was taken, the slot is given back, or
 *    pointed at the appointment that won.
 */
export class BookingService {
  constructor(
    private readonly deps: {
      services: Pick<ServiceRepository, 'findById'>;
      slots: Pick<SlotRepository, 'claim' | 'releaseClaim' | 'findById'>;
      appointments: Pick<
        AppointmentRepository,
        'insertConfirmed' | 'findConfirmedBySlot' | 'findById' | 'cancel'
      >;
      gate: SlotGate;
      clock: Clock;
      newId: () => string;
      lockFailureMode: LockFailureMode;
      logger: BookingLogger;
    },
  ) {}

  async bookSlot(cmd: {
    slotId: string;
    userId: string;
    serviceId: string | null;
  }): Promise<AppointmentView> {
    const gate = await this.deps.gate.tryAcquire(cmd.slotId);
    if (gate.outcome === 'busy') {
      throw new DomainError('SLOT_BUSY', `slot ${cmd.slotId} is being booked by another request; retry`, {
        slotId: cmd.slotId,
      });
    }
    if (gate.outcome === 'unavailable') {
      if (this.deps.lockFailureMode === 'reject') {
        throw new DomainError('LOCK_UNAVAILABLE', 'the booking lock service is unavailable; retry', {
          slotId: cmd.slotId,
        });
      }
      this.deps.logger.warn(
        { slotId: cmd.slotId, err: gate.error.message },
        'lock unavailable; booking without the gate (the database still decides)',
      );
    }
    try {
      return await this.bookInDatabase(cmd);
    } finally {
      if (gate.outcome === 'acquired') await gate.release();
    }
  }

  private async bookInDatabase(cmd: {
    slotId: string;
    userId: string;
    serviceId: string | null;
  }): Promise<AppointmentView> {
    const { slots, appointments, services } = this.deps;
    const now = this.deps.clock();
    const appointmentId = this.deps.newId();
    const slot = await slots.claim({
      slotId: cmd.slotId,
      appointmentId,
      serviceId: cmd.serviceId,
      now,
    });
    if (!slot) throw await this.whyNotClaimed(cmd.slotId, cmd.serviceId, now);

    try {
      const service = await services.findById(slot.serviceId);
      if (!service) throw serviceNotFound(slot.serviceId);
      if (!service.active) {
        throw new DomainError('SERVICE_INACTIVE', `service ${service.id} is not taking bookings`, {
          serviceId: service.id,
        });
      }
      const appointment: AppointmentRecord = {
        id: appointmentId,
        userId: cmd.userId,
        serviceId: slot.serviceId,
        slotId: slot.id,
        status: 'CONFIRMED',
        startTime: slot.startTime,
        endTime: slot.endTime,
        createdAt: now,
        cancelledAt: null,
        cancellationReason: '',
      };
      await appointments.insertConfirmed(appointment);
      return { appointment, service, slot };
    } catch (err) {
      await this.giveBack(slot, appointmentId);
      if (err instanceof DuplicateSlotClaimError) throw slotUnavailable(cmd.slotId);
      throw err;
    }
  }

  /** Explains a failed claim: unknown slot, another service's, past, or taken. */
  private async whyNotClaimed(slotId: string, serviceId: string | null, now: Date): Promise<DomainError> {
    const slot = await this.deps.slots.findById(slotId);
    if (!slot || (serviceId !== null && slot.serviceId !== serviceId)) return slotNotFound(slotId);
    if (slot.status === 'AVAILABLE' && slot.startTime.getTime() <= now.getTime()) {
      return new DomainError('SLOT_IN_PAST', `slot ${slotId} has already started`, { slotId });
    }
    return slotUnavailable(slotId, slot.status);
  }

  /**
   * Undoes a claim that did not become an appointment. The slot goes back to
   * AVAILABLE, unless another appointment won the unique index, in which case
   * it is pointed at the winner (on a database whose conditional update is
   * not atomic, the loser's write may be the one the slot shows). Only a slot
   * that still points at our appointment is touched. A failure here leaves
   * the slot for the reconciler and is logged, never hidden.
   */
  private async giveBack(slot: SlotRecord, appointmentId: string): Promise<void> {
    try {
      const winner = await this.deps.appointments.findConfirmedBySlot(slot.id);
      await this.deps.slots.releaseClaim({
        slotId: slot.id,
        appointmentId,
        heldBy: winner && winner.id !== appointmentId ? winner.id : null,
        now: this.deps.clock(),
      });
    } catch (err) {
      this.deps.logger.error(
        { slotId: slot.id, appointmentId, err },
        'could not give back a slot after a failed booking',
      );
    }
  }

  /**
   * Cancels a confirmed appointment of `userId`: first the appointment (which
   * releases its claim on the slot), then the slot, only if it still points at
   * this appointment. Cancelling a cancelled appointment is refused with
   * APPOINTMENT_ALREADY_CANCELLED.
   */
  async cancelAppointment(cmd: {
    appointmentId: string;
    userId: string;
    reason: string;
  }): Promise<AppointmentView> {
    const { appointments, slots, services } = this.deps;
    const existing = await appointments.findById(cmd.appointmentId);
    if (!existing) throw appointmentNotFound(cmd.appointmentId);
    if (existing.userId !== cmd.userId) {
      throw new DomainError(
        'NOT_APPOINTMENT_OWNER',
        `appointment ${cmd.appointmentId} belongs to another user`,
        { appointmentId: cmd.appointmentId },
      );
    }
    const now = this.deps.clock();
    const cancelled = await appointments.cancel({
      appointmentId: cmd.appointmentId,
      now,
      reason: cmd.reason,
    });
    if (!cancelled) {
      throw new DomainError(
        'APPOINTMENT_ALREADY_CANCELLED',
        `appointment ${cmd.appointmentId} is already cancelled`,
        { appointmentId: cmd.appointmentId },
      );
    }
    await slots.releaseClaim({ slotId: cancelled.slotId, appointmentId: cancelled.id, heldBy: null, now });
    const [service, slot] = await Promise.all([
      services.findById(cancelled.serviceId),
      slots.findById(cancelled.slotId),
    ]);
    return { appointment: cancelled, service, slot };
  }
}

function slotUnavailable(slotId: string, status?: string): DomainError {
  return new DomainError(
    'SLOT_UNAVAILABLE',
    status ? `slot ${slotId} is ${status.toLowerCase()}` : `slot ${slotId} is no longer available`,
    status ? { slotId, status } : { slotId },
  );
}
