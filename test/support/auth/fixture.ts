/**
 * The app the authentication tests call: a real server with HS256 bearer
 * tokens on (issuer and audience checked, 30 s clock skew, at most two watch
 * streams per principal), logging into a LogSink; a token for each kind of
 * caller; a service owned by the `provider` caller with fresh slots to spend;
 * and an appointment of alice's. Every token minted through it is recorded,
 * to check that none reaches the logs.
 */
import * as grpc from '@grpc/grpc-js';
import { WatchSlotAvailabilityRequest } from '../../../src/gen/booking/v1/booking_service';
import { futureDate, listAllSlots, serviceInput } from '../../factories';
import { rpc, type Rpc, type TestApp } from '../harness';
import { LogSink, startLoggedApp } from '../log-sink';
import { around, type Outcome } from '../outcomes';
import { bearer, hsAuthEnv, hsToken, newHsAuth, type TokenOptions } from '../tokens';
import { Watch, WatchEventType } from '../watch-client';

export type Caller = 'admin' | 'provider' | 'other provider' | 'service' | 'user' | 'no role' | 'no token';
export const CALLERS: Caller[] = [
  'admin',
  'provider',
  'other provider',
  'service',
  'user',
  'no role',
  'no token',
];
/** The subject of each caller's token. `provider` owns the test service. */
export const SUBJECT: Record<Caller, string> = {
  admin: 'catalog-admin',
  provider: 'clinic-owner',
  'other provider': 'clinic-other',
  service: 'web-frontend',
  user: 'alice',
  'no role': 'nobody',
  'no token': '',
};
/** The roles in each caller's token (none for 'no role'). */
const ROLES: Record<Exclude<Caller, 'no token'>, string[] | undefined> = {
  admin: ['admin'],
  provider: ['provider'],
  'other provider': ['provider'],
  service: ['service'],
  user: ['user'],
  'no role': undefined,
};
/** The day watches look at; its slots stay out of the fresh-slot pool. */
const WATCH_DAY = 30;

export class AuthFixture {
  readonly auth = newHsAuth(30);
  readonly logs = new LogSink();
  /** Every token minted through `token`, to check none ever reaches the logs. */
  readonly tokensSent = new Set<string>();
  t!: TestApp;
  api!: Rpc;
  serviceId!: string;
  /** An appointment of alice's, booked by the service, for reads. */
  aliceAppointmentId!: string;
  private readonly tokenOf = new Map<Caller, string>();
  private bobToken = '';
  private freeSlots: string[] = [];

  /**
   * Starts the app; mints the callers' tokens; creates the service with the
   * watch day and `slotDays` more days of fresh slots (16 a day); books
   * alice's appointment.
   */
  async start(slotDays: number): Promise<void> {
    this.t = await startLoggedApp(
      { ...hsAuthEnv(this.auth), WATCH_MAX_STREAMS_PER_PRINCIPAL: '2' },
      this.logs,
    );
    this.api = rpc(this.t.client);
    for (const [caller, roles] of Object.entries(ROLES) as [Caller, string[] | undefined][]) {
      this.tokenOf.set(caller, await this.token({ subject: SUBJECT[caller], roles }));
    }
    this.bobToken = await this.token({ subject: 'bob', roles: ['user'] });

    const admin = this.as('admin');
    const created = await this.api.createService(
      { service: serviceInput({ providerId: SUBJECT.provider }) },
      admin,
    );
    const serviceId = (this.serviceId = created.service!.id);
    const [first, last] = [futureDate(WATCH_DAY + 1), futureDate(WATCH_DAY + slotDays)];
    await this.api.generateSlots({ serviceId, startDate: first, endDate: last }, admin);
    const watchDay = futureDate(WATCH_DAY);
    await this.api.generateSlots({ serviceId, startDate: watchDay, endDate: watchDay }, admin);
    const slots = await listAllSlots({ listSlots: (req) => this.api.listSlots(req, admin) }, serviceId);
    // The watch day comes first (16 slots): keep it untouched by the fresh-slot pool.
    this.freeSlots = slots.map((s) => s.id).slice(16);
    this.aliceAppointmentId = await this.bookFor('alice');
  }

  async stop(): Promise<void> {
    await this.t?.stop();
  }

  /** A token of this app, with any part overridden; recorded as sent. */
  async token(o: TokenOptions): Promise<string> {
    const t = await hsToken(this.auth, o);
    this.tokensSent.add(t);
    return t;
  }

  /** The token of `caller`. */
  tokenFor(caller: Exclude<Caller, 'no token'>): string {
    return this.tokenOf.get(caller)!;
  }

  /** Fresh metadata for `caller` (no authorization header for 'no token'). */
  as(caller: Caller): grpc.Metadata {
    return caller === 'no token' ? new grpc.Metadata() : bearer(this.tokenOf.get(caller)!);
  }

  /** Fresh metadata for bob, a second user. */
  asBob(): grpc.Metadata {
    return bearer(this.bobToken);
  }

  /** A slot nobody has touched yet. */
  freshSlot(): string {
    const id = this.freeSlots.shift();
    if (!id) throw new Error('the test ran out of fresh slots: start the fixture with more days');
    return id;
  }

  /** Books a fresh slot for `userId` through the service account; returns the appointment id. */
  async bookFor(userId: string): Promise<string> {
    const res = await this.api.bookSlot({ slotId: this.freshSlot(), userId }, this.as('service'));
    return res.appointment!.id;
  }

  /** Holds a fresh slot for `userId` through the service account. */
  async holdFor(userId: string): Promise<{ slotId: string; holdToken: string }> {
    const slotId = this.freshSlot();
    const res = await this.api.holdSlot({ slotId, userId }, this.as('service'));
    return { slotId, holdToken: res.holdToken };
  }

  /** Runs `action` and returns what the app's database looked like before and after it. */
  around<T>(action: () => Promise<T>): Promise<{ result: T; before: unknown; after: unknown }> {
    return around(this.t.db, action);
  }

  /** Opens a watch on the test service with `metadata`; small snapshot, then SYNCED. */
  openWatch(metadata: grpc.Metadata, label = 'watch'): Watch {
    const day = futureDate(WATCH_DAY);
    const start = new Date(Date.UTC(day.year, day.month - 1, day.day));
    const request = WatchSlotAvailabilityRequest.fromPartial({
      serviceId: this.serviceId,
      startTime: start,
      endTime: new Date(start.getTime() + 3 * 3_600_000),
      sendInitialSnapshot: true,
    });
    return new Watch(this.t.client.watchSlotAvailability(request, metadata), label);
  }

  /** Opens a watch and returns how it went: OK once SYNCED arrived (then it is cancelled), else how it ended. */
  async watchOutcome(metadata: grpc.Metadata): Promise<Outcome> {
    const w = this.openWatch(metadata);
    await w.waitFor(syncedOrEnded, 'SYNCED or the end', { allowEnd: true });
    if (w.ended) return { code: w.end!.code, error: w.end!.error };
    w.cancel();
    return { code: grpc.status.OK, error: null };
  }
}

/** For Watch.waitFor: the stream has sent SYNCED, or has ended. */
export const syncedOrEnded = (w: Watch): boolean =>
  w.ended || w.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED).length > 0;
