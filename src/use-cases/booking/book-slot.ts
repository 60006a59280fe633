import { isAppointment, type AppointmentView, type ServiceRecord } from '../../domain/types';
import { insertOrResume } from '../claims/insert-or-resume';
import { newClaim } from '../claims/new-claim';
import { activeService, slotUnavailable } from '../claims/refusals';
import type { ConfirmHold } from '../holds/confirm-hold';
import type { HoldToken } from '../shared/hold-token';
import { idFromKey } from '../shared/idempotency';
import { writeOncePerRequest } from './appointment-view';
import type { ClaimUseCaseDeps } from './deps';
import { isFinalRefusal, refuseBooking } from './refuse-booking';

export interface BookSlotCommand {
  slotId: string;
  userId: string;
  serviceId: string | null;
  hold: HoldToken | null;
  requestId: string;
  /** Places to take (1 unless a party); a hold's confirmation books the hold's party. */
  party: number;
}

/**
 * BookSlot: a free slot (or places of a slot of several places) becomes the
 * user's appointment, or the user's hold is confirmed into one (ConfirmHold).
 * Where "a slot never has more active bookings than places" is upheld: the
 * mechanism is the claim core (claims/claim-core.ts).
 */
export class BookSlot {
  constructor(private readonly deps: ClaimUseCaseDeps & { confirmHold: ConfirmHold }) {}

  run(cmd: BookSlotCommand): Promise<AppointmentView> {
    const content = {
      slotId: cmd.slotId,
      userId: cmd.userId,
      serviceId: cmd.serviceId,
      holdId: cmd.hold?.holdId ?? null,
      // Only a party: a request of one keeps the fingerprint it had before parties existed.
      ...(cmd.party > 1 && !cmd.hold ? { party: cmd.party } : {}),
    };
    return writeOncePerRequest(this.deps, 'BookSlot', cmd, content, (key) =>
      cmd.hold ? this.deps.confirmHold.run(cmd, cmd.hold) : this.bookFreeSlot(cmd, key),
    );
  }

  private async bookFreeSlot(cmd: BookSlotCommand, key: string | null): Promise<AppointmentView> {
    const id = key ? idFromKey(key) : this.deps.newId();
    try {
      return await this.takeFreeSlot(cmd, id);
    } catch (err) {
      if (key === null || !isFinalRefusal(err)) throw err;
      return refuseBooking(this.deps, cmd, id, err);
    }
  }

  /** Gate, then the slot taken, then the appointment written behind the unique index, then unlock. */
  private async takeFreeSlot(cmd: BookSlotCommand, id: string): Promise<AppointmentView> {
    const claim = await this.deps.core.begin(cmd.slotId, { resumingFor: id });
    try {
      const slot = await claim.take({
        serviceId: cmd.serviceId,
        owner: { kind: 'appointment', id },
        userId: cmd.userId,
        party: cmd.party,
      });
      let service: ServiceRecord | undefined;
      const appointment = await claim.commit(async (slot, now) => {
        service = await activeService(this.deps.services, slot.serviceId);
        const places = slot.capacity > 1 ? cmd.party : null;
        return insertOrResume(
          this.deps.claims,
          newClaim({ id, userId: cmd.userId, slot, status: 'CONFIRMED', now, places }),
          (existing) =>
            existing.status === 'CONFIRMED' && existing.userId === cmd.userId && existing.slotId === slot.id,
        );
      });
      if (!isAppointment(appointment)) throw slotUnavailable(cmd.slotId);
      return { appointment, service: service ?? null, slot };
    } finally {
      claim.unlock();
    }
  }
}
