/**
 * The one place where the growth seeding (seed.ts) calls the service's
 * repositories' writes, against the in-memory store (seed-store.ts). When
 * their signatures change (a service's time zone for a day key, say), this is
 * what to update.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { PlannedSlot } from '../../src/domain/slot-plan';
import type { ClaimRecord, SlotRecord } from '../../src/domain/types';
import { MongoClaimRepository } from '../../src/infra/mongo/claim.repository';
import { MongoIdempotencyStore } from '../../src/infra/mongo/idempotency.repository';
import { MongoSlotRepository } from '../../src/infra/mongo/slot.repository';
import { newClaim } from '../../src/use-cases/claims/new-claim';
import { ObjectId } from './docs';
import type { SeedStore } from './seed-store';

export interface SeedService {
  id: string;
  timeZone: string;
  openingMinute: number;
  closingMinute: number;
  slotDurationMinutes: number;
}

export class Writers {
  readonly slots: MongoSlotRepository;
  readonly claims: MongoClaimRepository;
  readonly requests: MongoIdempotencyStore;

  constructor(store: SeedStore) {
    this.slots = new MongoSlotRepository(store.models);
    this.claims = new MongoClaimRepository(store.models, {
      rollForwardAfterMs: 5_000,
      pollMs: 1,
      maxRounds: 2,
    });
    this.requests = new MongoIdempotencyStore(store.models);
  }

  async generate(service: SeedService, planned: PlannedSlot[], at: Date): Promise<SlotRecord[]> {
    return (await this.slots.insertMissing(service.id, planned, at, false)).created;
  }

  /** A booking: the slot taken, then the appointment recorded (as SlotClaims.acquire does). */
  async book(slot: SlotRecord, userId: string, at: Date): Promise<{ slot: SlotRecord; claim: ClaimRecord }> {
    const id = new ObjectId().toHexString();
    const change = await this.slots.claim({
      slotId: slot.id,
      owner: { kind: 'appointment', id },
      serviceId: slot.serviceId,
      now: at,
    });
    if (!change) throw new Error(`seeding: could not take slot ${slot.id}`);
    const claim = newClaim({ id, userId, slot: change.after, status: 'CONFIRMED', now: at });
    await this.claims.insert(claim);
    return { slot: change.after, claim };
  }

  /** A cancellation: the appointment cancelled, then the slot given back. */
  async cancel(slot: SlotRecord, claim: ClaimRecord, at: Date): Promise<SlotRecord> {
    const done = await this.claims.cancel({
      appointmentId: claim.id,
      now: at,
      reason: 'plans changed',
      requestKey: null,
    });
    if (!done) throw new Error(`seeding: could not cancel ${claim.id}`);
    const change = await this.slots.reassign({
      slotId: slot.id,
      from: claim.id,
      to: { kind: 'none' },
      now: at,
    });
    if (!change) throw new Error(`seeding: could not free slot ${slot.id}`);
    return change.after;
  }

  async request(userId: string, resultId: string, at: Date): Promise<void> {
    await this.requests.save({
      key: `BookSlot:${userId}:${randomUUID()}`,
      fingerprint: randomBytes(32).toString('base64url'),
      resultId,
      createdAt: at,
    });
  }
}
