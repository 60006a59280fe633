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
import { credentials, Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import type * as pb from '../../src/gen/booking/v1/booking_service';
import { AppointmentStatus, SlotStatus } from '../../src/gen/booking/v1/resources';
import { ErrorInfo } from '../../src/gen/google/rpc/error_details';
import { Status } from '../../src/gen/google/rpc/status';
import { idFromKey } from '../../src/use-cases/shared/idempotency';
import { bump, type Rng, sleep } from './util';

export const OP_KINDS = ['book', 'hold', 'confirm', 'release', 'cancel', 'reschedule', 'read'] as const;
export type OpKind = (typeof OP_KINDS)[number];

export interface Violation {
  invariant: string;
  detail: string;
}

export interface TrafficStats {
  ops: Record<string, number>;
  successes: Record<string, number>;
  /** `kind REASON` -> count of operations that failed definitively. */
  failures: Record<string, number>;
  /** Operations whose outcome stayed ambiguous after all retries, by kind. */
  unknown: Record<string, number>;
  attempts: number;
  /** Retried attempts by what they failed with. */
  retries: Record<string, number>;
  /** Holds: confirmations tried after the hold's expiry on purpose, and how they ended. */
  lateConfirms: { tried: number; refused: number };
  latencyMs: Record<string, number[]>;
  /** Unknown outcomes by the last attempt's answer. */
  unknownLast: Record<string, number>;
  /** Unknown outcomes resolved later by listing: appointments found (adopted), or found absent. */
  resolved: { adopted: number; absent: number };
}

/** What a client was told, for the final check. */
export interface ClientTruth {
  userId: string;
  /** Appointments it was told it holds: id -> the slot it last moved it to. */
  appointments: Map<string, string>;
  /** Appointments it was told it cancelled. */
  cancelled: Set<string>;
  /**
   * Appointments (or confirmed holds) whose state it does not know, since when:
   * an operation on them ended with an unknown outcome. After a quarantine
   * (no attempt of that operation can still be running), the client learns
   * their state by listing its appointments, and adopts those it finds.
   */
  uncertain: Map<string, number>;
  /** Slots it tried to book with an unknown outcome, since when: an appointment there may exist. */
  unknownBookSlots: Map<string, number>;
  /** Appointments already reported as a violation: left out of all further checks. */
  reported: Set<string>;
  /**
   * BookSlot calls that did not succeed, by the id their appointment would
   * have (the server names it after the request_id; a hold's is the hold's):
   * the evidence should one turn up after all.
   */
  history: Map<string, string>;
  /** Holds it confirmed: for the expiry rule. */
  confirmedHolds: { id: string; expireMs: number; firstSentMs: number }[];
}

export interface TrafficControl {
  stopped: boolean;
  hardStopMs: number;
}

export interface TrafficOptions {
  serviceId: string;
  slotIds: string[];
  /** The slots among them with several places: bookings and holds of them take parties of 1 or 2. */
  multiSlotIds: string[];
  ports: number[];
  clients: number;
  /** Set `stopped` to end the traffic; operations under way may retry until `hardStopMs`, then give up. */
  control: TrafficControl;
  callTimeoutMs: number;
  maxAttempts: number;
  holdConfirmMarginMs: number;
  maxAppointmentsPerClient: number;
  /** How long after an unknown outcome the client trusts a listing to tell what happened. */
  quarantineMs: number;
  rng: Rng;
  runTag: string;
  /** Told of each online violation as it happens. */
  onViolation?: (v: Violation) => void;
}

const CHANNEL_OPTIONS = {
  // A restarted instance is found again quickly (the defaults back off up to two minutes).
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.min_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 1_000,
  'grpc.enable_retries': 0,
};

interface CallFailure {
  code: Code;
  reason: string;
  message: string;
}

/** Decodes the gRPC status and the ErrorInfo reason of a failed call. */
export function callFailure(err: unknown): CallFailure {
  const e = err as Partial<ServiceError>;
  if (typeof e?.code !== 'number') {
    return { code: Code.UNKNOWN, reason: 'CLIENT_ERROR', message: String(err) };
  }
  const code = e.code;
  let reason = Code[code] ?? String(code);
  const raw = e.metadata?.get('grpc-status-details-bin')[0];
  if (raw) {
    try {
      const st = Status.decode(typeof raw === 'string' ? Buffer.from(raw, 'binary') : raw);
      for (const any of st.details) {
        if (any.typeUrl.endsWith('google.rpc.ErrorInfo')) reason = ErrorInfo.decode(any.value).reason;
      }
    } catch {
      // keep the code name
    }
  }
  return { code, reason, message: e.details ?? '' };
}

/**
 * How an attempt's failure is handled: `clean` failures did nothing and may be
 * retried; `ambiguous` ones may have done some or all of the work (retry with
 * the same request_id to learn the outcome); `final` ones are the answer.
 */
function classify(f: CallFailure): 'clean' | 'ambiguous' | 'final' {
  if (f.code === Code.ABORTED) return f.reason === 'SLOT_BUSY' ? 'clean' : 'final';
  if (f.code === Code.UNAVAILABLE) return f.reason === 'LOCK_UNAVAILABLE' ? 'clean' : 'ambiguous';
  return AMBIGUOUS_CODES.has(f.code) ? 'ambiguous' : 'final';
}

/** No retry starts later than this after the first attempt (the instances remember request_ids for 60 s). */
export const RETRY_BUDGET_MS = 40_000;

const iso = (ms: number): string => new Date(ms).toISOString().slice(11, 23);

const AMBIGUOUS_CODES = new Set<Code>([Code.DEADLINE_EXCEEDED, Code.CANCELLED, Code.UNKNOWN, Code.INTERNAL]);

/** `trail`: each attempt's instance, send time and answer, for violation reports. */
type Outcome<Res> =
  | { ok: true; res: Res; firstSentMs: number; lastReceivedMs: number; trail: string }
  | {
      ok: false;
      unknown: boolean;
      failure: CallFailure;
      firstSentMs: number;
      lastReceivedMs: number;
      trail: string;
    };

type Send<Res> = (client: BookingServiceClient, metadata: Metadata, deadline: Date) => Promise<Res>;

function unary<Req, Res>(
  client: BookingServiceClient,
  method: (
    req: Req,
    md: Metadata,
    opts: { deadline: Date },
    cb: (err: ServiceError | null, res: Res) => void,
  ) => unknown,
  req: Req,
  md: Metadata,
  deadline: Date,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, req, md, { deadline }, (err: ServiceError | null, res: Res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

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

class VirtualClient {
  private holds: { token: string; holdId: string; slotId: string; expireMs: number }[] = [];
  /** How the client came to hold some appointments (confirmed holds), for reports. */
  private readonly acquired = new Map<string, string>();
  /** What a user does right after a hold, mostly: confirm it (or give it back). */
  private followUp: { kind: 'confirm' | 'release'; holdId: string } | null = null;

  constructor(
    private readonly t: Traffic,
    private readonly truth: ClientTruth,
    private readonly rng: Rng,
  ) {}

  async loop(): Promise<void> {
    const { control } = this.t.options;
    // Start spread out, not all at once.
    await sleep(this.rng.between(0, 300));
    while (!control.stopped) {
      const next = this.followUp?.kind;
      const kind = this.dueToResolve() ? 'read' : (next ?? this.choose());
      if (kind !== next) this.followUp = null;
      bump(this.t.stats.ops, kind);
      await this.perform(kind);
    }
  }

  private choose(): OpKind {
    const n = this.truth.appointments.size;
    const max = this.t.options.maxAppointmentsPerClient;
    const kind = this.rng.weighted<OpKind>({
      book: n < max ? 22 : 2,
      hold: this.holds.length < 2 ? 14 : 0,
      confirm: this.holds.length > 0 ? 18 : 0,
      release: this.holds.length > 0 ? 6 : 0,
      cancel: n > 0 ? (n >= max ? 16 : 10) : 0,
      reschedule: n > 0 ? 14 : 0,
      read: 10,
    });
    return kind ?? 'read';
  }

  private lastResolveMs = 0;

  /** Whether an unknown outcome is past its quarantine (and no listing was done lately). */
  private dueToResolve(): boolean {
    const now = Date.now();
    if (now - this.lastResolveMs < 10_000) return false;
    const due = (since: number): boolean => now - since >= this.t.options.quarantineMs;
    return [...this.truth.uncertain.values(), ...this.truth.unknownBookSlots.values()].some(due);
  }

  private async perform(kind: OpKind): Promise<void> {
    if (kind === 'read' && this.dueToResolve()) {
      this.lastResolveMs = Date.now();
      return this.readMine();
    }
    switch (kind) {
      case 'book':
        return this.book();
      case 'hold':
        return this.hold();
      case 'confirm':
        return this.confirm();
      case 'release':
        return this.release();
      case 'cancel':
        return this.cancel();
      case 'reschedule':
        return this.reschedule();
      case 'read':
        return this.read();
    }
  }

  private record(kind: OpKind, outcome: Outcome<unknown>): void {
    if (outcome.ok) bump(this.t.stats.successes, kind);
    else if (outcome.unknown) {
      bump(this.t.stats.unknown, kind);
      bump(this.t.stats.unknownLast, `${kind} ${outcome.failure.reason}`);
    } else bump(this.t.stats.failures, `${kind} ${outcome.failure.reason}`);
  }

  private async book(): Promise<void> {
    const { serviceId } = this.t.options;
    const { userId } = this.truth;
    const slotId = this.t.pickTarget(this.rng);
    const requestId = randomUUID();
    const partySize = this.t.partyFor(this.rng, slotId);
    const req: pb.BookSlotRequest = { slotId, userId, serviceId, holdToken: '', requestId, partySize };
    const out = await this.t.call('book', this.rng, requestId, (c, md, deadline) =>
      unary(c, c.bookSlot, req, md, deadline),
    );
    this.record('book', out);
    if (out.ok) {
      const a = out.res.appointment;
      if (
        !a ||
        a.slotId !== slotId ||
        a.userId !== userId ||
        a.status !== AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED
      ) {
        this.t.violation('response', `BookSlot(${slotId}) answered ${JSON.stringify(a)}`, out.trail);
        if (a?.id) this.truth.reported.add(a.id);
        return;
      }
      this.truth.appointments.set(a.id, slotId);
    } else {
      if (out.unknown) this.truth.unknownBookSlots.set(slotId, Date.now());
      const id = idFromKey(`BookSlot:${userId}:${requestId}`);
      this.remember(
        id,
        `BookSlot(slot ${slotId}) answered ${out.unknown ? 'nothing certain' : `${out.failure.reason} "${out.failure.message}"`} [${out.trail}]`,
      );
    }
  }

  private async hold(): Promise<void> {
    const { userId } = this.truth;
    const slotId = this.t.pickTarget(this.rng);
    const ttlSeconds = this.rng.int(1, 3);
    const requestId = randomUUID();
    const partySize = this.t.partyFor(this.rng, slotId);
    const req: pb.HoldSlotRequest = { slotId, userId, ttlSeconds, requestId, partySize };
    const out = await this.t.call('hold', this.rng, requestId, (c, md, deadline) =>
      unary(c, c.holdSlot, req, md, deadline),
    );
    this.record('hold', out);
    if (!out.ok) return; // an unknown hold just expires: nobody has its token
    const expireMs = out.res.expireTime?.getTime() ?? 0;
    const holdId = out.res.holdToken.split('.')[0] ?? '';
    if (expireMs > out.lastReceivedMs + ttlSeconds * 1000 + 5) {
      this.t.violation(
        'hold expiry',
        `HoldSlot(${slotId}, ttl ${ttlSeconds}s) granted until ${new Date(expireMs).toISOString()}, ` +
          `longer than asked (answered at ${new Date(out.lastReceivedMs).toISOString()})`,
        out.trail,
      );
    }
    this.holds.push({ token: out.res.holdToken, holdId, slotId, expireMs });
    const r = this.rng.next();
    if (r < 0.6) this.followUp = { kind: 'confirm', holdId };
    else if (r < 0.7) this.followUp = { kind: 'release', holdId };
  }

  private takeHold(): { token: string; holdId: string; slotId: string; expireMs: number } | undefined {
    if (this.holds.length === 0) return undefined;
    const wanted = this.followUp ? this.holds.findIndex((h) => h.holdId === this.followUp?.holdId) : -1;
    this.followUp = null;
    const i = wanted >= 0 ? wanted : this.rng.int(0, this.holds.length - 1);
    return this.holds.splice(i, 1)[0];
  }

  private async confirm(): Promise<void> {
    const h = this.takeHold();
    if (!h) return;
    const { userId } = this.truth;
    const { holdConfirmMarginMs } = this.t.options;
    // Now and then aim at the expiry on purpose: just before it, or just after.
    if (this.rng.chance(0.2)) {
      const target = h.expireMs + this.rng.between(-400, 400);
      await sleep(Math.min(target - Date.now(), 3_000));
    }
    const late = Date.now() >= h.expireMs;
    if (late) this.t.stats.lateConfirms.tried += 1;
    const requestId = randomUUID();
    const req: pb.BookSlotRequest = {
      slotId: h.slotId,
      userId,
      serviceId: '',
      holdToken: h.token,
      requestId,
      partySize: 0,
    };
    const out = await this.t.call('confirm', this.rng, requestId, (c, md, deadline) =>
      unary(c, c.bookSlot, req, md, deadline),
    );
    this.record('confirm', out);
    if (out.ok) {
      const a = out.res.appointment;
      if (
        !a ||
        a.id !== h.holdId ||
        a.slotId !== h.slotId ||
        a.status !== AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED
      ) {
        this.t.violation('response', `BookSlot(hold ${h.holdId}) answered ${JSON.stringify(a)}`, out.trail);
        this.truth.reported.add(h.holdId);
        return;
      }
      if (out.firstSentMs >= h.expireMs) {
        this.t.violation(
          'hold expiry',
          `honoured past its expiry: hold ${h.holdId} on slot ${h.slotId} expired at ${new Date(h.expireMs).toISOString()}, ` +
            `confirmation first sent at ${new Date(out.firstSentMs).toISOString()} succeeded`,
          out.trail,
        );
      }
      this.truth.appointments.set(a.id, h.slotId);
      this.truth.confirmedHolds.push({ id: a.id, expireMs: h.expireMs, firstSentMs: out.firstSentMs });
      this.acquired.set(
        a.id,
        `confirmed hold (expires ${iso(h.expireMs)}, confirmation sent ${iso(out.firstSentMs)}, ` +
          `answered OK ${iso(out.lastReceivedMs)} [${out.trail}])`,
      );
    } else if (out.unknown) {
      this.truth.uncertain.set(h.holdId, Date.now());
    } else {
      this.remember(
        h.holdId,
        `BookSlot(slot ${h.slotId}, hold ${h.holdId}) answered ${out.failure.reason} "${out.failure.message}" [${out.trail}]`,
      );
      if (late) this.t.stats.lateConfirms.refused += 1;
      const reason = out.failure.reason;
      // The server's clock read happened before the answer arrived: answered
      // before expiry - margin means the hold still had more than the margin left.
      if (
        (reason === 'HOLD_EXPIRED' || reason === 'HOLD_NOT_FOUND') &&
        out.lastReceivedMs < h.expireMs - holdConfirmMarginMs - 5
      ) {
        this.t.violation(
          'hold expiry',
          `not honoured before its expiry: hold ${h.holdId} on slot ${h.slotId} (expires ${new Date(h.expireMs).toISOString()}) was refused ` +
            `with ${reason} at ${new Date(out.lastReceivedMs).toISOString()}`,
          out.trail,
        );
      }
    }
  }

  private async release(): Promise<void> {
    const h = this.takeHold();
    if (!h) return;
    const req: pb.ReleaseHoldRequest = { holdToken: h.token, userId: this.truth.userId };
    // ReleaseHold has no request_id: it is idempotent by itself.
    const out = await this.t.call('release', this.rng, null, (c, md, deadline) =>
      unary(c, c.releaseHold, req, md, deadline),
    );
    this.record('release', out);
    if (!out.ok && !out.unknown) {
      this.t.violation(
        'response',
        `ReleaseHold(${h.holdId}) failed: ${out.failure.reason} ${out.failure.message}`,
        out.trail,
      );
    }
  }

  private pickAppointment(): [string, string] | undefined {
    const entries = [...this.truth.appointments.entries()];
    return entries.length > 0 ? this.rng.pick(entries) : undefined;
  }

  /** The client was told `id` is its confirmed appointment, and the server says otherwise. */
  /** Notes a call on `id` that did not succeed, as evidence for a later contradiction. */
  private remember(id: string, what: string): void {
    const before = this.truth.history.get(id);
    this.truth.history.set(id, before ? `${before}; then ${what}` : what);
  }

  /**
   * Reports that the server contradicts what the client was told about `id`,
   * then goes on from what the server says now (`listedOn`: the appointment
   * is CONFIRMED there), or, not knowing, treats it as an unknown outcome, so
   * that the run keeps its slots in use and reports each contradiction once.
   */
  private contradicted(id: string, what: string, trail?: string, listedOn?: string): void {
    const earlier = this.truth.history.get(id);
    const how = this.acquired.get(id);
    this.t.violation(
      'acknowledged',
      `appointment ${id} of ${this.truth.userId}${how ? `, a ${how}` : ''}: ${what}` +
        (earlier ? ` (earlier: ${earlier})` : ''),
      trail,
    );
    this.truth.history.delete(id);
    this.truth.appointments.delete(id);
    if (listedOn) this.truth.appointments.set(id, listedOn);
    else this.truth.uncertain.set(id, Date.now());
  }

  private async cancel(): Promise<void> {
    const picked = this.pickAppointment();
    if (!picked) return;
    const [id] = picked;
    const requestId = randomUUID();
    const req: pb.CancelAppointmentRequest = {
      appointmentId: id,
      userId: this.truth.userId,
      reason: 'chaos',
      requestId,
    };
    const out = await this.t.call('cancel', this.rng, requestId, (c, md, deadline) =>
      unary(c, c.cancelAppointment, req, md, deadline),
    );
    this.record('cancel', out);
    if (out.ok) {
      this.truth.appointments.delete(id);
      if (out.res.appointment?.status !== AppointmentStatus.APPOINTMENT_STATUS_CANCELLED) {
        this.t.violation(
          'response',
          `CancelAppointment(${id}) answered ${JSON.stringify(out.res.appointment)}`,
          out.trail,
        );
        this.truth.reported.add(id);
      } else {
        this.truth.cancelled.add(id);
      }
    } else if (out.unknown) {
      this.truth.appointments.delete(id);
      this.truth.uncertain.set(id, Date.now());
    } else {
      this.contradicted(
        id,
        `CancelAppointment failed with ${out.failure.reason}: ${out.failure.message}`,
        out.trail,
      );
    }
  }

  private async reschedule(): Promise<void> {
    const picked = this.pickAppointment();
    if (!picked) return;
    const [id, from] = picked;
    const to = this.t.pickTarget(this.rng, from);
    const requestId = randomUUID();
    const req: pb.RescheduleAppointmentRequest = {
      appointmentId: id,
      userId: this.truth.userId,
      newSlotId: to,
      requestId,
    };
    const out = await this.t.call('reschedule', this.rng, requestId, (c, md, deadline) =>
      unary(c, c.rescheduleAppointment, req, md, deadline),
    );
    this.record('reschedule', out);
    if (out.ok) {
      const a = out.res.appointment;
      if (a?.slotId !== to || a.status !== AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED) {
        this.t.violation(
          'response',
          `RescheduleAppointment(${id} -> ${to}) answered ${JSON.stringify(a)}`,
          out.trail,
        );
        this.truth.appointments.delete(id);
        this.truth.reported.add(id);
        return;
      }
      this.truth.appointments.set(id, to);
    } else if (out.unknown) {
      this.truth.appointments.delete(id);
      this.truth.uncertain.set(id, Date.now());
    } else if (out.failure.reason === 'SAME_SLOT') {
      // `to` differs from where the client was told the appointment is: the
      // server says it is on `to` already, so this very request (an earlier
      // attempt of it) moved it, and the answer is a failure.
      this.contradicted(
        id,
        `RescheduleAppointment(-> ${to}) answered SAME_SLOT ("${out.failure.message}"), but the client ` +
          `was told it is on ${from}: a retry of a move that took effect was answered as a failure`,
        out.trail,
      );
    } else if (
      ['APPOINTMENT_ALREADY_CANCELLED', 'APPOINTMENT_NOT_FOUND', 'NOT_APPOINTMENT_OWNER'].includes(
        out.failure.reason,
      )
    ) {
      this.contradicted(
        id,
        `RescheduleAppointment(${from} -> ${to}) failed with ${out.failure.reason}: ${out.failure.message}`,
        out.trail,
      );
    }
    // Other refusals (the slot is taken, past, busy for too long) leave it where it was.
    if (!out.ok) {
      this.remember(
        id,
        `RescheduleAppointment(${from} -> ${to}) answered ${out.unknown ? 'nothing certain' : `${out.failure.reason} "${out.failure.message}"`} [${out.trail}]`,
      );
    }
  }

  private async read(): Promise<void> {
    // ListAppointments is the rarest: on FerretDB it scans the whole collection.
    const r = this.rng.next();
    if (r < 0.45) return this.readSlots();
    if (r < 0.85 && this.truth.appointments.size > 0) return this.readOne();
    return this.readMine();
  }

  private async readSlots(): Promise<void> {
    const req: pb.ListSlotsRequest = {
      serviceId: this.t.options.serviceId,
      startTime: undefined,
      endTime: undefined,
      status: SlotStatus.SLOT_STATUS_AVAILABLE,
      pageSize: 500,
      pageToken: '',
    };
    const out = await this.t.call('read', this.rng, null, (c, md, deadline) =>
      unary(c, c.listSlots, req, md, deadline),
    );
    this.record('read', out);
    if (out.ok) {
      const pool = new Set(this.t.options.slotIds);
      this.t.setHints(out.res.slots.map((s) => s.id).filter((id) => pool.has(id)));
    }
  }

  /** Reads one of its appointments back: it must be confirmed, on the slot it was last moved to. */
  private async readOne(): Promise<void> {
    const picked = this.pickAppointment();
    if (!picked) return;
    const [id, slotId] = picked;
    const req: pb.GetAppointmentRequest = { appointmentId: id };
    const out = await this.t.call('read', this.rng, null, (c, md, deadline) =>
      unary(c, c.getAppointment, req, md, deadline),
    );
    this.record('read', out);
    if (!out.ok) {
      if (!out.unknown) this.contradicted(id, `GetAppointment failed with ${out.failure.reason}`, out.trail);
      return;
    }
    const a = out.res.appointment;
    if (a?.status !== AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED || a.slotId !== slotId) {
      this.contradicted(
        id,
        `read back as ${AppointmentStatus[a?.status ?? 0]} on slot ${a?.slotId}, expected CONFIRMED on ${slotId}`,
        out.trail,
        a?.status === AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED ? a.slotId : undefined,
      );
    }
  }

  /** Lists its confirmed appointments: exactly those it holds, plus perhaps those it cannot know about. */
  private async readMine(): Promise<void> {
    const { userId } = this.truth;
    const req: pb.ListAppointmentsRequest = {
      userId,
      status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
      pageSize: 100,
      pageToken: '',
    };
    const out = await this.t.call('read', this.rng, null, (c, md, deadline) =>
      unary(c, c.listAppointments, req, md, deadline),
    );
    this.record('read', out);
    if (!out.ok) return;
    const listed = new Map(out.res.appointments.map((a) => [a.id, a.slotId]));
    for (const [id, slotId] of [...this.truth.appointments]) {
      if (!listed.has(id)) this.contradicted(id, 'missing from ListAppointments(CONFIRMED)', out.trail);
      else if (listed.get(id) !== slotId)
        this.contradicted(
          id,
          `listed on slot ${listed.get(id)}, expected ${slotId}`,
          out.trail,
          listed.get(id),
        );
    }
    // Unknown outcomes past their quarantine: what is listed now is what the client holds.
    const { quarantineMs } = this.t.options;
    const settled = (since: number | undefined): boolean =>
      since !== undefined && out.firstSentMs - since >= quarantineMs;
    for (const [id, slotId] of listed) {
      if (this.truth.appointments.has(id) || this.truth.reported.has(id)) continue;
      const since = this.truth.uncertain.get(id) ?? this.truth.unknownBookSlots.get(slotId);
      if (since !== undefined) {
        if (settled(since)) {
          this.truth.appointments.set(id, slotId);
          this.truth.uncertain.delete(id);
          this.t.stats.resolved.adopted += 1;
        }
        continue;
      }
      this.t.violation(
        'acknowledged',
        `phantom: ListAppointments shows ${id} on slot ${slotId} CONFIRMED for ${userId}, who was never told it succeeded` +
          (this.truth.cancelled.has(id) ? ' (and was told it was cancelled)' : '') +
          (this.truth.history.has(id) ? `; it is the appointment of ${this.truth.history.get(id)}` : ''),
        out.trail,
      );
      // Reported once; from now on the client knows it holds it.
      this.truth.history.delete(id);
      this.truth.appointments.set(id, slotId);
    }
    for (const [id, since] of [...this.truth.uncertain]) {
      if (settled(since) && !listed.has(id)) {
        this.truth.uncertain.delete(id);
        this.t.stats.resolved.absent += 1;
      }
    }
    for (const [slotId, since] of [...this.truth.unknownBookSlots]) {
      if (settled(since)) this.truth.unknownBookSlots.delete(slotId);
    }
  }
}
