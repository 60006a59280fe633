/**
 * Helpers of the appointment tests (test/integration/appointments/), on the
 * app of test/support/file-app.ts: the stored slot and appointments, and a plain BookSlot.
 */
import type { Appointment } from '../../src/gen/booking/v1/resources';
import { api, t } from './file-app';
import { oid } from './ids';

export const storedSlot = (slotId: string) => t.db.collection('slots').findOne({ _id: oid(slotId) });
export const storedAppointment = (id: string) => t.db.collection('appointments').findOne({ _id: oid(id) });
export const appointmentsOfSlot = (slotId: string) =>
  t.db.collection('appointments').countDocuments({ slotId: oid(slotId) });

export async function book(slotId: string, userId: string): Promise<Appointment> {
  const { appointment } = await api.bookSlot({ slotId, userId });
  return appointment!;
}
