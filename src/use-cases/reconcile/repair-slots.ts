import { isActiveClaim, type ClaimRecord, type SlotRecord } from '../../domain/types';
import { ownerOf } from '../claims/refusals';
import type { SlotOwner } from '../ports';
import { WHOLE_STRETCH, type RepairDeps } from './deps';
import type { Stretch } from './sweep';

/** Slots pointing at a claim that does not hold them. */
export async function repairOwnedSlots(
  deps: RepairDeps,
  stretch: Stretch,
  now: Date,
): Promise<{ repaired: number }> {
  const { slots, claims } = deps;
  const changed = await slots.findOwnedChangedBetween(
    new Date(stretch.from),
    new Date(stretch.to),
    WHOLE_STRETCH,
  );
  const owned = changed.rows;
  const owners = byId(await claims.findByIds(owned.map(ownerIdOf)));
  let repaired = 0;
  for (const slot of owned) {
    const owner = owners.get(ownerIdOf(slot));
    if (owner && holds(owner, slot, now)) continue;
    const active = await claims.findActiveBySlot(slot.id);
    const to: SlotOwner = active && isActiveClaim(active, now) ? ownerOf(active) : { kind: 'none' };
    if (await repair(deps, slot, to, now, 'slot points at a claim that does not hold it')) repaired += 1;
  }
  return { repaired };
}

/** Active claims whose slot does not point at them, and unfinished moves. */
export async function repairActiveClaims(
  deps: RepairDeps,
  stretch: Stretch,
  now: Date,
): Promise<{ slots: number; moves: number }> {
  const { slots, claims } = deps;
  let moves = 0;
  const changed = await claims.findActiveChangedBetween(
    new Date(stretch.from),
    new Date(stretch.to),
    WHOLE_STRETCH,
  );
  // A claim on a slot of several places is no slot's owner: its ledger is audited instead (auditPlaces).
  const active = changed.rows.filter((c) => isActiveClaim(c, now) && c.places === null);
  for (const claim of changed.rows) {
    if (claim.places !== null && claim.previousSlotId) {
      if (await completeMove(deps, claim, claim.previousSlotId, now)) moves += 1;
    }
  }
  const slotById = byId(await slots.findByIds(active.map((c) => c.slotId)));
  let repaired = 0;
  for (const claim of active) {
    const slot = slotById.get(claim.slotId);
    if (slot && !holds(claim, slot, now)) {
      if (await repair(deps, slot, ownerOf(claim), now, 'active claim whose slot does not point at it')) {
        repaired += 1;
      }
    }
    if (claim.previousSlotId) {
      if (await completeMove(deps, claim, claim.previousSlotId, now)) moves += 1;
    }
  }
  return { slots: repaired, moves };
}

/** Gives back the slot a moved claim left, then forgets it, behind that slot's gate: whether it was done. */
async function completeMove(
  deps: RepairDeps,
  claim: ClaimRecord,
  previous: string,
  now: Date,
): Promise<boolean> {
  const done = await deps.core.ifFree(previous, async () => {
    await deps.core.leave(previous, claim, claim.previousPlaces);
    await deps.claims.completeMove({ appointmentId: claim.id, now });
    return true;
  });
  return done === true;
}

/** A conditional repair on the slot's revision, behind its gate (skipped while the slot is in use). */
async function repair(
  deps: RepairDeps,
  slot: SlotRecord,
  to: SlotOwner,
  now: Date,
  why: string,
): Promise<boolean> {
  const change = await deps.core.ifFree(slot.id, () =>
    deps.slots.repair({ slotId: slot.id, revision: slot.revision, to, now }),
  );
  if (!change) return false; // in use, or changed meanwhile: the next pass looks again
  deps.core.published(change);
  deps.logger.warn(
    {
      slotId: slot.id,
      from: { status: change.before.status, appointmentId: slot.appointmentId, holdId: slot.holdId },
      to: {
        status: change.after.status,
        appointmentId: change.after.appointmentId,
        holdId: change.after.holdId,
      },
    },
    `reconciler repaired a slot: ${why}`,
  );
  return true;
}

const ownerIdOf = (slot: SlotRecord): string => (slot.appointmentId ?? slot.holdId)!;

/** Whether the slot projection points at this active claim, as it should. */
function holds(claim: ClaimRecord, slot: SlotRecord, now: Date): boolean {
  if (!isActiveClaim(claim, now) || claim.slotId !== slot.id) return false;
  return claim.status === 'CONFIRMED'
    ? slot.status === 'BOOKED' && slot.appointmentId === claim.id
    : slot.status === 'LOCKED' && slot.holdId === claim.id;
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id, i]));
}
