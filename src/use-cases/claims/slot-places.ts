import type { DomainError } from '../../domain/errors';
import type { ClaimRecord, SlotRecord } from '../../domain/types';
import type { PlaceMember } from '../ports';
import { changePlaces, type PlacesDeps } from './places-change';
import { prune, settle } from './places-standing';
import { refusalOf, slotOf } from './places-rules';

/**
 * Places of slots of several places: "a slot never has more places taken
 * than its capacity", decided by the database on any MongoDB-wire backend.
 *
 * Each slot has a ledger (`slot_places`): entry n lists every member (claim,
 * user, places) after change n, and every entry respects the capacity.
 * Change n+1 is decided by inserting entry `<slot>:<n+1>` (a unique `_id`:
 * one winner per n, atomically, where a conditional update is not atomic);
 * a loser reads the winner's entry and decides again on it. The slot's
 * `placesTaken`/`placesRev` are a projection written afterwards, used only as
 * the place to start reading (the ledger is walked forward from it), so a
 * stale or reverted projection cannot hand a place out twice.
 *
 * A claim is active on such a slot only while it is a member:
 * - joining: the member is added first, the claim written after (a crash in
 *   between leaves a member without a claim: places taken that are free, the
 *   safe direction; the reconciler fences the claim id with a VOID record
 *   after a grace time, then drops the member);
 * - leaving (cancel, release, expiry, a move away): the claim's transition
 *   first, then a new entry without the member (a crash in between leaves
 *   places taken that are free, repaired by the next decision on the slot
 *   for expired holds, by the reconciler otherwise).
 * So the places of active claims never exceed the capacity.
 */
export class SlotPlaces {
  constructor(private readonly deps: PlacesDeps) {}

  /**
   * Takes `member.places` places of `slot` for a new member, whose claim is
   * written next: SLOT_FULL, NOT_ENOUGH_PLACES or ALREADY_BOOKED when it does
   * not fit. The slot as the projection write left it (no reading it again),
   * and `undo`, to remove the member again if its claim could not be written
   * (once that claim is known never to become active here; a failure is left
   * to the reconciler).
   */
  async join(
    slot: SlotRecord,
    member: Omit<PlaceMember, 'since'>,
  ): Promise<{ slot: SlotRecord; undo(): Promise<void> }> {
    this.deps.gate.markPlaces(slot.id);
    const { entry, projected } = await changePlaces(this.deps, slot, async (current, now) => {
      if (current.members.some((m) => m.claimId === member.claimId)) return { none: true }; // a retry resumes
      let members = [...current.members];
      const fits = (): DomainError | null => refusalOf(members, slot, member);
      if (fits() !== null) {
        // Holds that have expired give their places back before any "no".
        const pruned = await prune(this.deps, slot, members, now);
        if (pruned) members = pruned;
      }
      const refusal = fits();
      if (refusal) throw refusal;
      return { members: [...members, { ...member, since: now }] };
    });
    return {
      slot: projected ?? slotOf(slot, entry),
      undo: () =>
        this.leave(slot.id, member.claimId).then(
          () => undefined,
          () => undefined,
        ),
    };
  }

  /**
   * Removes `claimId` from the slot's members once its claim is not active
   * there (call it after the claim's transition: cancelled, released,
   * expired, moved away). The slot as written (or as read), null if gone.
   */
  async leave(slotId: string, claimId: string, known?: ClaimRecord): Promise<SlotRecord | null> {
    const slot = await this.deps.slots.findById(slotId);
    if (!slot || slot.capacity === 1) return slot;
    const { written, projected } = await changePlaces(this.deps, slot, async (current, now) => {
      const at = current.members.findIndex((m) => m.claimId === claimId);
      if (at < 0) return { none: true };
      const standing = await settle(this.deps, slot, current.members[at]!, now, known);
      if (!('drop' in standing)) return { none: true };
      return { members: current.members.filter((_, i) => i !== at) };
    });
    if (written) this.deps.gate.clearTaken(slotId);
    return projected ?? slot;
  }

  /** A confirmed hold's member counts as an appointment (no expiry) from now on. */
  async confirmed(slotId: string, claimId: string): Promise<SlotRecord | null> {
    const slot = await this.deps.slots.findById(slotId);
    if (!slot || slot.capacity === 1) return slot;
    const { projected } = await changePlaces(this.deps, slot, (current) => {
      const members = current.members.map((m) =>
        m.claimId === claimId && m.expiresAt !== null ? { ...m, expiresAt: null } : m,
      );
      return Promise.resolve(
        members.some((m, i) => m !== current.members[i]) ? { members } : ({ none: true } as const),
      );
    });
    return projected ?? slot;
  }

  /**
   * Reconciler: drops members whose claim is not active on the slot (a crash
   * between a transition and its entry; a member whose claim never came,
   * once older than `graceMs`), and brings the projection up to date. How
   * many members were dropped.
   */
  async audit(slotId: string, graceMs: number): Promise<number> {
    const slot = await this.deps.slots.findById(slotId);
    if (!slot || slot.capacity === 1) return 0;
    let dropped = 0;
    const { written } = await changePlaces(this.deps, slot, async (current, now) => {
      dropped = 0;
      const members: PlaceMember[] = [];
      for (const m of current.members) {
        const young = now.getTime() - m.since.getTime() < graceMs;
        const standing = young ? { keep: m } : await settle(this.deps, slot, m, now);
        if ('drop' in standing) dropped += 1;
        else members.push('keep' in standing ? standing.keep : m);
      }
      const changed = dropped > 0 || members.some((m, i) => m !== current.members[i]);
      return changed ? { members } : { none: true };
    });
    if (written) this.deps.gate.clearTaken(slotId);
    return written ? dropped : 0;
  }
}
