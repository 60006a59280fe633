import { DomainError } from '../../domain/errors';
import type { ClaimRecord, SlotRecord } from '../../domain/types';
import type { ClaimUseCaseDeps } from '../booking/deps';
import { insertOrResume } from '../claims/insert-or-resume';
import { newClaim } from '../claims/new-claim';
import { activeService } from '../claims/refusals';
import { newHoldSecret } from '../shared/hold-token';
import { idFromKey } from '../shared/idempotency';
import { holdNotFound, holdView, type HoldView } from './hold-view';

export interface HoldLimits {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
}

export interface HoldSlotCommand {
  slotId: string;
  userId: string;
  ttlSeconds: number;
  requestId: string;
  /** Places to hold (1 unless a party). */
  party: number;
}

/**
 * HoldSlot: a slot kept for one user while they finish booking. A hold is a
 * claim like an appointment (the same unique index arbitrates, through the
 * claim core), with an expiry after which it stops counting, whether or not
 * clean-up has run.
 */
export class HoldSlot {
  constructor(
    private readonly deps: ClaimUseCaseDeps,
    private readonly limits: HoldLimits,
  ) {}

  run(cmd: HoldSlotCommand): Promise<HoldView> {
    const { idempotency } = this.deps;
    const key = idempotency.key('HoldSlot', cmd.userId, cmd.requestId);
    const ttlSeconds = cmd.ttlSeconds === 0 ? this.limits.defaultTtlSeconds : cmd.ttlSeconds;
    if (ttlSeconds > this.limits.maxTtlSeconds) {
      throw new DomainError('INVALID_ARGUMENT', 'ttl_seconds is too long', {}, [
        { field: 'ttl_seconds', description: `must be at most ${this.limits.maxTtlSeconds}` },
      ]);
    }
    return idempotency.run(
      key,
      // Only a party: a request of one keeps the fingerprint it had before parties existed.
      { slotId: cmd.slotId, userId: cmd.userId, ttlSeconds, ...(cmd.party > 1 ? { party: cmd.party } : {}) },
      async () => {
        const id = key ? idFromKey(key) : this.deps.newId();
        return { resultId: id, value: await this.hold(cmd, id, ttlSeconds) };
      },
      async (id) => {
        const claim = await this.deps.claims.findById(id);
        if (!claim || claim.holdSecret === null) throw holdNotFound(cmd.slotId);
        return holdView(this.deps, claim);
      },
    );
  }

  /** Gate, then the slot taken, then the hold written behind the unique index, then unlock. */
  private async hold(cmd: HoldSlotCommand, id: string, ttlSeconds: number): Promise<HoldView> {
    const { core } = this.deps;
    const claim = await core.begin(cmd.slotId);
    try {
      const now = this.deps.clock();
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
      const slot = await claim.take({
        serviceId: null,
        owner: { kind: 'hold', id, expiresAt },
        userId: cmd.userId,
        party: cmd.party,
      });
      const hold = await claim.commit((slot) => this.insert(cmd, id, slot, now, expiresAt));
      if (hold.places === null && hold.expiresAt!.getTime() !== expiresAt.getTime()) {
        // A retry resumed an earlier attempt's hold: the slot shows that hold's expiry.
        await core.reassign(slot.id, hold.id, { kind: 'hold', id, expiresAt: hold.expiresAt! });
      }
      return await holdView(this.deps, hold);
    } finally {
      claim.unlock();
    }
  }

  private async insert(
    cmd: HoldSlotCommand,
    id: string,
    slot: SlotRecord,
    now: Date,
    expiresAt: Date,
  ): Promise<ClaimRecord> {
    await activeService(this.deps.services, slot.serviceId);
    return insertOrResume(
      this.deps.claims,
      newClaim({
        id,
        userId: cmd.userId,
        slot,
        status: 'HELD',
        now,
        expiresAt,
        holdSecret: newHoldSecret(),
        places: slot.capacity > 1 ? cmd.party : null,
      }),
      (existing) =>
        existing.status === 'HELD' && existing.userId === cmd.userId && existing.slotId === slot.id,
    );
  }
}
