import { appointmentNotFound, DomainError } from '../domain/errors';
import {
  effectiveSlot,
  isAppointment,
  partyOf,
  type AppointmentView,
  type ClaimRecord,
  type ServiceRecord,
  type SlotRecord,
} from '../domain/types';
import type { HoldToken } from './hold-token';
import { idFromKey, type Idempotency } from './idempotency';
import { DuplicateClaimIdError, type ClaimRepository, type Clock, type ServiceRepository } from './ports';
import { newClaim } from './new-claim';
import { activeService, slotUnavailable, type SlotClaims } from './slot-claims';

export interface BookingDeps {
  services: Pick<ServiceRepository, 'findById'>;
  slots: { findById(id: string): Promise<SlotRecord | null> };
  claims: ClaimRepository;
  slotClaims: SlotClaims;
  idempotency: Idempotency;
  clock: Clock;
  newId: () => string;
  /** A hold can be confirmed only while it has at least this long left. */
  holdConfirmMarginMs: number;
}

/**
 * Booking, cancelling and rescheduling: where "a slot never has two active
 * appointments" is upheld (the mechanism is in SlotClaims).
 */
export class BookingService {
  constructor(private readonly deps: BookingDeps) {}

  bookSlot(cmd: {
    slotId: string;
    userId: string;
    serviceId: string | null;
    hold: HoldToken | null;
    requestId: string;
    /** Places to take (1 unless a party); a hold's confirmation books the hold's party. */
    party: number;
  }): Promise<AppointmentView> {
    const { idempotency } = this.deps;
    const key = idempotency.key('BookSlot', cmd.userId, cmd.requestId);
    const content = {
      slotId: cmd.slotId,
      userId: cmd.userId,
      serviceId: cmd.serviceId,
      holdId: cmd.hold?.holdId ?? null,
      // Only a party: a request of one keeps the fingerprint it had before parties existed.
      ...(cmd.party > 1 && !cmd.hold ? { party: cmd.party } : {}),
    };
    return idempotency.run(
      key,
      content,
      async () => {
        const view = cmd.hold ? await this.confirmHold(cmd, cmd.hold) : await this.bookFreeSlot(cmd, key);
        return { resultId: view.appointment.id, value: view };
      },
      (id) => this.view(id),
    );
  }

  private async bookFreeSlot(
    cmd: { slotId: string; userId: string; serviceId: string | null; party: number },
    key: string | null,
  ): Promise<AppointmentView> {
    const id = key ? idFromKey(key) : this.deps.newId();
    try {
      return await this.takeFreeSlot(cmd, id);
    } catch (err) {
      if (key === null || !isFinalRefusal(err)) throw err;
      return this.refuseBooking(cmd, id, err);
    }
  }

  private takeFreeSlot(
    cmd: { slotId: string; userId: string; serviceId: string | null; party: number },
    id: string,
  ): Promise<AppointmentView> {
    const { slotClaims } = this.deps;
    return slotClaims.gated(
      cmd.slotId,
      async () => {
        let service: ServiceRecord | undefined;
        const { slot, claim } = await slotClaims.acquire({
          slotId: cmd.slotId,
          serviceId: cmd.serviceId,
          owner: { kind: 'appointment', id },
          userId: cmd.userId,
          party: cmd.party,
          record: async (slot, now) => {
            service = await activeService(this.deps.services, slot.serviceId);
            const places = slot.capacity > 1 ? cmd.party : null;
            return slotClaims.insertOrResume(
              newClaim({ id, userId: cmd.userId, slot, status: 'CONFIRMED', now, places }),
              (existing) =>
                existing.status === 'CONFIRMED' &&
                existing.userId === cmd.userId &&
                existing.slotId === slot.id,
            );
          },
        });
        if (!isAppointment(claim)) throw slotUnavailable(cmd.slotId);
        return { appointment: claim, service: service ?? null, slot };
      },
      id,
    );
  }

  /**
   * Before a booking with a request_id is refused, makes the refusal final:
   * an earlier attempt of the same request still on its way (its instance
   * died before answering, and its insert reaches the database late) could
   * otherwise book the slot after the client was told it could not. The
   * appointment id the request would create is recorded as VOID; if that id
   * exists already, the earlier attempt got there first and is the answer.
   */
  private async refuseBooking(
    cmd: { slotId: string; userId: string; serviceId: string | null },
    id: string,
    refusal: DomainError,
  ): Promise<AppointmentView> {
    const { claims, slots, clock } = this.deps;
    const slot = await slots.findById(cmd.slotId);
    if (!slot) throw refusal;
    const voided = await claims
      .insert(newClaim({ id, userId: cmd.userId, slot, status: 'VOID', now: clock() }))
      .then(
        () => true,
        (err: unknown) => {
          if (err instanceof DuplicateClaimIdError) return false;
          throw err;
        },
      );
    if (voided) throw refusal;
    const existing = await claims.findById(id);
    if (
      existing?.status === 'CONFIRMED' &&
      existing.userId === cmd.userId &&
      existing.slotId === cmd.slotId
    ) {
      return this.view(id);
    }
    throw refusal;
  }

  /**
   * Confirms a hold: the hold's claim record becomes the appointment in one
   * claim transition (decided atomically against the hold's release or
   * expiry, see ClaimRepository), only while the hold has more than the
   * margin left. Then the slot projection follows.
   */
  private async confirmHold(
    cmd: { slotId: string; userId: string; serviceId: string | null },
    hold: HoldToken,
  ): Promise<AppointmentView> {
    const { claims, clock } = this.deps;
    const now = clock();
    let claim = await claims.confirmHold({
      holdId: hold.holdId,
      userId: cmd.userId,
      slotId: cmd.slotId,
      serviceId: cmd.serviceId,
      secret: hold.secret,
      validAfter: new Date(now.getTime() + this.deps.holdConfirmMarginMs),
      now,
    });
    const existing = claim ?? (await claims.findById(hold.holdId));
    if (
      !existing ||
      existing.holdSecret !== hold.secret ||
      existing.userId !== cmd.userId ||
      existing.slotId !== cmd.slotId ||
      (cmd.serviceId !== null && existing.serviceId !== cmd.serviceId)
    ) {
      throw new DomainError('HOLD_NOT_FOUND', 'no hold of this user on this slot matches hold_token', {
        slotId: cmd.slotId,
      });
    }
    if (!claim) {
      switch (existing.status) {
        case 'CONFIRMED':
          claim = existing; // a retry: the hold was confirmed by a previous attempt
          break;
        case 'HELD':
          // Too late to confirm. Fence the revision read, so that an earlier attempt of this
          // confirmation still on its way cannot land after this answer; if one just did, it stands.
          if (await claims.fence({ id: existing.id, revision: existing.revision }))
            throw holdExpired(cmd.slotId);
          claim = await claims.findById(existing.id);
          if (claim?.status !== 'CONFIRMED') throw holdExpired(cmd.slotId);
          break;
        case 'EXPIRED':
          throw holdExpired(cmd.slotId);
        case 'RELEASED':
        case 'VOID':
          throw new DomainError('HOLD_NOT_FOUND', 'the hold was released', { slotId: cmd.slotId });
        case 'CANCELLED':
          throw new DomainError('HOLD_ALREADY_USED', 'the hold was confirmed and then cancelled', {
            slotId: cmd.slotId,
          });
      }
    }
    const slot =
      claim.places !== null
        ? await this.deps.slotClaims.places.confirmed(claim.slotId, claim.id)
        : await this.deps.slotClaims.reassign(claim.slotId, claim.id, { kind: 'appointment', id: claim.id });
    // The reply shows the claim and the slot as these writes left them (the slot is read only
    // when this write did not change it: a retry finds it done).
    return this.viewOf(claim, slot);
  }

  /**
   * Cancels a confirmed appointment of `userId`: first the claim (which frees
   * the slot for new claims), then the slot projection. Cancelling a cancelled
   * appointment is refused with APPOINTMENT_ALREADY_CANCELLED, unless it is a
   * retry of the same request (same request_id).
   */
  cancelAppointment(cmd: {
    appointmentId: string;
    userId: string;
    reason: string;
    requestId: string;
  }): Promise<AppointmentView> {
    const { idempotency, claims, clock } = this.deps;
    const key = idempotency.key('CancelAppointment', cmd.userId, cmd.requestId);
    const content = { appointmentId: cmd.appointmentId, userId: cmd.userId, reason: cmd.reason };
    return idempotency.run(
      key,
      content,
      async () => {
        const existing = await this.ownedAppointment(cmd.appointmentId, cmd.userId);
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
            ? await this.deps.slotClaims.places.leave(cancelled.slotId, cancelled.id, cancelled)
            : await this.deps.slotClaims.reassign(cancelled.slotId, cancelled.id, { kind: 'none' });
        // The reply shows the claim and the slot as these writes left them (no reading them again).
        return { resultId: cancelled.id, value: await this.viewOf(cancelled, freed) };
      },
      (id) => this.view(id),
    );
  }

  /**
   * Moves a confirmed appointment to another slot of its service. The new
   * slot is taken first; then the appointment's claim moves from the old slot
   * to the new one in a single write (so the appointment holds exactly one
   * slot at every moment); then the old slot is given back. A failure before
   * the claim moves leaves the appointment on its old slot and gives the new
   * one back.
   */
  rescheduleAppointment(cmd: {
    appointmentId: string;
    userId: string;
    newSlotId: string;
    requestId: string;
  }): Promise<AppointmentView> {
    const { idempotency } = this.deps;
    const key = idempotency.key('RescheduleAppointment', cmd.userId, cmd.requestId);
    const content = { appointmentId: cmd.appointmentId, userId: cmd.userId, newSlotId: cmd.newSlotId };
    return idempotency.run(
      key,
      content,
      async () => {
        const view = await this.reschedule(cmd, key);
        return { resultId: view.appointment.id, value: view };
      },
      (id) => this.view(id),
    );
  }

  private async reschedule(
    cmd: { appointmentId: string; userId: string; newSlotId: string },
    key: string | null,
  ): Promise<AppointmentView> {
    const first = await this.ownedAppointment(cmd.appointmentId, cmd.userId);
    if (first.status !== 'CONFIRMED') throw alreadyCancelled(cmd.appointmentId);
    let appointment = first;
    if (first.previousSlotId) {
      await this.finishMove(first);
      appointment = await this.ownedAppointment(cmd.appointmentId, cmd.userId);
      if (appointment.status !== 'CONFIRMED') throw alreadyCancelled(cmd.appointmentId);
    }
    if (appointment.slotId === cmd.newSlotId) {
      // A retry of this very move (it completed, or the reconciler completed it).
      if (first.previousSlotId || (key !== null && appointment.rescheduleRequestKey === key)) {
        return this.view(appointment.id);
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

  private move(appointment: ClaimRecord, newSlotId: string, key: string | null): Promise<AppointmentView> {
    const { claims, slotClaims } = this.deps;
    return slotClaims.gated(newSlotId, async () => {
      const { claim } = await slotClaims.acquire({
        slotId: newSlotId,
        serviceId: appointment.serviceId,
        owner: { kind: 'appointment', id: appointment.id },
        userId: appointment.userId,
        party: partyOf(appointment),
        onServiceMismatch: () =>
          new DomainError('DIFFERENT_SERVICE', 'an appointment can only move to a slot of its own service', {
            slotId: newSlotId,
          }),
        // The claim exists already: moving it is the write the unique index decides.
        record: async (slot, now) => {
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
        },
      });
      await this.finishMove(claim);
      return this.view(appointment.id);
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
      return this.view(current.id);
    }
    throw refusal;
  }

  /** Gives back the slot a moved appointment left, then forgets it. */
  private async finishMove(appointment: ClaimRecord): Promise<void> {
    if (!appointment.previousSlotId) return;
    await this.deps.slotClaims.leave(appointment.previousSlotId, appointment, appointment.previousPlaces);
    await this.deps.claims.completeMove({ appointmentId: appointment.id, now: this.deps.clock() });
  }

  private async ownedAppointment(appointmentId: string, userId: string): Promise<ClaimRecord> {
    const existing = await this.deps.claims.findById(appointmentId);
    if (!existing || !isAppointment(existing)) throw appointmentNotFound(appointmentId);
    if (existing.userId !== userId) {
      throw new DomainError('NOT_APPOINTMENT_OWNER', `appointment ${appointmentId} belongs to another user`, {
        appointmentId,
      });
    }
    return existing;
  }

  /** The appointment with its service and slot, as they are now. */
  private async view(appointmentId: string): Promise<AppointmentView> {
    const claim = await this.deps.claims.findById(appointmentId);
    if (!claim || !isAppointment(claim)) throw appointmentNotFound(appointmentId);
    return this.viewOf(claim, null);
  }

  /** The view of `claim` (an appointment), with `slot` if the caller has it (else read), and its service. */
  private async viewOf(claim: ClaimRecord, known: SlotRecord | null): Promise<AppointmentView> {
    if (!isAppointment(claim)) throw appointmentNotFound(claim.id);
    const [service, slot] = await Promise.all([
      this.deps.services.findById(claim.serviceId),
      known?.id === claim.slotId ? known : this.deps.slots.findById(claim.slotId),
    ]);
    return { appointment: claim, service, slot: slot ? effectiveSlot(slot, this.deps.clock()) : null };
  }
}

const holdExpired = (slotId: string): DomainError =>
  new DomainError('HOLD_EXPIRED', 'the hold has expired; hold or book the slot again', { slotId });

/** Refusals a retry of the same request would get again (not "busy, retry"). */
const isFinalRefusal = (err: unknown): err is DomainError =>
  err instanceof DomainError &&
  (err.reason === 'SLOT_UNAVAILABLE' ||
    err.reason === 'SLOT_IN_PAST' ||
    err.reason === 'SERVICE_INACTIVE' ||
    err.reason === 'SLOT_FULL' ||
    err.reason === 'NOT_ENOUGH_PLACES' ||
    err.reason === 'PARTY_TOO_LARGE' ||
    err.reason === 'ALREADY_BOOKED');

const alreadyCancelled = (appointmentId: string): DomainError =>
  new DomainError('APPOINTMENT_ALREADY_CANCELLED', `appointment ${appointmentId} is already cancelled`, {
    appointmentId,
  });
