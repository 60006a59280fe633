/** HoldSlot and ReleaseHold. */
import { z } from 'zod';
import type { HoldSlotRequest, ReleaseHoldRequest } from '../../gen/booking/v1/booking_service';
import type { HoldToken } from '../../use-cases/shared/hold-token';
import { holdToken, numberWhere, objectId, partySize, requestId, userId } from './fields';
import { parseRequest } from './violations';

const HoldSlot = z.object({
  slotId: objectId,
  userId,
  ttlSeconds: numberWhere(
    (n) => Number.isInteger(n) && n >= 0,
    'must be zero (the default) or a positive number of seconds',
  ),
  requestId,
  partySize,
});

export function parseHoldSlot(req: HoldSlotRequest): {
  slotId: string;
  userId: string;
  ttlSeconds: number;
  requestId: string;
  party: number;
} {
  const { partySize, ...rest } = parseRequest(HoldSlot, req);
  return { ...rest, party: partySize };
}

const ReleaseHold = z.object({ holdToken, userId });

export function parseReleaseHold(req: ReleaseHoldRequest): { hold: HoldToken; userId: string } {
  const { holdToken: hold, userId: user } = parseRequest(ReleaseHold, req);
  return { hold, userId: user };
}
