/**
 * Security: who may call what. A real server with authentication on (HS256
 * bearer tokens, issuer and audience checked), real MongoDB and Redis:
 *
 *  - every RPC against every kind of caller (admin, the provider owning the
 *    service, another provider, service, user, a token without roles, no
 *    token): allowed calls succeed, refused ones are PERMISSION_DENIED
 *    (ROLE_NOT_ALLOWED, or NOT_SERVICE_OWNER for another provider's service)
 *    / UNAUTHENTICATED and leave the database untouched;
 *  - a user acts only as itself and sees only its own appointments;
 *  - bad tokens of every kind are UNAUTHENTICATED; health and reflection
 *    need none;
 *  - keys from a JWKS file (ES256, RS256) instead of a secret;
 *  - the per-principal limit on watch streams;
 *  - the logs name the caller but never contain a token or the secret.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import mongoose from 'mongoose';
import pino from 'pino';
import { startApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import {
  BookingServiceClient,
  CreateServiceRequest,
  WatchSlotAvailabilityRequest,
} from '../../src/gen/booking/v1/booking_service';
import { AppointmentStatus, SlotStatus } from '../../src/gen/booking/v1/resources';
import { futureDate, listAllSlots, serviceInput } from '../factories';
import {
  decodeError,
  failure,
  mongoUriFor,
  requireEnv,
  rpc,
  uniqueDatabaseName,
  type DecodedError,
  type Rpc,
  type TestApp,
} from '../support/harness';
import {
  authorization,
  bearer,
  hsAuthEnv,
  hsToken,
  newHsAuth,
  unsignedToken,
  type TokenOptions,
} from '../support/tokens';
import { Watch, WatchEventType } from '../support/watch-client';

const BASE_ENV = { RECONCILER_ENABLED: 'false', METRICS_ENABLED: 'false' };

/** Every JSON log line the apps of this file wrote. */
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

/** Like startTestApp, with the app logging at info into `logLines`. */
async function startLoggedApp(env: Record<string, string>): Promise<TestApp> {
  const database = uniqueDatabaseName('auth');
  const mongoUri = mongoUriFor(database);
  const config = loadConfig({
    MONGODB_URI: mongoUri,
    REDIS_URL: requireEnv('REDIS_URL'),
    PORT: '0',
    BIND_HOST: '127.0.0.1',
    SHUTDOWN_GRACE_MS: '2000',
    ...BASE_ENV,
    ...env,
  });
  const app = await startApp(config, {
    logger: pino({ level: 'info', base: { service: 'booking' } }, logSink),
  });
  const target = `127.0.0.1:${app.port}`;
  const client = new BookingServiceClient(target, grpc.credentials.createInsecure());
  const db = await mongoose.createConnection(mongoUri).asPromise();
  return {
    app,
    client,
    target,
    database,
    mongoUri,
    db,
    stop: async () => {
      client.close();
      await app.shutdown('test finished');
      await db.dropDatabase().catch(() => undefined);
      await db.close();
    },
  };
}

const auth = newHsAuth(30);
/** Every token this file sends, to check none ever reaches the logs. */
const tokensSent = new Set<string>();
async function token(o: TokenOptions): Promise<string> {
  const t = await hsToken(auth, o);
  tokensSent.add(t);
  return t;
}

type Caller = 'admin' | 'provider' | 'other provider' | 'service' | 'user' | 'no role' | 'no token';
const CALLERS: Caller[] = ['admin', 'provider', 'other provider', 'service', 'user', 'no role', 'no token'];
/** The subject of each caller's token. `provider` owns the test service. */
const SUBJECT: Record<Caller, string> = {
  admin: 'catalog-admin',
  provider: 'clinic-owner',
  'other provider': 'clinic-other',
  service: 'web-frontend',
  user: 'alice',
  'no role': 'nobody',
  'no token': '',
};
const tokenOf = new Map<Caller, string>();
/** Fresh metadata for `caller` (no authorization header for 'no token'). */
const as = (caller: Caller): grpc.Metadata =>
  caller === 'no token' ? new grpc.Metadata() : bearer(tokenOf.get(caller)!);
let bobToken: string;
const asBob = (): grpc.Metadata => bearer(bobToken);

let t: TestApp;
let api: Rpc;
let serviceId: string;
let freeSlots: string[] = [];
/** An appointment of alice's, booked by the service, for reads. */
let aliceAppointmentId: string;

/** A slot nobody has touched yet. */
function freshSlot(): string {
  const id = freeSlots.shift();
  if (!id) throw new Error('the test ran out of fresh slots: generate more days in beforeAll');
  return id;
}

/** Books a fresh slot for `userId` through the service account; returns the appointment id. */
async function bookFor(userId: string): Promise<string> {
  const res = await api.bookSlot({ slotId: freshSlot(), userId }, as('service'));
  return res.appointment!.id;
}

/** Holds a fresh slot for `userId` through the service account. */
async function holdFor(userId: string): Promise<{ slotId: string; holdToken: string }> {
  const slotId = freshSlot();
  const res = await api.holdSlot({ slotId, userId }, as('service'));
  return { slotId, holdToken: res.holdToken };
}

/** Collection name -> document count and a digest of every document, to tell whether anything changed. */
async function dbState(): Promise<Record<string, string>> {
  const names = ['services', 'slots', 'appointments', 'request_log'];
  const docs = await Promise.all(names.map((n) => t.db.collection(n).find().sort({ _id: 1 }).toArray()));
  return Object.fromEntries(
    names.map((n, i) => {
      const digest = createHash('sha256').update(JSON.stringify(docs[i])).digest('hex').slice(0, 12);
      return [n, `${docs[i]!.length} docs ${digest}`];
    }),
  );
}

/** Runs `action` and returns what the database looked like before and after it. */
async function around<T>(action: () => Promise<T>): Promise<{ result: T; before: unknown; after: unknown }> {
  const before = await dbState();
  const result = await action();
  return { result, before, after: await dbState() };
}

/** How a call ended: its status code, with the decoded error when it failed. */
interface Outcome {
  code: number;
  error: DecodedError | null;
}

async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return { code: grpc.status.OK, error: null };
  } catch (err) {
    const error = decodeError(err);
    return { code: error.code, error };
  }
}

const describeOutcome = (o: Outcome): string =>
  o.error ? `${grpc.status[o.code]}/${o.error.reason ?? '-'}: ${o.error.message}` : 'OK';

/** Opens a watch on the test service with `metadata`; small snapshot, then SYNCED. */
function openWatch(metadata: grpc.Metadata, label = 'watch', client = t.client): Watch {
  const day = futureDate(30);
  const start = new Date(Date.UTC(day.year, day.month - 1, day.day));
  const request = WatchSlotAvailabilityRequest.fromPartial({
    serviceId,
    startTime: start,
    endTime: new Date(start.getTime() + 3 * 3_600_000),
    sendInitialSnapshot: true,
  });
  return new Watch(client.watchSlotAvailability(request, metadata), label);
}

/** Opens a watch and returns how it went: OK once SYNCED arrived (then it is cancelled), else how it ended. */
async function watchOutcome(metadata: grpc.Metadata): Promise<Outcome> {
  const w = openWatch(metadata);
  await w.waitFor(
    (x) => x.ended || x.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED).length > 0,
    'SYNCED or the end',
    {
      allowEnd: true,
    },
  );
  if (w.ended) return { code: w.end!.code, error: w.end!.error };
  w.cancel();
  return { code: grpc.status.OK, error: null };
}

beforeAll(async () => {
  t = await startLoggedApp({ ...hsAuthEnv(auth), WATCH_MAX_STREAMS_PER_PRINCIPAL: '2' });
  api = rpc(t.client);
  tokenOf.set('admin', await token({ subject: SUBJECT.admin, roles: ['admin'] }));
  tokenOf.set('provider', await token({ subject: SUBJECT.provider, roles: ['provider'] }));
  tokenOf.set('other provider', await token({ subject: SUBJECT['other provider'], roles: ['provider'] }));
  tokenOf.set('service', await token({ subject: SUBJECT.service, roles: ['service'] }));
  tokenOf.set('user', await token({ subject: SUBJECT.user, roles: ['user'] }));
  tokenOf.set('no role', await token({ subject: SUBJECT['no role'] }));
  bobToken = await token({ subject: 'bob', roles: ['user'] });

  const created = await api.createService(
    { service: serviceInput({ providerId: SUBJECT.provider }) },
    as('admin'),
  );
  serviceId = created.service!.id;
  // 16 slots a day: 128 fresh ones; the table and the tests below use about 70.
  await api.generateSlots({ serviceId, startDate: futureDate(31), endDate: futureDate(38) }, as('admin'));
  await api.generateSlots({ serviceId, startDate: futureDate(30), endDate: futureDate(30) }, as('admin'));
  const slots = await listAllSlots({ listSlots: (req) => api.listSlots(req, as('admin')) }, serviceId);
  freeSlots = slots.map((s) => s.id);
  // Day 30 (the first 16) is where watches look; keep it untouched by the fresh-slot pool.
  freeSlots = freeSlots.slice(16);
  aliceAppointmentId = await bookFor('alice');
});
afterAll(() => t?.stop());

describe('who may call what: every RPC x every caller', () => {
  /** Builds the call (after any setup it needs) that `metadata` is then sent with. */
  type Send = (metadata: grpc.Metadata) => Promise<Outcome>;
  type Prepare = () => Send | Promise<Send>;
  let generatedDay = 50;
  const EVERYONE: Caller[] = ['admin', 'provider', 'other provider', 'service', 'user'];
  /** Catalog changes: the platform admin, and the provider owning the service. */
  const MANAGERS: Caller[] = ['admin', 'provider'];
  /**
   * `scoped`: a provider's right depends on owning the service, so another
   * provider is refused with NOT_SERVICE_OWNER rather than ROLE_NOT_ALLOWED.
   */
  const rpcs: { name: string; allowed: Caller[]; scoped?: boolean; prepare: Prepare }[] = [
    {
      name: 'CreateService',
      allowed: MANAGERS,
      scoped: true,
      // A service for the owning provider: only it and the platform admin may create that.
      prepare: () => (md) =>
        outcome(api.createService({ service: serviceInput({ providerId: SUBJECT.provider }) }, md)),
    },
    {
      name: 'GetService',
      allowed: EVERYONE,
      prepare: () => (md) => outcome(api.getService({ serviceId }, md)),
    },
    {
      name: 'ListServices',
      allowed: EVERYONE,
      prepare: () => (md) => outcome(api.listServices({ pageSize: 10 }, md)),
    },
    {
      name: 'UpdateService',
      allowed: MANAGERS,
      scoped: true,
      prepare: () => (md) =>
        outcome(
          api.updateService(
            {
              service: { id: serviceId, description: `changed ${Math.random()}` },
              updateMask: ['description'],
            },
            md,
          ),
        ),
    },
    {
      name: 'DeleteService',
      allowed: MANAGERS,
      scoped: true,
      prepare: async () => {
        const created = await api.createService(
          { service: serviceInput({ providerId: SUBJECT.provider }) },
          as('admin'),
        );
        return (md) => outcome(api.deleteService({ serviceId: created.service!.id }, md));
      },
    },
    {
      name: 'GenerateSlots',
      allowed: MANAGERS,
      scoped: true,
      prepare: () => {
        const day = futureDate((generatedDay += 1));
        return (md) => outcome(api.generateSlots({ serviceId, startDate: day, endDate: day }, md));
      },
    },
    {
      name: 'ListSlots',
      allowed: EVERYONE,
      prepare: () => (md) => outcome(api.listSlots({ serviceId, pageSize: 5 }, md)),
    },
    {
      name: 'SetSlotStatus',
      allowed: MANAGERS,
      scoped: true,
      prepare: () => {
        const slotId = freshSlot();
        return (md) => outcome(api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED }, md));
      },
    },
    {
      name: 'BookSlot',
      allowed: ['service', 'user'],
      prepare: () => {
        const slotId = freshSlot();
        return (md) => outcome(api.bookSlot({ slotId, userId: 'alice' }, md));
      },
    },
    {
      name: 'CancelAppointment',
      allowed: ['service', 'user'],
      prepare: async () => {
        const appointmentId = await bookFor('alice');
        return (md) => outcome(api.cancelAppointment({ appointmentId, userId: 'alice', reason: 'test' }, md));
      },
    },
    {
      name: 'GetAppointment',
      allowed: ['service', 'user'],
      prepare: () => (md) => outcome(api.getAppointment({ appointmentId: aliceAppointmentId }, md)),
    },
    {
      name: 'ListAppointments',
      allowed: ['service', 'user'],
      prepare: () => (md) => outcome(api.listAppointments({ userId: 'alice' }, md)),
    },
    {
      name: 'HoldSlot',
      allowed: ['service', 'user'],
      prepare: () => {
        const slotId = freshSlot();
        return (md) => outcome(api.holdSlot({ slotId, userId: 'alice' }, md));
      },
    },
    {
      name: 'ReleaseHold',
      allowed: ['service', 'user'],
      prepare: async () => {
        const { holdToken } = await holdFor('alice');
        return (md) => outcome(api.releaseHold({ holdToken, userId: 'alice' }, md));
      },
    },
    {
      name: 'RescheduleAppointment',
      allowed: ['service', 'user'],
      prepare: async () => {
        const appointmentId = await bookFor('alice');
        const newSlotId = freshSlot();
        return (md) => outcome(api.rescheduleAppointment({ appointmentId, userId: 'alice', newSlotId }, md));
      },
    },
    {
      name: 'WatchSlotAvailability',
      allowed: EVERYONE,
      prepare: () => (md) => watchOutcome(md),
    },
  ];

  it('covers every RPC of the service', () => {
    const methods = Object.keys(BookingServiceClient.service).map(
      (k) => k.charAt(0).toUpperCase() + k.slice(1),
    );
    expect(rpcs.map((r) => r.name).sort()).toEqual(methods.sort());
  });

  const cases = rpcs.flatMap((r) =>
    CALLERS.map((caller) => ({ ...r, caller, ok: r.allowed.includes(caller) })),
  );

  it.each(cases.filter((c) => c.ok))('$name by $caller: allowed, succeeds', async ({ prepare, caller }) => {
    const send = await prepare();
    const result = await send(as(caller));
    expect(describeOutcome(result)).toBe('OK');
  });

  it.each(cases.filter((c) => !c.ok))(
    '$name by $caller: refused, nothing stored or changed',
    async ({ prepare, caller, scoped }) => {
      const send = await prepare();
      const { result, before, after } = await around(() => send(as(caller)));
      if (caller === 'no token') {
        expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
        expect(result.error).toMatchObject({
          reason: 'UNAUTHENTICATED',
          metadata: { why: 'MISSING_CREDENTIALS' },
        });
      } else {
        expect(result.code).toBe(grpc.status.PERMISSION_DENIED);
        expect(result.error?.reason).toBe(
          scoped && caller === 'other provider' ? 'NOT_SERVICE_OWNER' : 'ROLE_NOT_ALLOWED',
        );
      }
      expect(after).toEqual(before);
    },
  );
});

describe('a user acts only as itself', () => {
  let bobAppointmentId: string;
  beforeAll(async () => {
    bobAppointmentId = await bookFor('bob');
  });

  it('an empty user_id means the caller: the appointment is booked for the token subject', async () => {
    const res = await api.bookSlot({ slotId: freshSlot(), userId: '' }, as('user'));
    expect(res.appointment!.userId).toBe('alice');
    const hold = await api.holdSlot({ slotId: freshSlot(), userId: '' }, as('user'));
    await expect(
      api.releaseHold({ holdToken: hold.holdToken, userId: '' }, as('user')),
    ).resolves.toBeDefined();
  });

  it.each([
    ['BookSlot', () => api.bookSlot({ slotId: freshSlot(), userId: 'bob' }, as('user'))],
    ['HoldSlot', () => api.holdSlot({ slotId: freshSlot(), userId: 'bob' }, as('user'))],
    ['ListAppointments', () => api.listAppointments({ userId: 'bob' }, as('user'))],
    [
      'CancelAppointment',
      () => api.cancelAppointment({ appointmentId: bobAppointmentId, userId: 'bob' }, as('user')),
    ],
    [
      'RescheduleAppointment',
      () =>
        api.rescheduleAppointment(
          { appointmentId: bobAppointmentId, userId: 'bob', newSlotId: freshSlot() },
          as('user'),
        ),
    ],
  ])('%s naming another user is PERMISSION_DENIED (NOT_YOUR_USER), nothing changes', async (_name, send) => {
    const { result, before, after } = await around(() => failure(send()));
    expect(result).toMatchObject({ code: grpc.status.PERMISSION_DENIED, reason: 'NOT_YOUR_USER' });
    expect(after).toEqual(before);
  });

  it("cannot read another user's appointment (NOT_APPOINTMENT_OWNER), but can read its own", async () => {
    expect(await failure(api.getAppointment({ appointmentId: bobAppointmentId }, as('user')))).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      reason: 'NOT_APPOINTMENT_OWNER',
    });
    const own = await api.getAppointment({ appointmentId: aliceAppointmentId }, as('user'));
    expect(own.appointment!.userId).toBe('alice');
  });

  it("cannot cancel or reschedule another user's appointment in its own name (NOT_APPOINTMENT_OWNER)", async () => {
    for (const userId of ['alice', '']) {
      const { result, before, after } = await around(() =>
        failure(
          api.cancelAppointment({ appointmentId: bobAppointmentId, userId, reason: 'mine' }, as('user')),
        ),
      );
      expect(result).toMatchObject({ code: grpc.status.PERMISSION_DENIED, reason: 'NOT_APPOINTMENT_OWNER' });
      expect(after).toEqual(before);
    }
    const moved = await around(() =>
      failure(
        api.rescheduleAppointment(
          { appointmentId: bobAppointmentId, userId: '', newSlotId: freshSlot() },
          as('user'),
        ),
      ),
    );
    expect(moved.result).toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
      reason: 'NOT_APPOINTMENT_OWNER',
    });
    expect(moved.after).toEqual(moved.before);
    const bobs = await api.getAppointment({ appointmentId: bobAppointmentId }, asBob());
    expect(bobs.appointment!.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED);
  });

  it('lists only its own appointments', async () => {
    const res = await api.listAppointments({ userId: '', pageSize: 100 }, as('user'));
    expect(res.appointments.length).toBeGreaterThan(0);
    expect(new Set(res.appointments.map((a) => a.userId))).toEqual(new Set(['alice']));
    expect(res.appointments.map((a) => a.id)).not.toContain(bobAppointmentId);
  });

  it("cannot release or book with another user's hold", async () => {
    const bobs = await holdFor('bob');
    const release = await around(() =>
      failure(api.releaseHold({ holdToken: bobs.holdToken, userId: '' }, as('user'))),
    );
    expect(release.result).toMatchObject({ code: grpc.status.NOT_FOUND, reason: 'HOLD_NOT_FOUND' });
    expect(release.after).toEqual(release.before);
    const book = await around(() =>
      failure(api.bookSlot({ slotId: bobs.slotId, userId: '', holdToken: bobs.holdToken }, as('user'))),
    );
    expect([grpc.status.NOT_FOUND, grpc.status.FAILED_PRECONDITION]).toContain(book.result.code);
    expect(book.after).toEqual(book.before);
    // The hold is still bob's to confirm.
    const confirmed = await api.bookSlot(
      { slotId: bobs.slotId, userId: '', holdToken: bobs.holdToken },
      asBob(),
    );
    expect(confirmed.appointment!.userId).toBe('bob');
  });

  it("a request_id is scoped to its user: reusing bob's does not replay bob's booking", async () => {
    const requestId = `req-${randomBytes(6).toString('hex')}`;
    const bobs = await api.bookSlot({ slotId: freshSlot(), userId: '', requestId }, asBob());
    const alices = await api.bookSlot({ slotId: freshSlot(), userId: '', requestId }, as('user'));
    expect(alices.appointment!.userId).toBe('alice');
    expect(alices.appointment!.id).not.toBe(bobs.appointment!.id);
  });

  it("slot listings do not reveal other users' appointment ids", async () => {
    const slots = await listAllSlots({ listSlots: (req) => api.listSlots(req, as('user')) }, serviceId);
    const booked = slots.filter((s) => s.status === SlotStatus.SLOT_STATUS_BOOKED);
    expect(booked.length).toBeGreaterThan(0);
    expect(booked.map((s) => s.appointmentId).filter(Boolean)).toEqual([]);
  });

  it('a service acts for any user: reads and cancels bob\u2019s appointment', async () => {
    const id = await bookFor('bob');
    const list = await api.listAppointments({ userId: 'bob', pageSize: 100 }, as('service'));
    expect(list.appointments.map((a) => a.id)).toContain(id);
    const res = await api.cancelAppointment(
      { appointmentId: id, userId: 'bob', reason: 'support' },
      as('service'),
    );
    expect(res.appointment!.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CANCELLED);
  });

  // Policy: admin has no appointment rights; with the user role as well, the
  // token may act only as its own subject, like any user.
  it("a token with the admin and user roles cannot read or list another user's appointments", async () => {
    const adminUser = bearer(await token({ subject: 'carol', roles: ['admin', 'user'] }));
    const read = await outcome(api.getAppointment({ appointmentId: bobAppointmentId }, adminUser));
    expect(describeOutcome(read)).toMatch(/^PERMISSION_DENIED\/NOT_APPOINTMENT_OWNER/);
    const list = await outcome(api.listAppointments({ userId: 'bob' }, adminUser));
    expect(describeOutcome(list)).toMatch(/^PERMISSION_DENIED\/NOT_YOUR_USER/);
  });
});

describe('tokens', () => {
  const listWith = (metadata: grpc.Metadata) => failure(api.listServices({ pageSize: 1 }, metadata));
  const refusedAs = (why: string) => ({
    code: grpc.status.UNAUTHENTICATED,
    reason: 'UNAUTHENTICATED',
    metadata: { why },
  });

  it('an expired token (beyond the clock skew) is UNAUTHENTICATED with why=TOKEN_EXPIRED', async () => {
    const expired = await token({
      subject: 'alice',
      roles: ['user'],
      expiresIn: -(auth.clockSkewSeconds + 30),
    });
    expect(await listWith(bearer(expired))).toMatchObject(refusedAs('TOKEN_EXPIRED'));
    const w = openWatch(bearer(expired));
    expect(await w.failure()).toMatchObject(refusedAs('TOKEN_EXPIRED'));
  });

  it('a token expired within the clock skew is still accepted', async () => {
    const recent = await token({ subject: 'alice', roles: ['user'], expiresIn: -5 });
    await expect(api.listServices({ pageSize: 1 }, bearer(recent))).resolves.toBeDefined();
  });

  it.each<[string, TokenOptions]>([
    ['signed with another secret (forged)', { secret: randomBytes(32).toString('base64url') }],
    ['from another issuer', { issuer: 'https://evil.example' }],
    ['for another audience', { audience: 'someone-else' }],
    ['without exp', { expiresIn: null }],
    ['without sub', { subject: undefined }],
    ['not valid yet (nbf beyond the skew)', { notBefore: 300 }],
    ['signed with HS512', { alg: 'HS512' }],
  ])('a token %s is UNAUTHENTICATED (INVALID_TOKEN), and nothing is written', async (_what, o) => {
    const bad = await token({ subject: SUBJECT.admin, roles: ['admin', 'service'], ...o });
    expect(await listWith(bearer(bad))).toMatchObject(refusedAs('INVALID_TOKEN'));
    const { result, before, after } = await around(() =>
      failure(api.createService({ service: serviceInput() }, bearer(bad))),
    );
    expect(result).toMatchObject(refusedAs('INVALID_TOKEN'));
    expect(after).toEqual(before);
  });

  it('an unsigned token (alg none) is UNAUTHENTICATED', async () => {
    const none = unsignedToken(auth, SUBJECT.admin, ['admin']);
    tokensSent.add(none);
    expect(await listWith(bearer(none))).toMatchObject(refusedAs('INVALID_TOKEN'));
    expect((await failure(api.createService({ service: serviceInput() }, bearer(none)))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
  });

  it('a token with admin claims spliced onto a user token signature is UNAUTHENTICATED', async () => {
    const [header, , signature] = (await token({ subject: 'alice', roles: ['user'] })).split('.');
    const payload = JSON.stringify({
      sub: 'alice',
      roles: ['admin'],
      iss: auth.issuer,
      aud: auth.audience,
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const spliced = `${header}.${Buffer.from(payload).toString('base64url')}.${signature}`;
    tokensSent.add(spliced);
    expect(await listWith(bearer(spliced))).toMatchObject(refusedAs('INVALID_TOKEN'));
  });

  it.each([
    ['garbage', 'Bearer garbage'],
    ['three dots', 'Bearer ...'],
    ['an empty bearer', 'Bearer '],
    ['Basic credentials', 'Basic YWxpY2U6c2VjcmV0'],
    ['Basic xyz', 'Basic xyz'],
    ['a bare token without the scheme', 'eyJhbGciOiJIUzI1NiJ9.e30.x'],
    ['a token with a space inside', 'Bearer abc def'],
  ])('an authorization header with %s is UNAUTHENTICATED', async (_what, value) => {
    const result = await listWith(authorization(value));
    expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(['MISSING_CREDENTIALS', 'INVALID_TOKEN']).toContain(result.metadata.why);
  });

  it('an oversized authorization header is UNAUTHENTICATED (or refused by the transport), never INTERNAL', async () => {
    for (const size of [8_200, 20_000]) {
      const result = await listWith(authorization(`Bearer ${'a'.repeat(size)}`));
      expect({ size, code: grpc.status[result.code] }).toEqual({
        size,
        code: expect.stringMatching(/^(UNAUTHENTICATED|RESOURCE_EXHAUSTED)$/) as unknown,
      });
    }
  });

  it('an authorization header merged from two (comma-joined, as proxies do) is UNAUTHENTICATED', async () => {
    const merged = `Bearer ${tokenOf.get('admin')!}, Bearer ${tokenOf.get('user')!}`;
    expect(await listWith(authorization(merged))).toMatchObject(refusedAs('MISSING_CREDENTIALS'));
  });

  // Node's http2 client refuses to send two authorization headers, so these
  // calls go out as raw HTTP/2 frames; the outcome is read from the app's log
  // line of the call (found by its x-request-id). Node's HTTP/2 server keeps
  // only the first value of `authorization` (grpc-js never sees the second),
  // so the first header decides, as documented in the README: a second token
  // can never add rights.
  it.each([
    ['admin first, user second', ['admin', 'user'], 'OK'],
    ['user first, admin second', ['user', 'admin'], 'PERMISSION_DENIED'],
  ] as const)(
    'with two authorization headers (%s) only the first counts',
    async (_order, callers, expected) => {
      const values = callers.map((c) => `Bearer ${tokenOf.get(c)!}`);
      const body = CreateServiceRequest.encode({ service: serviceInput() }).finish();
      const { result, before, after } = await around(() =>
        rawGrpcCall(t.app.port, '/booking.v1.BookingService/CreateService', values, body),
      );
      expect(result).toMatchObject({ method: 'CreateService', code: expected });
      if (expected !== 'OK') expect(after).toEqual(before);
    },
  );

  it('a token whose subject is not a string is UNAUTHENTICATED', async () => {
    for (const subject of [['alice', 'bob'], { $ne: null }, 42]) {
      const odd = await token({ subject, roles: ['user'] });
      const result = await outcome(api.listServices({ pageSize: 1 }, bearer(odd)));
      expect({ subject, outcome: describeOutcome(result) }).toMatchObject({
        subject,
        outcome: expect.stringMatching(/^UNAUTHENTICATED\//) as unknown,
      });
    }
  });

  it('roles from a space-separated string claim work', async () => {
    const both = await token({ subject: 'ops', roles: 'admin service' });
    await expect(api.listAppointments({ userId: 'bob' }, bearer(both))).resolves.toBeDefined();
    await expect(api.createService({ service: serviceInput() }, bearer(both))).resolves.toBeDefined();
  });

  describe('health and reflection need no token', () => {
    const load = <T>(file: string, at: string[]): T => {
      let node: unknown = grpc.loadPackageDefinition(
        protoLoader.loadSync(file, { enums: String, defaults: true }),
      );
      for (const key of at) node = (node as Record<string, unknown>)[key];
      return node as T;
    };

    it('health', async () => {
      const Health = load<grpc.ServiceClientConstructor>(healthProtoPath, ['grpc', 'health', 'v1', 'Health']);
      const client = new Health(t.target, grpc.credentials.createInsecure());
      try {
        const check = client['Check'] as (
          req: object,
          cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
        ) => void;
        const res = await new Promise<{ status: string }>((resolve, reject) =>
          check.call(client, { service: 'booking.v1.BookingService' }, (err, r) =>
            err ? reject(err) : resolve(r!),
          ),
        );
        expect(res.status).toBe('SERVING');
      } finally {
        client.close();
      }
    });

    it('reflection', async () => {
      const file = path.join(
        path.dirname(require.resolve('@grpc/reflection/package.json')),
        'build/proto/grpc/reflection/v1/reflection.proto',
      );
      const Reflection = load<grpc.ServiceClientConstructor>(file, [
        'grpc',
        'reflection',
        'v1',
        'ServerReflection',
      ]);
      const client = new Reflection(t.target, grpc.credentials.createInsecure());
      try {
        const open = client['ServerReflectionInfo'] as () => grpc.ClientDuplexStream<
          object,
          { listServicesResponse?: { service: { name: string }[] } }
        >;
        const names = await new Promise<string[]>((resolve, reject) => {
          const stream = open.call(client);
          stream.on('data', (res: { listServicesResponse?: { service: { name: string }[] } }) => {
            resolve(res.listServicesResponse?.service.map((s) => s.name) ?? []);
            stream.end();
          });
          stream.on('error', reject);
          stream.write({ listServices: '*' });
        });
        expect(names).toContain('booking.v1.BookingService');
      } finally {
        client.close();
      }
    });
  });
});

describe('watch streams per principal (WATCH_MAX_STREAMS_PER_PRINCIPAL=2)', () => {
  const open: Watch[] = [];
  afterAll(() => {
    for (const w of open) if (!w.ended) w.cancel();
  });
  const watchAs = (metadata: grpc.Metadata, label: string): Watch => {
    const w = openWatch(metadata, label);
    open.push(w);
    return w;
  };

  it('the third concurrent stream of one principal is RESOURCE_EXHAUSTED (TOO_MANY_STREAMS); others still get theirs', async () => {
    const carol = bearer(await token({ subject: 'carol', roles: ['user'] }));
    const first = watchAs(carol, 'carol 1');
    const second = watchAs(carol, 'carol 2');
    await first.synced();
    await second.synced();

    const third = watchAs(carol, 'carol 3');
    expect(await third.failure()).toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
      reason: 'TOO_MANY_STREAMS',
      metadata: { limit: '2' },
    });
    // Another token of the same subject counts against the same limit.
    const again = watchAs(bearer(await token({ subject: 'carol', roles: ['user'] })), 'carol 4');
    expect((await again.failure()).reason).toBe('TOO_MANY_STREAMS');

    const dave = watchAs(bearer(await token({ subject: 'dave', roles: ['user'] })), 'dave');
    await dave.synced();
    expect(first.ended || second.ended).toBe(false);

    // Closing one frees its place.
    const before = t.app.watchStats().streams;
    first.cancel();
    await until(() => t.app.watchStats().streams < before, 'the cancelled stream to be released');
    await watchAs(carol, 'carol 5').synced();
  });

  it('a token whose subject is an array cannot get around the limit', async () => {
    const tricky = await token({ subject: ['erin'], roles: ['user'] });
    const streams = [1, 2, 3].map((i) => watchAs(bearer(tricky), `erin ${i}`));
    await Promise.all(
      streams.map((w) =>
        w.waitFor(
          (x) => x.ended || x.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED).length > 0,
          'SYNCED or the end',
          {
            allowEnd: true,
          },
        ),
      ),
    );
    expect(streams.filter((w) => !w.ended).length).toBeLessThanOrEqual(2);
  });
});

/** An HPACK integer with an N-bit prefix (RFC 7541 5.1). */
function hpackInt(value: number, prefixBits: number): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [value];
  const bytes = [max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** A header as an HPACK "literal without indexing, new name", no Huffman coding. */
function hpackLiteral(name: string, value: string): Buffer {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  return Buffer.concat([
    Buffer.from([0x00, ...hpackInt(n.length, 7)]),
    n,
    Buffer.from(hpackInt(v.length, 7)),
    v,
  ]);
}

function h2Frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

/**
 * Sends one unary gRPC call over a raw HTTP/2 connection with an
 * authorization header per value in `authorizations`, waits for the server
 * to end the stream, and returns the app's log line of the call.
 */
async function rawGrpcCall(
  port: number,
  method: string,
  authorizations: string[],
  message: Uint8Array,
): Promise<Record<string, unknown> | undefined> {
  const requestId = `raw-${randomBytes(8).toString('hex')}`;
  const headers = Buffer.concat([
    hpackLiteral(':method', 'POST'),
    hpackLiteral(':scheme', 'http'),
    hpackLiteral(':path', method),
    hpackLiteral(':authority', `127.0.0.1:${port}`),
    hpackLiteral('content-type', 'application/grpc'),
    hpackLiteral('te', 'trailers'),
    hpackLiteral('x-request-id', requestId),
    ...authorizations.map((a) => hpackLiteral('authorization', a)),
  ]);
  const grpcMessage = Buffer.alloc(5 + message.length);
  grpcMessage.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(grpcMessage, 5);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the raw HTTP/2 call got no answer in 10 s'));
    }, 10_000);
    let received = Buffer.alloc(0);
    const finish = () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    };
    socket.on('error', reject);
    socket.on('close', finish);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      while (received.length >= 9) {
        const length = received.readUIntBE(0, 3);
        if (received.length < 9 + length) break;
        const [type, flags, stream] = [received[3]!, received[4]!, received.readUInt32BE(5) & 0x7fffffff];
        received = received.subarray(9 + length);
        if (type === 4 && (flags & 1) === 0) socket.write(h2Frame(4, 1, 0, Buffer.alloc(0))); // SETTINGS ack
        const endOfStream = (type === 1 && (flags & 1) === 1) || type === 3; // trailers or RST_STREAM
        if ((stream === 1 && endOfStream) || type === 7) finish(); // ... or GOAWAY
      }
    });
    socket.write(
      Buffer.concat([
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
        h2Frame(4, 0, 0, Buffer.alloc(0)),
        h2Frame(1, 0x4, 1, headers), // HEADERS, END_HEADERS
        h2Frame(0, 0x1, 1, grpcMessage), // DATA, END_STREAM
      ]),
    );
  });
  return logLines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.requestId === requestId && l.msg === 'call');
}

/** Polls `condition` every 10 ms for up to 5 s. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('keys from a JWKS file (AUTH_JWKS_FILE)', () => {
  let jwksApp: TestApp;
  let jwksApi: Rpc;
  let dir: string;
  const ISSUER = 'https://idp.jwks.example';
  const AUDIENCE = 'booking-jwks';
  const keys: Record<'es' | 'rs' | 'stranger', { privateKey: KeyLike; publicJwk: JWK }> = {} as never;

  beforeAll(async () => {
    const make = async (alg: 'ES256' | 'RS256', kid: string) => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
    };
    keys.es = await make('ES256', 'es-1');
    keys.rs = await make('RS256', 'rs-1');
    keys.stranger = await make('ES256', 'es-1'); // same kid, not in the file
    dir = mkdtempSync(path.join(tmpdir(), 'booking-jwks-'));
    const file = path.join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys: [keys.es.publicJwk, keys.rs.publicJwk] }));
    jwksApp = await startLoggedApp({
      AUTH_DISABLED: 'false',
      AUTH_JWKS_FILE: file,
      AUTH_ISSUER: ISSUER,
      AUTH_AUDIENCE: AUDIENCE,
    });
    jwksApi = rpc(jwksApp.client);
  });
  afterAll(async () => {
    await jwksApp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signed = async (key: KeyLike, alg: string, kid: string | undefined, roles: string[]) => {
    const jwt = await new SignJWT({ roles })
      .setProtectedHeader(kid ? { alg, kid, typ: 'JWT' } : { alg, typ: 'JWT' })
      .setSubject('jwks-admin')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);
    tokensSent.add(jwt);
    return bearer(jwt);
  };

  it('accepts tokens signed by a key of the set (ES256 and RS256)', async () => {
    await expect(
      jwksApi.createService(
        { service: serviceInput() },
        await signed(keys.es.privateKey, 'ES256', 'es-1', ['admin']),
      ),
    ).resolves.toBeDefined();
    await expect(
      jwksApi.listServices({ pageSize: 1 }, await signed(keys.rs.privateKey, 'RS256', 'rs-1', ['user'])),
    ).resolves.toBeDefined();
  });

  it('refuses HS256 tokens, including one keyed with the public key', async () => {
    const hs = async (secret: Uint8Array) => {
      const jwt = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256', kid: 'es-1' })
        .setSubject('jwks-admin')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('10m')
        .sign(secret);
      tokensSent.add(jwt);
      return bearer(jwt);
    };
    for (const secret of [
      randomBytes(32),
      new TextEncoder().encode(JSON.stringify(keys.es.publicJwk)),
      new TextEncoder().encode(keys.es.publicJwk.x),
    ]) {
      const md = await hs(secret);
      const before = await jwksApp.db.collection('services').countDocuments();
      const result = await failure(jwksApi.createService({ service: serviceInput() }, md));
      expect(result).toMatchObject({ code: grpc.status.UNAUTHENTICATED, metadata: { why: 'INVALID_TOKEN' } });
      expect(await jwksApp.db.collection('services').countDocuments()).toBe(before);
    }
  });

  it('refuses a token from a key not in the set, even with a known kid, and an unknown kid', async () => {
    for (const md of [
      await signed(keys.stranger.privateKey, 'ES256', 'es-1', ['admin']),
      await signed(keys.stranger.privateKey, 'ES256', 'nope', ['admin']),
      await signed(keys.es.privateKey, 'ES256', 'unknown-kid', ['admin']),
    ]) {
      expect(await failure(jwksApi.listServices({ pageSize: 1 }, md))).toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
        metadata: { why: 'INVALID_TOKEN' },
      });
    }
  });

  it('refuses a token of the HS256 app (another trust domain)', async () => {
    expect((await failure(jwksApi.listServices({ pageSize: 1 }, as('admin')))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
  });
});

describe('logs', () => {
  const parsed = (): Record<string, unknown>[] =>
    logLines.map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return { unparsed: l };
      }
    });

  /** The log lines of the calls made with x-request-id `requestId`. */
  const linesOf = (requestId: string) => parsed().filter((l) => l.requestId === requestId);
  /** `metadata` with an x-request-id to find the call's log line by. */
  const tagged = (metadata: grpc.Metadata, requestId: string): grpc.Metadata => {
    metadata.set('x-request-id', requestId);
    return metadata;
  };

  it('name the principal and method of each admitted call', async () => {
    const id = `log-${randomBytes(6).toString('hex')}`;
    await api.bookSlot({ slotId: freshSlot(), userId: '' }, tagged(as('user'), `${id}-book`));
    await api.createService({ service: serviceInput() }, tagged(as('admin'), `${id}-create`));
    await failure(api.listServices({}, tagged(as('no token'), `${id}-anonymous`)));
    await watchOutcome(tagged(as('user'), `${id}-watch`));
    expect(linesOf(`${id}-book`)).toEqual([
      expect.objectContaining({ msg: 'call', method: 'BookSlot', principal: 'alice', code: 'OK' }),
    ]);
    expect(linesOf(`${id}-create`)).toEqual([
      expect.objectContaining({ msg: 'call', method: 'CreateService', principal: SUBJECT.admin, code: 'OK' }),
    ]);
    expect(linesOf(`${id}-anonymous`)).toEqual([
      expect.objectContaining({ msg: 'call', method: 'ListServices', code: 'UNAUTHENTICATED' }),
    ]);
    expect(linesOf(`${id}-watch`)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'watch started',
          method: 'WatchSlotAvailability',
          principal: 'alice',
        }),
      ]),
    );
  });

  // unary.ts promises "one line per call with method, principal, status";
  // a refusal is exactly the line an audit needs the principal on.
  it('name the principal of a call refused for its role', async () => {
    const id = `log-${randomBytes(6).toString('hex')}`;
    await failure(api.createService({ service: serviceInput() }, tagged(as('user'), id)));
    expect(linesOf(id)).toEqual([
      expect.objectContaining({
        msg: 'call',
        method: 'CreateService',
        code: 'PERMISSION_DENIED',
        reason: 'ROLE_NOT_ALLOWED',
        principal: 'alice',
      }),
    ]);
  });

  it('never contain a token, a signature or the secret', () => {
    expect(tokensSent.size).toBeGreaterThan(20);
    const text = logLines.join('\n');
    const leaks: string[] = [];
    if (text.includes(auth.secret)) leaks.push('the secret');
    for (const jwt of tokensSent) {
      const signature = jwt.split('.')[2];
      if (text.includes(jwt)) leaks.push(`a token ${jwt.slice(0, 16)}...`);
      else if (signature && signature.length > 16 && text.includes(signature))
        leaks.push('a token signature');
    }
    expect(leaks).toEqual([]);
    expect(text).not.toMatch(/Bearer /);
  });
});
