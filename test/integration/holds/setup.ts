/** The set-up shared by the hold tests on the file app (hold-confirm, hold-release). */
import type { HoldSlotResponse } from '../../../src/gen/booking/v1/booking_service';
import type { Service } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { api } from '../../support/file-app';
import { newUser } from '../../support/holds';

/** A fresh service with slots, its first slot held for 120 s by a new user. */
export async function heldSlot(): Promise<{
  service: Service;
  slotIds: string[];
  user: string;
  hold: HoldSlotResponse;
}> {
  const { service, slotIds } = await serviceWithSlots(api);
  const user = newUser('holder');
  const hold = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 120 });
  return { service, slotIds, user, hold };
}
