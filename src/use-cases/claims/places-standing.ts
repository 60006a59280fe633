import { isActiveClaim, type ClaimRecord, type SlotRecord } from '../../domain/types';
import { DuplicateClaimIdError, type ClaimRepository, type PlaceMember } from '../ports';
import { voidClaim } from './places-rules';

/** How a member stands, judged from its claim (see settle). */
export type Standing = { keep: PlaceMember } | { drop: true } | { unsure: true };

/** Members with holds that have expired, settled: the new list, or null when nothing changed. */
export async function prune(
  deps: { claims: ClaimRepository },
  slot: SlotRecord,
  members: PlaceMember[],
  now: Date,
): Promise<PlaceMember[] | null> {
  let changed = false;
  const kept: PlaceMember[] = [];
  for (const m of members) {
    if (m.expiresAt === null || m.expiresAt > now) {
      kept.push(m);
      continue;
    }
    const standing = await settle(deps, slot, m, now);
    if ('drop' in standing) changed = true;
    else {
      const keep = 'keep' in standing ? standing.keep : m;
      if (keep !== m) changed = true;
      kept.push(keep);
    }
  }
  return changed ? kept : null;
}

/**
 * How a member stands, from its claim: kept while the claim is active on
 * the slot (a confirmed hold loses its expiry); dropped only once the claim
 * can never become active there: it has ended (cancelled, released,
 * expired, void), or it is elsewhere and its revision was fenced (so a
 * move on its way here cannot land), or it does not exist and its id was
 * fenced with a VOID record (so an insert on its way cannot land). A hold
 * past its expiry is expired first (decided against its confirmation).
 */
export async function settle(
  deps: { claims: ClaimRepository },
  slot: SlotRecord,
  m: PlaceMember,
  now: Date,
  known?: ClaimRecord,
): Promise<Standing> {
  const { claims } = deps;
  let claim = known?.id === m.claimId ? known : await claims.findById(m.claimId);
  for (let round = 0; round < 3; round++) {
    if (!claim) {
      const fenced = await claims.insert(voidClaim(slot, m, now)).then(
        () => true,
        (err: unknown) => {
          if (err instanceof DuplicateClaimIdError) return false;
          throw err;
        },
      );
      if (fenced) return { drop: true };
    } else if (claim.slotId === slot.id && claim.places !== null && isActiveClaim(claim, now)) {
      return {
        keep: claim.status === 'CONFIRMED' && m.expiresAt !== null ? { ...m, expiresAt: null } : m,
      };
    } else if (claim.slotId === slot.id && claim.status === 'HELD') {
      await claims.expireHold({ holdId: claim.id, now });
    } else if (claim.status !== 'CONFIRMED' && claim.status !== 'HELD') {
      return { drop: true }; // ended: never active again
    } else if (await claims.fence({ id: claim.id, revision: claim.revision })) {
      return { drop: true }; // active elsewhere, and no transition decided on what was read can land
    }
    claim = await claims.findById(m.claimId);
  }
  return { unsure: true };
}
