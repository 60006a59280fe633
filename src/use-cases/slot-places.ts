import { DomainError } from '../domain/errors';
import { isActiveClaim, type ClaimRecord, type SlotRecord } from '../domain/types';
import { refusalOf, slotOf, sumOf, voidClaim } from './places-rules';
import {
  DuplicateClaimIdError,
  type ClaimRepository,
  type Clock,
  type PlaceMember,
  type PlacesEntry,
  type PlacesLedger,
  type SlotEvents,
  type SlotGate,
  type SlotRepository,
} from './ports';

/** The value of a slot's taken marker (SlotGate.markTaken) once no place is left. */
export const FULL_MARKER = '#full';

/**
 * Rounds of "entry n+1 was written by someone else: decide again on it"
 * before a request gives up with SLOT_BUSY. Every lost round is another
 * request's change landing, so the slot moves on; this only bounds one
 * request's patience.
 */
const MAX_ROUNDS = 100;

export interface SlotPlacesDeps {
  ledger: PlacesLedger;
  slots: Pick<SlotRepository, 'findById' | 'project'>;
  claims: ClaimRepository;
  gate: SlotGate;
  events: SlotEvents;
  clock: Clock;
}

/** What deciding a change on entry n came to: a new member list (entry n+1), or nothing to write. */
type Decision = { members: PlaceMember[] } | { none: true };

/** How a member stands, judged from its claim (see settle). */
type Standing = { keep: PlaceMember } | { drop: true } | { unsure: true };

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
  constructor(private readonly deps: SlotPlacesDeps) {}

  /**
   * Takes `member.places` places of `slot` for a new member, then runs
   * `record` (the write of its claim). SLOT_FULL, NOT_ENOUGH_PLACES or
   * ALREADY_BOOKED when it does not fit; if `record` fails, the member is
   * removed again (once its claim is known never to become active here).
   */
  async take(
    slot: SlotRecord,
    member: Omit<PlaceMember, 'since'>,
    record: () => Promise<ClaimRecord>,
  ): Promise<{ slot: SlotRecord; claim: ClaimRecord }> {
    this.deps.gate.markPlaces(slot.id);
    const { entry, projected } = await this.change(slot, async (current, now) => {
      if (current.members.some((m) => m.claimId === member.claimId)) return { none: true }; // a retry resumes
      let members = [...current.members];
      const fits = (): DomainError | null => refusalOf(members, slot, member);
      if (fits() !== null) {
        // Holds that have expired give their places back before any "no".
        const pruned = await this.prune(slot, members, now);
        if (pruned) members = pruned;
      }
      const refusal = fits();
      if (refusal) throw refusal;
      return { members: [...members, { ...member, since: now }] };
    });
    let claim: ClaimRecord;
    try {
      claim = await record();
    } catch (err) {
      await this.leave(slot.id, member.claimId).catch(() => undefined); // else the reconciler
      throw err;
    }
    // The reply shows the slot as the projection write left it (no reading it again).
    return { slot: projected ?? slotOf(slot, entry), claim };
  }

  /**
   * Removes `claimId` from the slot's members once its claim is not active
   * there (call it after the claim's transition: cancelled, released,
   * expired, moved away). The slot as written (or as read), null if gone.
   */
  async leave(slotId: string, claimId: string, known?: ClaimRecord): Promise<SlotRecord | null> {
    const slot = await this.deps.slots.findById(slotId);
    if (!slot || slot.capacity === 1) return slot;
    const { written, projected } = await this.change(slot, async (current, now) => {
      const at = current.members.findIndex((m) => m.claimId === claimId);
      if (at < 0) return { none: true };
      const standing = await this.settle(slot, current.members[at]!, now, known);
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
    const { projected } = await this.change(slot, (current) => {
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
    const { written } = await this.change(slot, async (current, now) => {
      dropped = 0;
      const members: PlaceMember[] = [];
      for (const m of current.members) {
        const young = now.getTime() - m.since.getTime() < graceMs;
        const standing = young ? { keep: m } : await this.settle(slot, m, now);
        if ('drop' in standing) dropped += 1;
        else members.push('keep' in standing ? standing.keep : m);
      }
      const changed = dropped > 0 || members.some((m, i) => m !== current.members[i]);
      return changed ? { members } : { none: true };
    });
    if (written) this.deps.gate.clearTaken(slotId);
    return written ? dropped : 0;
  }

  /**
   * Decides one change of the slot's places: `decide` on the latest entry
   * gives the next member list, inserted as entry n+1; a lost insert means
   * another change won n+1: decide again on it. "Nothing to write" is
   * answered only once entry n is known to be the latest. The projection
   * follows every entry written (and one found behind).
   */
  private async change(
    slot: SlotRecord,
    decide: (current: PlacesEntry, now: Date) => Promise<Decision>,
  ): Promise<{ entry: PlacesEntry; written: boolean; projected: SlotRecord | null }> {
    const { ledger } = this.deps;
    let current =
      (await ledger.read(slot.id, slot.placesRev, slot.capacity)) ??
      (await ledger.read(slot.id, 0, slot.capacity))!;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.deps.clock();
      const decision = await decide(current, now).catch(async (err: unknown) => {
        if (!(err instanceof DomainError)) throw err;
        // A refusal is answered only from the latest entry.
        const next = await ledger.read(slot.id, current.n + 1, slot.capacity);
        if (next) return next;
        await this.project(slot, current, now);
        if (err.reason === 'SLOT_FULL') this.markFull(slot, current);
        throw err;
      });
      if ('slotId' in decision) {
        current = decision;
        continue;
      }
      if ('none' in decision) {
        const next = await ledger.read(slot.id, current.n + 1, slot.capacity);
        if (next) {
          current = next;
          continue;
        }
        const projected = await this.project(slot, current, now);
        return { entry: current, written: false, projected };
      }
      const entry: PlacesEntry = {
        slotId: slot.id,
        n: current.n + 1,
        capacity: slot.capacity,
        members: decision.members,
        at: now,
      };
      if (await ledger.append(entry)) {
        const projected = await this.project(slot, entry, now);
        return { entry, written: true, projected };
      }
      const next = await ledger.read(slot.id, entry.n, slot.capacity);
      if (next) current = next;
    }
    throw new DomainError('SLOT_BUSY', `slot ${slot.id} is being changed by other requests; retry`, {
      slotId: slot.id,
    });
  }

  /**
   * Writes the projection of `entry` if the slot shows an older one, and
   * tells subscribers: the slot as written, or null when not written.
   */
  private async project(slot: SlotRecord, entry: PlacesEntry, now: Date): Promise<SlotRecord | null> {
    if (entry.n <= slot.placesRev) return null;
    const change = await this.deps.slots.project({
      slotId: slot.id,
      n: entry.n,
      taken: sumOf(entry.members),
      held: entry.members
        .filter((m) => m.expiresAt !== null)
        .map((m) => ({ places: m.places, expiresAt: m.expiresAt! })),
      now,
    });
    if (change) this.deps.events.changed(change);
    if (sumOf(entry.members) >= slot.capacity) this.markFull(slot, entry);
    return change?.after ?? null;
  }

  /**
   * The next attempts learn "full" from Redis, not from the database, until
   * a place is given back (leave clears it). Only while no place is held:
   * a hold's places come back by themselves when it expires, with no one to
   * clear the marker.
   */
  private markFull(slot: SlotRecord, entry: PlacesEntry): void {
    if (entry.members.every((m) => m.expiresAt === null)) this.deps.gate.markTaken(slot.id, FULL_MARKER);
  }

  /** Members with holds that have expired, settled: the new list, or null when nothing changed. */
  private async prune(slot: SlotRecord, members: PlaceMember[], now: Date): Promise<PlaceMember[] | null> {
    let changed = false;
    const kept: PlaceMember[] = [];
    for (const m of members) {
      if (m.expiresAt === null || m.expiresAt > now) {
        kept.push(m);
        continue;
      }
      const standing = await this.settle(slot, m, now);
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
  private async settle(slot: SlotRecord, m: PlaceMember, now: Date, known?: ClaimRecord): Promise<Standing> {
    const { claims } = this.deps;
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
}
