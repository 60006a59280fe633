import { unaryCall, type UnaryMethod } from '../../../bench/lib/grpc-calls';
import type { BookingServiceClient } from '../../../src/gen/booking/v1/booking_service';
import type { Rng } from '../util';
import { bump, sleep } from '../util';
import { cancel, book, reschedule } from './bookings';
import type { Outcome } from './calls';
import { confirm, hold, release } from './holds';
import type { Traffic } from './index';
import { read, readMine } from './reads';
import type { ClientTruth, OpKind } from './types';

/** One user of the chaos traffic: a loop of random operations until the traffic stops. */
export class VirtualClient {
  readonly holds: { token: string; holdId: string; slotId: string; expireMs: number }[] = [];
  /** How the client came to hold some appointments (confirmed holds), for reports. */
  readonly acquired = new Map<string, string>();
  /** What a user does right after a hold, mostly: confirm it (or give it back). */
  followUp: { kind: 'confirm' | 'release'; holdId: string } | null = null;

  constructor(
    readonly t: Traffic,
    readonly truth: ClientTruth,
    readonly rng: Rng,
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
      return readMine(this);
    }
    switch (kind) {
      case 'book':
        return book(this);
      case 'hold':
        return hold(this);
      case 'confirm':
        return confirm(this);
      case 'release':
        return release(this);
      case 'cancel':
        return cancel(this);
      case 'reschedule':
        return reschedule(this);
      case 'read':
        return read(this);
    }
  }

  /** One logical call of `kind` (its attempts: Traffic.call), its outcome counted in the stats. */
  async send<Req, Res>(
    kind: OpKind,
    requestId: string | null,
    method: (rpc: BookingServiceClient) => UnaryMethod<Req, Res>,
    req: Req,
  ): Promise<Outcome<Res>> {
    const out = await this.t.call(kind, this.rng, requestId, (rpc, md, deadline) =>
      unaryCall(rpc, method(rpc), req, md, { deadline }),
    );
    this.record(kind, out);
    return out;
  }

  record(kind: OpKind, outcome: Outcome<unknown>): void {
    if (outcome.ok) bump(this.t.stats.successes, kind);
    else if (outcome.unknown) {
      bump(this.t.stats.unknown, kind);
      bump(this.t.stats.unknownLast, `${kind} ${outcome.failure.reason}`);
    } else bump(this.t.stats.failures, `${kind} ${outcome.failure.reason}`);
  }

  pickAppointment(): [string, string] | undefined {
    const entries = [...this.truth.appointments.entries()];
    return entries.length > 0 ? this.rng.pick(entries) : undefined;
  }

  /** The client was told `id` is its confirmed appointment, and the server says otherwise. */
  /** Notes a call on `id` that did not succeed, as evidence for a later contradiction. */
  remember(id: string, what: string): void {
    const before = this.truth.history.get(id);
    this.truth.history.set(id, before ? `${before}; then ${what}` : what);
  }

  /**
   * Reports that the server contradicts what the client was told about `id`,
   * then goes on from what the server says now (`listedOn`: the appointment
   * is CONFIRMED there), or, not knowing, treats it as an unknown outcome, so
   * that the run keeps its slots in use and reports each contradiction once.
   */
  contradicted(id: string, what: string, trail?: string, listedOn?: string): void {
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
}
