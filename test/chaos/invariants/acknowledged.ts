/** acknowledged: what each client was told matches the database, and no client has an appointment it was never told of. */
import { describeClaim, hex, type Evidence } from './rows';

export function checkAcknowledged({ claims, truths, claimById, add }: Evidence): {
  acknowledgedChecked: number;
  cancelledChecked: number;
  uncertainSkipped: number;
} {
  let acknowledgedChecked = 0;
  let cancelledChecked = 0;
  let uncertainSkipped = 0;
  for (const t of truths) {
    for (const [id, slotId] of t.appointments) {
      acknowledgedChecked += 1;
      const c = claimById.get(id);
      if (!c) add('acknowledged', `${t.userId} was told ${id} (slot ${slotId}) succeeded; it does not exist`);
      else if (c.status !== 'CONFIRMED' || hex(c.slotId) !== slotId || c.userId !== t.userId) {
        add(
          'acknowledged',
          `${t.userId} holds ${id} on slot ${slotId} by what it was told; stored: ${describeClaim(c)}`,
        );
      }
    }
    for (const id of t.cancelled) {
      cancelledChecked += 1;
      const c = claimById.get(id);
      if (!c || c.status !== 'CANCELLED') {
        add(
          'acknowledged',
          `${t.userId} was told ${id} was cancelled; stored: ${c ? describeClaim(c) : 'missing'}`,
        );
      }
    }
    uncertainSkipped += t.uncertain.size + t.unknownBookSlots.size + t.reported.size;
  }
  const byUser = new Map(truths.map((t) => [t.userId, t]));
  for (const c of claims) {
    const t = byUser.get(c.userId);
    if (!t || c.status !== 'CONFIRMED') continue;
    const id = hex(c._id);
    if (t.appointments.has(id) || t.uncertain.has(id) || t.reported.has(id)) continue;
    if (t.unknownBookSlots.has(hex(c.slotId))) continue;
    add(
      'acknowledged',
      `phantom: ${describeClaim(c)} is CONFIRMED, but ${t.userId} was never told so` +
        (t.cancelled.has(id) ? ' (it was told it was cancelled)' : '') +
        (t.history.has(id) ? `; it is the appointment of ${t.history.get(id)}` : ''),
    );
  }
  return { acknowledgedChecked, cancelledChecked, uncertainSkipped };
}
