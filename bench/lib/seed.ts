/**
 * Seeding for the growth benchmark: months of history (mostly past slots and
 * their appointments, cancelled ones among them, and a day of request ids),
 * written by the service's own repository code (MongoSlotRepository,
 * MongoClaimRepository, MongoIdempotencyStore, and the booking service's
 * `newClaim`) against an in-memory store (seed-store.ts), then inserted with
 * the driver in big unordered batches. The documents therefore have whatever
 * shape the service writes today.
 *
 * The database grows in place: `growTo(n)` adds history further back in time
 * until slots, appointments and request_log each hold `n` documents.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { planSlots, type PlannedSlot } from '../../src/domain/slot-plan';
import type { ClaimRecord, SlotRecord } from '../../src/domain/types';
import { MongoClaimRepository } from '../../src/infra/mongo/claim.repository';
import { MongoIdempotencyStore } from '../../src/infra/mongo/idempotency.repository';
import { MongoSlotRepository } from '../../src/infra/mongo/slot.repository';
import { newClaim } from '../../src/use-cases/claims/new-claim';
import { ObjectId, type Db } from './docs';
import { seedStore, type SeedStore } from './seed-store';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface SeedService {
  id: string;
  timeZone: string;
  openingMinute: number;
  closingMinute: number;
  slotDurationMinutes: number;
}

export interface SeedOptions {
  services: SeedService[];
  /** The user whose history is listed: gets this many claims, in the first growth step only. */
  historyUser: string;
  historyClaims: number;
  /** Other users: `u-0` .. `u-(users-1)`. */
  users: number;
  /** Documents per insertMany. */
  batch: number;
  log(line: string): void;
}

export interface Counts {
  slots: number;
  appointments: number;
  request_log: number;
}

/**
 * The one place where the seeding calls the repositories' writes. When their
 * signatures change (a service's time zone for a day key, say), this is what
 * to update.
 */
class Writers {
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

  /** A booking: the slot taken, then the appointment recorded (as the claim core's SlotClaim take and commit do). */
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

type Kind = 'booked' | 'cancelled' | 'rebooked' | 'none';

/** Of every 20 past slots: 15 booked, 3 with a cancelled appointment, 2 never booked. */
const PATTERN: Kind[] = [
  ...Array<Kind>(15).fill('booked'),
  ...Array<Kind>(3).fill('cancelled'),
  ...Array<Kind>(2).fill('none'),
];
const claimsOf = (k: Kind): number => (k === 'rebooked' ? 2 : k === 'none' ? 0 : 1);

export class GrowthSeeder {
  private readonly store = seedStore();
  private readonly w = new Writers(this.store);
  /** The next past day to fill, counting back from yesterday (0). */
  private pastDay = 0;
  /** Slots of the current past day not yet used (a day's plan is used across growth steps). */
  private pending: { service: SeedService; planned: PlannedSlot[] }[] = [];
  private historyLeft: number;
  private nextFutureDay = 2;
  private readonly appointmentSample: string[] = [];

  constructor(
    private readonly db: Db,
    private readonly opts: SeedOptions,
    private readonly now = new Date(),
  ) {
    this.historyLeft = opts.historyClaims;
  }

  async counts(): Promise<Counts> {
    const n = (c: string): Promise<number> => this.db.collection(c).estimatedDocumentCount();
    return {
      slots: await n('slots'),
      appointments: await n('appointments'),
      request_log: await n('request_log'),
    };
  }

  /** Ids of seeded appointments across the whole history (for GetAppointment). */
  sampleAppointments(): string[] {
    return [...this.appointmentSample];
  }

  /**
   * `days` future days of AVAILABLE slots for `service` (the measured
   * operations take these), each day starting after the previous call's.
   */
  async futureSlots(service: SeedService, days: number): Promise<SlotRecord[][]> {
    const out: SlotRecord[][] = [];
    for (let i = 0; i < days; i++) {
      const date = this.localDate(this.nextFutureDay++);
      out.push(await this.w.generate(service, this.plan(service, date), new Date(this.now.getTime() - HOUR)));
    }
    await this.flush();
    return out;
  }

  /** Adds history until each collection holds at least `target` documents. */
  async growTo(target: number): Promise<{ added: Counts; seconds: number }> {
    const t0 = Date.now();
    const have = await this.counts();
    const slotsNeeded = Math.max(0, target - have.slots);
    const claimsNeeded = Math.max(0, target - have.appointments);
    const requestsNeeded = Math.max(0, target - have.request_log);
    const kinds = this.kinds(slotsNeeded, claimsNeeded);
    let done = 0;
    let claims = 0;
    while (done < slotsNeeded) {
      const n = Math.min(this.opts.batch, slotsNeeded - done);
      for (const [service, planned] of this.nextPast(n)) {
        // Slots are generated a few weeks ahead of their day.
        const generatedAt = new Date(planned[0]!.startTime.getTime() - 42 * DAY);
        for (const slot of await this.w.generate(service, planned, generatedAt)) {
          claims += await this.history(slot, kinds[done++]!);
        }
      }
      await this.flush();
      if (done % (this.opts.batch * 4) === 0 || done === slotsNeeded)
        this.opts.log(`seed: ${done}/${slotsNeeded} slots, ${claims} appointments`);
    }
    // Request ids are kept for a day (REQUEST_ID_RETENTION_MS): the last 20 hours of them.
    for (let i = 0; i < requestsNeeded; i++) {
      await this.w.request(
        `u-${i % this.opts.users}`,
        new ObjectId().toHexString(),
        new Date(this.now.getTime() - Math.random() * 20 * HOUR),
      );
      if ((i + 1) % this.opts.batch === 0) await this.flush();
    }
    await this.flush();
    return {
      added: { slots: slotsNeeded, appointments: claims, request_log: requestsNeeded },
      seconds: (Date.now() - t0) / 1000,
    };
  }

  /** What happens to each new past slot, so that appointments reach their target too. */
  private kinds(slots: number, claims: number): Kind[] {
    const kinds = Array.from({ length: slots }, (_, i) => PATTERN[i % PATTERN.length]!);
    let diff = claims - kinds.reduce((a, k) => a + claimsOf(k), 0);
    const booked = kinds.flatMap((k, i) => (k === 'booked' ? [i] : []));
    // More claims wanted: some booked slots were cancelled and booked again; fewer: some never booked.
    const change = Math.min(Math.abs(diff), booked.length);
    for (let j = 0; j < change; j++) {
      const i = booked[Math.floor((j * booked.length) / change)]!;
      kinds[i] = diff > 0 ? 'rebooked' : 'none';
    }
    diff -= Math.sign(diff) * change;
    if (diff > 0) this.opts.log(`seed: ${diff} appointments short of the target (not enough slots)`);
    return kinds;
  }

  /** One past slot's history; returns the appointments it made. */
  private async history(slot: SlotRecord, kind: Kind): Promise<number> {
    if (kind === 'none') return 0;
    const start = slot.startTime.getTime();
    // Booked between two weeks and an hour before the slot (never in the future).
    const bookedAt = (): Date =>
      new Date(Math.min(start - HOUR - Math.random() * 14 * DAY, this.now.getTime() - HOUR));
    const first = await this.w.book(slot, this.user(), bookedAt());
    this.sample(first.claim.id);
    if (kind === 'booked') return 1;
    const cancelledAt = new Date(
      first.claim.createdAt.getTime() + Math.random() * (start - first.claim.createdAt.getTime()) * 0.5,
    );
    const freed = await this.w.cancel(first.slot, first.claim, cancelledAt);
    if (kind === 'cancelled') return 1;
    const againAt = new Date(cancelledAt.getTime() + Math.random() * (start - cancelledAt.getTime()) * 0.5);
    const second = await this.w.book(freed, this.user(), againAt);
    this.sample(second.claim.id);
    return 2;
  }

  private user(): string {
    if (this.historyLeft > 0) {
      this.historyLeft -= 1;
      return this.opts.historyUser;
    }
    return `u-${Math.floor(Math.random() * this.opts.users)}`;
  }

  private sample(id: string): void {
    // A reservoir of 1,000 ids drawn over the whole history.
    if (this.appointmentSample.length < 1_000) this.appointmentSample.push(id);
    else if (Math.random() < 0.01) this.appointmentSample[Math.floor(Math.random() * 1_000)] = id;
  }

  /** The next `n` past slots, newest days first, every service each day. */
  private nextPast(n: number): [SeedService, PlannedSlot[]][] {
    const out: [SeedService, PlannedSlot[]][] = [];
    let left = n;
    while (left > 0) {
      if (this.pending.length === 0) {
        const date = this.localDate(-1 - this.pastDay++);
        this.pending = this.opts.services.map((service) => ({ service, planned: this.plan(service, date) }));
      }
      const next = this.pending[0]!;
      const take = next.planned.splice(0, left);
      if (next.planned.length === 0) this.pending.shift();
      if (take.length) out.push([next.service, take]);
      left -= take.length;
    }
    return out;
  }

  private plan(service: SeedService, date: { year: number; month: number; day: number }): PlannedSlot[] {
    return planSlots({
      timeZone: service.timeZone,
      openingMinute: service.openingMinute,
      closingMinute: service.closingMinute,
      slotDurationMinutes: service.slotDurationMinutes,
      startDate: date,
      endDate: date,
    });
  }

  private localDate(offsetDays: number): { year: number; month: number; day: number } {
    const d = new Date(this.now.getTime() + offsetDays * DAY);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  }

  /** Inserts what the repositories wrote since the last flush, in unordered batches. */
  private async flush(): Promise<void> {
    // Applied transitions' entries are deleted in batches: settle them before taking the documents.
    await this.w.claims.flushApplied();
    for (const [collection, docs] of Object.entries(this.store.take())) {
      for (let i = 0; i < docs.length; i += this.opts.batch)
        await this.db
          .collection(collection)
          .insertMany(docs.slice(i, i + this.opts.batch) as never[], { ordered: false });
    }
  }
}
