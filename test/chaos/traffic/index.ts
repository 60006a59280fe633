/**
 * The traffic of a chaos run: virtual clients, each one user, each a loop of
 * random operations (book, hold, confirm a hold, release, cancel, reschedule,
 * read) against a random instance until the deadline. Mutations carry a fresh
 * request_id and are retried with the same request_id on outcomes that may be
 * transient (UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED/SLOT_BUSY, dropped
 * connections), preferably on another instance.
 *
 * Each client keeps what it was told: the appointments it holds (and on which
 * slot), those it cancelled, and what it cannot know (an operation whose
 * outcome stayed ambiguous after all retries). The final check compares that
 * with the database; some checks also run online (a client reading back its
 * own appointments: nobody else may change them).
 */
import { randomUUID } from 'node:crypto';
import { credentials, Metadata, status as Code } from '@grpc/grpc-js';
import { BookingServiceClient } from '../../../src/gen/booking/v1/booking_service';
import { bump, type Rng, sleep } from '../util';
import {
  CHANNEL_OPTIONS,
  callFailure,
  classify,
  iso,
  RETRY_BUDGET_MS,
  type CallFailure,
  type Outcome,
  type Send,
} from './calls';
import { VirtualClient } from './client';
import type { ClientTruth, OpKind, TrafficOptions, TrafficStats, Violation } from './types';

export { callFailure, RETRY_BUDGET_MS } from './calls';
export * from './types';

/** The shared state of all virtual clients. */
export class Traffic {
  readonly stats: TrafficStats = {
    ops: {},
    successes: {},
    failures: {},
    unknown: {},
    attempts: 0,
    retries: {},
    lateConfirms: { tried: 0, refused: 0 },
    latencyMs: {},
    unknownLast: {},
    resolved: { adopted: 0, absent: 0 },
  };
  readonly violations: Violation[] = [];
  readonly truths: ClientTruth[] = [];
  private readonly endpoints: BookingServiceClient[];
  /** Slots recently seen AVAILABLE (any client's ListSlots refreshes it). */
  private hints: string[] = [];

  constructor(private readonly opts: TrafficOptions) {
    this.endpoints = opts.ports.map(
      (port) => new BookingServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), CHANNEL_OPTIONS),
    );
  }

  get totalOps(): number {
    return Object.values(this.stats.ops).reduce((a, b) => a + b, 0);
  }

  async run(): Promise<void> {
    const clients = Array.from({ length: this.opts.clients }, (_, i) => {
      const truth: ClientTruth = {
        userId: `chaos-${this.opts.runTag}-u${i}`,
        appointments: new Map(),
        cancelled: new Set(),
        uncertain: new Map(),
        unknownBookSlots: new Map(),
        reported: new Set(),
        history: new Map(),
        confirmedHolds: [],
      };
      this.truths.push(truth);
      return new VirtualClient(this, truth, this.opts.rng.fork());
    });
    await Promise.all(clients.map((c) => c.loop()));
  }

  close(): void {
    for (const c of this.endpoints) c.close();
  }

  /** An online violation: `invariant` is one of the four of the final check, or `response`. */
  violation(invariant: string, detail: string, trail?: string): void {
    const v = { invariant, detail: `(online) ${detail}${trail ? ` [${trail}]` : ''}` };
    this.violations.push(v);
    this.opts.onViolation?.(v);
  }

  /** A party size for a booking or hold of `slotId`: 1 or 2 on a slot of several places, else 0 (one). */
  partyFor(rng: Rng, slotId: string): number {
    return this.multi.has(slotId) ? rng.int(1, 2) : 0;
  }

  private get multi(): Set<string> {
    this.multiSet ??= new Set(this.opts.multiSlotIds);
    return this.multiSet;
  }

  private multiSet: Set<string> | undefined;

  pickTarget(rng: Rng, not?: string): string {
    const fromHints = this.hints.filter((s) => s !== not);
    if (fromHints.length > 0 && rng.chance(0.7)) return rng.pick(fromHints);
    const pool = this.opts.slotIds.filter((s) => s !== not);
    return rng.pick(pool);
  }

  setHints(slotIds: string[]): void {
    this.hints = slotIds;
  }

  get options(): TrafficOptions {
    return this.opts;
  }

  /**
   * One logical call with bounded retries. `requestId` (mutations) stays the
   * same across attempts. The first attempt goes to a random instance; a retry
   * after an ambiguous failure goes to another one.
   */
  async call<Res>(kind: OpKind, rng: Rng, requestId: string | null, send: Send<Res>): Promise<Outcome<Res>> {
    const { callTimeoutMs, maxAttempts, control } = this.opts;
    let instance = rng.int(0, this.endpoints.length - 1);
    let ambiguous = false;
    let internal = 0;
    let firstSentMs = 0;
    let lastReceivedMs = 0;
    let last: CallFailure = { code: Code.UNKNOWN, reason: 'NOT_SENT', message: '' };
    const started = Date.now();
    const attempts: string[] = [];
    const trail = (): string => `request_id ${requestId ?? '-'}: ${attempts.join(', ')}`;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1 && control.stopped && Date.now() > control.hardStopMs) break;
      // Retries stay well inside the server's request_id retention (REQUEST_ID_RETENTION_MS).
      if (attempt > 1 && Date.now() - started > RETRY_BUDGET_MS) break;
      const md = new Metadata();
      const tag = requestId ?? randomUUID();
      md.set('x-request-id', `${tag}.${attempt}`);
      const sentMs = Date.now();
      if (attempt === 1) firstSentMs = sentMs;
      this.stats.attempts += 1;
      try {
        const res = await send(this.endpoints[instance]!, md, new Date(sentMs + callTimeoutMs));
        lastReceivedMs = Date.now();
        attempts.push(`#${attempt} booking-${instance} ${iso(sentMs)} OK in ${lastReceivedMs - sentMs} ms`);
        (this.stats.latencyMs[kind] ??= []).push(lastReceivedMs - started);
        return { ok: true, res, firstSentMs, lastReceivedMs, trail: trail() };
      } catch (err) {
        lastReceivedMs = Date.now();
        last = callFailure(err);
        attempts.push(
          `#${attempt} booking-${instance} ${iso(sentMs)} ${last.reason} in ${lastReceivedMs - sentMs} ms`,
        );
        const how = classify(last);
        if (how === 'final') {
          (this.stats.latencyMs[kind] ??= []).push(lastReceivedMs - started);
          return { ok: false, unknown: false, failure: last, firstSentMs, lastReceivedMs, trail: trail() };
        }
        if (how === 'ambiguous') ambiguous = true;
        if (last.code === Code.INTERNAL) internal += 1;
        // INTERNAL is the server's own "I do not know": worth a retry or two, not eight.
        if (internal > 2) break;
        bump(this.stats.retries, last.reason);
        if (how === 'ambiguous' || rng.chance(0.3)) {
          // Another instance: this one may be down.
          instance = (instance + rng.int(1, this.endpoints.length - 1)) % this.endpoints.length;
        }
        await sleep(Math.min(50 * 2 ** (attempt - 1), 2_000) * rng.between(0.5, 1.5));
      }
    }
    return { ok: false, unknown: ambiguous, failure: last, firstSentMs, lastReceivedMs, trail: trail() };
  }
}
