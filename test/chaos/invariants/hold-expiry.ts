/** hold expiry: no hold was confirmed at or after its expiry, none expired before it, and each lasted what HoldSlot said. */
import { describeClaim, iso, type Evidence } from './rows';

export function checkHoldExpiry({ claims, truths, claimById, add }: Evidence): number {
  let confirmedFromHolds = 0;
  for (const c of claims) {
    if (c.holdSecret === null || c.expiresAt === null) continue;
    if (c.status === 'CONFIRMED' || c.status === 'CANCELLED') {
      confirmedFromHolds += 1;
      if (c.createdAt.getTime() >= c.expiresAt.getTime()) {
        add('hold expiry', `hold confirmed at ${iso(c.createdAt)}, at/after its expiry: ${describeClaim(c)}`);
      }
    }
    if (c.status === 'EXPIRED' && c.updatedAt.getTime() < c.expiresAt.getTime()) {
      add('hold expiry', `hold expired at ${iso(c.updatedAt)}, before its expiry: ${describeClaim(c)}`);
    }
  }
  for (const t of truths) {
    for (const h of t.confirmedHolds) {
      const c = claimById.get(h.id);
      if (c?.expiresAt && c.expiresAt.getTime() !== h.expireMs) {
        add(
          'hold expiry',
          `hold ${h.id}: HoldSlot said it expires ${iso(new Date(h.expireMs))}, stored ${describeClaim(c)}`,
        );
      }
    }
  }
  return confirmedFromHolds;
}
