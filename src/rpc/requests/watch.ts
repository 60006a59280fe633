/** WatchSlotAvailability: the slot window ListSlots takes, and where in the event log to start. */
import { z } from 'zod';
import { Violations } from '../../domain/validation';
import type { WatchSlotAvailabilityRequest } from '../../gen/booking/v1/booking_service';
import { numberWhere } from './fields';
import { parseSlotWindow } from './slots';
import { parseFields, settled } from './violations';

const WatchStart = z.object({
  sinceRevision: numberWhere(
    (n) => Number.isSafeInteger(n) && n >= 0,
    'must be zero or a revision received from this API',
  ),
  sendInitialSnapshot: z.boolean(),
});

export function parseWatchSlotAvailability(req: WatchSlotAvailabilityRequest): {
  serviceId: string;
  from: Date | null;
  to: Date | null;
  sinceRevision: number;
  snapshot: boolean;
} {
  const v = new Violations();
  const { serviceId, from, to } = parseSlotWindow(v, req);
  const start = settled(v, parseFields(v, WatchStart, req));
  return {
    serviceId: serviceId!,
    from,
    to,
    sinceRevision: start.sinceRevision,
    snapshot: start.sendInitialSnapshot,
  };
}
