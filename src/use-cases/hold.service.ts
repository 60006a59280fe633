import { DomainError } from '../domain/errors';
import { effectiveSlot, type ClaimRecord, type SlotRecord } from '../domain/types';
import { newClaim } from './new-claim';
import { formatHoldToken, newHoldSecret, type HoldToken } from './hold-token';
import { idFromKey, type Idempotency } from './idempotency';
import type { ClaimRepository, Clock, ServiceRepository } from './ports';
import { activeService, type SlotClaims } from './slot-claims';

export interface HoldView {
  token: string;
  expiresAt: Date;
  slot: SlotRecord;
}

export interface HoldLimits {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
}

/**
 * Holds: a slot kept for one user while they finish booking. A hold is a
 * claim like an appointment (the same unique index arbitrates), with an
 * expiry after which it stops counting, whether or not clean-up has run.
 */
export class HoldService {
  constructor(
    private readonly deps: {
      services: Pick<ServiceRepository, 'findById'>;
      slots: { findById(id: string): Promise<SlotRecord | null> };
      claims: ClaimRepository;
      slotClaims: SlotClaims;
      idempotency: Idempotency;
      clock: Clock;
      newId: () => string;
      limits: HoldLimits;
    },
  ) {}

  holdSlot(cmd: {
    slotId: string;
    userId: string;
    ttlSeconds: number;
    requestId: string;
    /** Places to hold (1 unless a party). */
    party: number;
  }): Promise<HoldView> {
    const { idempotency, slotClaims } = this.deps;
    const key = idempotency.key('HoldSlot', cmd.userId, cmd.requestId);
    const ttlSeconds = cmd.ttlSeconds === 0 ? this.deps.limits.defaultTtlSeconds : cmd.ttlSeconds;
    if (ttlSeconds > this.deps.limits.maxTtlSeconds) {
      throw new DomainError('INVALID_ARGUMENT', 'ttl_seconds is too long', {}, [
        { field: 'ttl_seconds', description: `must be at most ${this.deps.limits.maxTtlSeconds}` },
      ]);
    }
    return idempotency.run(
      key,
      // Only a party: a request of one keeps the fingerprint it had before parties existed.
      { slotId: cmd.slotId, userId: cmd.userId, ttlSeconds, ...(cmd.party > 1 ? { party: cmd.party } : {}) },
      async () => {
        const id = key ? idFromKey(key) : this.deps.newId();
        const view = await slotClaims.gated(cmd.slotId, async () => {
          const now = this.deps.clock();
          const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
          const { slot, claim } = await slotClaims.acquire({
            slotId: cmd.slotId,
            serviceId: null,
            owner: { kind: 'hold', id, expiresAt },
            userId: cmd.userId,
            party: cmd.party,
            record: async (slot) => {
              await activeService(this.deps.services, slot.serviceId);
              return slotClaims.insertOrResume(
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
            },
          });
          if (claim.places === null && claim.expiresAt!.getTime() !== expiresAt.getTime()) {
            // A retry resumed an earlier attempt's hold: the slot shows that hold's expiry.
            await slotClaims.reassign(slot.id, claim.id, { kind: 'hold', id, expiresAt: claim.expiresAt! });
          }
          return this.holdView(claim);
        });
        return { resultId: id, value: view };
      },
      async (id) => {
        const claim = await this.deps.claims.findById(id);
        if (!claim || claim.holdSecret === null) throw holdNotFound(cmd.slotId);
        return this.holdView(claim);
      },
    );
  }

  /**
   * Gives a hold back. Releasing a hold that was released or has expired
   * already succeeds (nothing to do); one that was confirmed is refused.
   */
  async releaseHold(cmd: { hold: HoldToken; userId: string }): Promise<SlotRecord> {
    const { claims, clock, slotClaims } = this.deps;
    const released = await claims.releaseHold({
      holdId: cmd.hold.holdId,
      userId: cmd.userId,
      secret: cmd.hold.secret,
      now: clock(),
    });
    const hold = released ?? (await claims.findById(cmd.hold.holdId));
    if (!hold || hold.holdSecret !== cmd.hold.secret || hold.userId !== cmd.userId) throw holdNotFound('');
    if (hold.status === 'CONFIRMED' || hold.status === 'CANCELLED') {
      throw new DomainError('HOLD_ALREADY_USED', 'the hold was confirmed into an appointment', {
        appointmentId: hold.id,
      });
    }
    await slotClaims.leave(hold.slotId, hold, hold.places);
    const slot = await this.deps.slots.findById(hold.slotId);
    if (!slot) throw holdNotFound(hold.slotId);
    return effectiveSlot(slot, clock());
  }

  private async holdView(claim: ClaimRecord): Promise<HoldView> {
    const slot = await this.deps.slots.findById(claim.slotId);
    if (!slot) throw holdNotFound(claim.slotId);
    return {
      token: formatHoldToken({ holdId: claim.id, secret: claim.holdSecret! }),
      expiresAt: claim.expiresAt!,
      slot: effectiveSlot(slot, this.deps.clock()),
    };
  }
}

const holdNotFound = (slotId: string): DomainError =>
  new DomainError('HOLD_NOT_FOUND', 'no hold of this user matches hold_token', slotId ? { slotId } : {});
