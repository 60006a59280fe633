/** The client's reads: available slots (for hints), one appointment read back, its whole list. */
import type * as pb from '../../../src/gen/booking/v1/booking_service';
import { AppointmentStatus, SlotStatus } from '../../../src/gen/booking/v1/resources';
import type { VirtualClient } from './client';

export async function read(c: VirtualClient): Promise<void> {
  // ListAppointments is the rarest: on FerretDB it scans the whole collection.
  const r = c.rng.next();
  if (r < 0.45) return readSlots(c);
  if (r < 0.85 && c.truth.appointments.size > 0) return readOne(c);
  return readMine(c);
}

export async function readSlots(c: VirtualClient): Promise<void> {
  const req: pb.ListSlotsRequest = {
    serviceId: c.t.options.serviceId,
    startTime: undefined,
    endTime: undefined,
    status: SlotStatus.SLOT_STATUS_AVAILABLE,
    pageSize: 500,
    pageToken: '',
  };
  const out = await c.send('read', null, (rpc) => rpc.listSlots, req);
  if (out.ok) {
    const pool = new Set(c.t.options.slotIds);
    c.t.setHints(out.res.slots.map((s) => s.id).filter((id) => pool.has(id)));
  }
}

/** Reads one of its appointments back: it must be confirmed, on the slot it was last moved to. */
export async function readOne(c: VirtualClient): Promise<void> {
  const picked = c.pickAppointment();
  if (!picked) return;
  const [id, slotId] = picked;
  const req: pb.GetAppointmentRequest = { appointmentId: id };
  const out = await c.send('read', null, (rpc) => rpc.getAppointment, req);
  if (!out.ok) {
    if (!out.unknown) c.contradicted(id, `GetAppointment failed with ${out.failure.reason}`, out.trail);
    return;
  }
  const a = out.res.appointment;
  if (a?.status !== AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED || a.slotId !== slotId) {
    c.contradicted(
      id,
      `read back as ${AppointmentStatus[a?.status ?? 0]} on slot ${a?.slotId}, expected CONFIRMED on ${slotId}`,
      out.trail,
      a?.status === AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED ? a.slotId : undefined,
    );
  }
}

/** Lists its confirmed appointments: exactly those it holds, plus perhaps those it cannot know about. */
export async function readMine(c: VirtualClient): Promise<void> {
  const { userId } = c.truth;
  const req: pb.ListAppointmentsRequest = {
    userId,
    status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
    pageSize: 100,
    pageToken: '',
  };
  const out = await c.send('read', null, (rpc) => rpc.listAppointments, req);
  if (!out.ok) return;
  const listed = new Map(out.res.appointments.map((a) => [a.id, a.slotId]));
  for (const [id, slotId] of [...c.truth.appointments]) {
    if (!listed.has(id)) c.contradicted(id, 'missing from ListAppointments(CONFIRMED)', out.trail);
    else if (listed.get(id) !== slotId)
      c.contradicted(id, `listed on slot ${listed.get(id)}, expected ${slotId}`, out.trail, listed.get(id));
  }
  // Unknown outcomes past their quarantine: what is listed now is what the client holds.
  const { quarantineMs } = c.t.options;
  const settled = (since: number | undefined): boolean =>
    since !== undefined && out.firstSentMs - since >= quarantineMs;
  for (const [id, slotId] of listed) {
    if (c.truth.appointments.has(id) || c.truth.reported.has(id)) continue;
    const since = c.truth.uncertain.get(id) ?? c.truth.unknownBookSlots.get(slotId);
    if (since !== undefined) {
      if (settled(since)) {
        c.truth.appointments.set(id, slotId);
        c.truth.uncertain.delete(id);
        c.t.stats.resolved.adopted += 1;
      }
      continue;
    }
    c.t.violation(
      'acknowledged',
      `phantom: ListAppointments shows ${id} on slot ${slotId} CONFIRMED for ${userId}, who was never told it succeeded` +
        (c.truth.cancelled.has(id) ? ' (and was told it was cancelled)' : '') +
        (c.truth.history.has(id) ? `; it is the appointment of ${c.truth.history.get(id)}` : ''),
      out.trail,
    );
    // Reported once; from now on the client knows it holds it.
    c.truth.history.delete(id);
    c.truth.appointments.set(id, slotId);
  }
  for (const [id, since] of [...c.truth.uncertain]) {
    if (settled(since) && !listed.has(id)) {
      c.truth.uncertain.delete(id);
      c.t.stats.resolved.absent += 1;
    }
  }
  for (const [slotId, since] of [...c.truth.unknownBookSlots]) {
    if (settled(since)) c.truth.unknownBookSlots.delete(slotId);
  }
}
