/**
 * The set-up shared by the idempotency tests: one app per file without
 * background repairs (some tests craft what a crashed request leaves behind),
 * and a fresh service, user and request id for each test.
 */
import { randomUUID } from 'node:crypto';
import type { Appointment } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { api, useFileApp } from '../../support/file-app';
import { book, newUser } from '../../support/idempotency';

export function useIdempotencyApp(): void {
  useFileApp({ RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' });
}

/** A fresh service with slots, a new user named after `role`, and a request id of its own. */
export async function freshRequest(
  role: string,
): Promise<{ slotIds: string[]; user: string; requestId: string }> {
  const { slotIds } = await serviceWithSlots(api);
  return { slotIds, user: newUser(role), requestId: randomUUID() };
}

/** As `freshRequest`, with an appointment of the user on the first slot, booked without a request id. */
export async function bookedRequest(
  role: string,
): Promise<{ slotIds: string[]; user: string; requestId: string; a: Appointment }> {
  const fresh = await freshRequest(role);
  return { ...fresh, a: await book(fresh.slotIds[0]!, fresh.user) };
}
