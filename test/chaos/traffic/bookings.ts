/** The client's appointments: booking a slot, cancelling, rescheduling, and checking each answer. */
import { randomUUID } from 'node:crypto';
import type * as pb from '../../../src/gen/booking/v1/booking_service';
import { AppointmentStatus } from '../../../src/gen/booking/v1/resources';
import { idFromKey } from '../../../src/use-cases/shared/idempotency';
import type { VirtualClient } from './client';

export async function book(c: VirtualClient): Promise<void> {
  const { serviceId } = c.t.options;
  const { userId } = c.truth;
  const slotId = c.t.pickTarget(c.rng);
  const requestId = randomUUID();
  const partySize = c.t.partyFor(c.rng, slotId);
  const req: pb.BookSlotRequest = { slotId, userId, serviceId, holdToken: '', requestId, partySize };
  const out = await c.send('book', requestId, (rpc) => rpc.bookSlot, req);
  if (out.ok) {
    const a = out.res.appointment;
    if (
      !a ||
      a.slotId !== slotId ||
      a.userId !== userId ||
      a.status !== AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED
    ) {
      c.t.violation('response', `BookSlot(${slotId}) answered ${JSON.stringify(a)}`, out.trail);
      if (a?.id) c.truth.reported.add(a.id);
      return;
    }
    c.truth.appointments.set(a.id, slotId);
  } else {
    if (out.unknown) c.truth.unknownBookSlots.set(slotId, Date.now());
    const id = idFromKey(`BookSlot:${userId}:${requestId}`);
    c.remember(
      id,
      `BookSlot(slot ${slotId}) answered ${out.unknown ? 'nothing certain' : `${out.failure.reason} "${out.failure.message}"`} [${out.trail}]`,
    );
  }
}

export async function cancel(c: VirtualClient): Promise<void> {
  const picked = c.pickAppointment();
  if (!picked) return;
  const [id] = picked;
  const requestId = randomUUID();
  const req: pb.CancelAppointmentRequest = {
    appointmentId: id,
    userId: c.truth.userId,
    reason: 'chaos',
    requestId,
  };
  const out = await c.send('cancel', requestId, (rpc) => rpc.cancelAppointment, req);
  if (out.ok) {
    c.truth.appointments.delete(id);
    if (out.res.appointment?.status !== AppointmentStatus.APPOINTMENT_STATUS_CANCELLED) {
      c.t.violation(
        'response',
        `CancelAppointment(${id}) answered ${JSON.stringify(out.res.appointment)}`,
        out.trail,
      );
      c.truth.reported.add(id);
    } else {
      c.truth.cancelled.add(id);
    }
  } else if (out.unknown) {
    c.truth.appointments.delete(id);
    c.truth.uncertain.set(id, Date.now());
  } else {
    c.contradicted(
      id,
      `CancelAppointment failed with ${out.failure.reason}: ${out.failure.message}`,
      out.trail,
    );
  }
}

export async function reschedule(c: VirtualClient): Promise<void> {
  const picked = c.pickAppointment();
  if (!picked) return;
  const [id, from] = picked;
  const to = c.t.pickTarget(c.rng, from);
  const requestId = randomUUID();
  const req: pb.RescheduleAppointmentRequest = {
    appointmentId: id,
    userId: c.truth.userId,
    newSlotId: to,
    requestId,
  };
  const out = await c.send('reschedule', requestId, (rpc) => rpc.rescheduleAppointment, req);
  if (out.ok) {
    const a = out.res.appointment;
    if (a?.slotId !== to || a.status !== AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED) {
      c.t.violation(
        'response',
        `RescheduleAppointment(${id} -> ${to}) answered ${JSON.stringify(a)}`,
        out.trail,
      );
      c.truth.appointments.delete(id);
      c.truth.reported.add(id);
      return;
    }
    c.truth.appointments.set(id, to);
  } else if (out.unknown) {
    c.truth.appointments.delete(id);
    c.truth.uncertain.set(id, Date.now());
  } else if (out.failure.reason === 'SAME_SLOT') {
    // `to` differs from where the client was told the appointment is: the
    // server says it is on `to` already, so this very request (an earlier
    // attempt of it) moved it, and the answer is a failure.
    c.contradicted(
      id,
      `RescheduleAppointment(-> ${to}) answered SAME_SLOT ("${out.failure.message}"), but the client ` +
        `was told it is on ${from}: a retry of a move that took effect was answered as a failure`,
      out.trail,
    );
  } else if (
    ['APPOINTMENT_ALREADY_CANCELLED', 'APPOINTMENT_NOT_FOUND', 'NOT_APPOINTMENT_OWNER'].includes(
      out.failure.reason,
    )
  ) {
    c.contradicted(
      id,
      `RescheduleAppointment(${from} -> ${to}) failed with ${out.failure.reason}: ${out.failure.message}`,
      out.trail,
    );
  }
  // Other refusals (the slot is taken, past, busy for too long) leave it where it was.
  if (!out.ok) {
    c.remember(
      id,
      `RescheduleAppointment(${from} -> ${to}) answered ${out.unknown ? 'nothing certain' : `${out.failure.reason} "${out.failure.message}"`} [${out.trail}]`,
    );
  }
}
