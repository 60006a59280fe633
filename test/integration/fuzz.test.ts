/**
 * Hostile input against a real server (fast-check, fixed seed, bounded): for
 * every RPC, (a) structurally valid requests whose fields are random or
 * hostile (operator-looking strings, unicode, long strings, extreme numbers,
 * unknown enum values, odd dates, times and timestamps), mixed with real ids
 * so that requests get past validation too, and (b) bytes that are not valid
 * messages (random, truncated, mutated, wrong wire types, deep groups).
 *
 * Whatever arrives: never INTERNAL or UNKNOWN; no unhandled rejection or
 * uncaught exception (the server runs in this Jest worker, where jest-circus
 * fails the running test on either); a refused request stores nothing; the
 * server stays healthy. Plus explicit
 * NoSQL-injection cases: operators in strings are refused or stored as text,
 * never interpreted.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { Types } from 'mongoose';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import * as pb from '../../src/gen/booking/v1/booking_service';
import { AppointmentStatus } from '../../src/gen/booking/v1/resources';
import { UPDATABLE_PATHS } from '../../src/domain/service-patch';
import { futureDate, listAllSlots, serviceInput, serviceWithSlots } from '../factories';
import { changeSummary, openWatch } from '../support/watch-client';
import {
  failure,
  invariantViolations,
  rpc,
  startTestApp,
  violatedFields,
  type Rpc,
  type TestApp,
} from '../support/harness';

const SEED = 20_240_611;
/** Runs per RPC: structured requests, and invalid bytes. */
const STRUCTURED_RUNS = 100;
const RAW_RUNS = 70;
/** Watches are held open briefly when accepted: fewer of them. */
const WATCH_RUNS = 60;

let t: TestApp;
let api: Rpc;
beforeAll(async () => {
  t = await startTestApp({
    RECONCILER_ENABLED: 'false',
    METRICS_ENABLED: 'false',
    // Bounded work for generated ranges, and room for many sequential watches.
    MAX_SLOTS_PER_GENERATION: '200',
    WATCH_MAX_STREAMS_PER_PRINCIPAL: '1000',
    WATCH_HEARTBEAT_MS: '60000',
  });
  api = rpc(t.client);
});
afterAll(async () => {
  await t?.stop();
});

// ---------------------------------------------------------------- sending

type Method = keyof typeof pb.BookingServiceService;
const METHODS = Object.keys(pb.BookingServiceService) as Method[];
const pathOf = (m: Method): string => pb.BookingServiceService[m].path;

interface Result {
  code: grpc.status;
  details: string;
}

/** Sends `bytes` as the request of a unary method; resolves with the status (0 when OK). */
function sendUnary(method: Method, bytes: Buffer, metadata = new grpc.Metadata()): Promise<Result> {
  return new Promise((resolve) => {
    t.client.makeUnaryRequest(
      pathOf(method),
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadata,
      { deadline: Date.now() + 10_000 },
      (err) =>
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' }),
    );
  });
}

/**
 * Opens WatchSlotAvailability with `bytes`: its status if it ends within
 * 100 ms (or after its first message, when it is then cancelled), else OK
 * (accepted and streaming; cancelled).
 */
function sendWatch(bytes: Buffer, metadata = new grpc.Metadata()): Promise<Result> {
  return new Promise((resolve) => {
    const call = t.client.makeServerStreamRequest(
      pathOf('watchSlotAvailability'),
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadata,
      { deadline: Date.now() + 10_000 },
    );
    let accepted = false;
    const accept = (): void => {
      accepted = true;
      call.cancel();
    };
    const timer = setTimeout(accept, 100);
    call.on('data', accept);
    call.on('error', () => undefined);
    call.on('status', (s: grpc.StatusObject) => {
      clearTimeout(timer);
      resolve(
        accepted && s.code === grpc.status.CANCELLED
          ? { code: grpc.status.OK, details: '' }
          : { code: s.code, details: s.details },
      );
    });
  });
}

const send = (method: Method, bytes: Buffer, metadata?: grpc.Metadata): Promise<Result> =>
  method === 'watchSlotAvailability' ? sendWatch(bytes, metadata) : sendUnary(method, bytes, metadata);

/** Read-only RPCs: they cannot store anything, so the database is checked around their batch only. */
const READS = new Set<Method>([
  'getService',
  'listServices',
  'listSlots',
  'getAppointment',
  'listAppointments',
  'watchSlotAvailability',
]);

/**
 * What the database holds, by collection: documents per status (slots,
 * claims), per active flag (services), and in all (request log). A refused
 * request must leave it as it was, with one documented exception: a BookSlot
 * refused as FAILED_PRECONDITION with a request_id records the appointment id
 * it would have created as one VOID claim (so that a late earlier attempt
 * cannot create it; see README "A refusal is final too").
 */
async function dbFingerprint(): Promise<string> {
  const by = (collection: string, field: string) =>
    t.db
      .collection(collection)
      .aggregate<{ _id: unknown; n: number }>([{ $group: { _id: `$${field}`, n: { $sum: 1 } } }])
      .toArray()
      .then((groups) =>
        groups
          .map((g) => `${String(g._id)}:${g.n}`)
          .sort()
          .join(','),
      );
  const [services, slots, claims, requests] = await Promise.all([
    by('services', 'active'),
    by('slots', 'status'),
    by('appointments', 'status'),
    t.db.collection('request_log').countDocuments(),
  ]);
  return `services{${services}} slots{${slots}} claims{${claims}} request_log=${requests}`;
}

/** `before` with one more VOID claim. */
function withOneMoreVoid(before: string): string {
  return before.replace(/claims\{([^}]*)\}/, (_all, groups: string) => {
    const list = groups === '' ? [] : groups.split(',');
    const voids = list.find((g) => g.startsWith('VOID:'));
    const others = list.filter((g) => !g.startsWith('VOID:'));
    const n = voids ? Number(voids.slice('VOID:'.length)) + 1 : 1;
    return `claims{${[...others, `VOID:${n}`].sort().join(',')}}`;
  });
}

interface Problem {
  method: Method;
  kind: string;
  what: string;
  input: string;
}

const tried = new Map<string, number>();
/** Per RPC, how many requests ended with each status. */
const outcomes = new Map<string, Map<string, number>>();
const problems: Problem[] = [];

const describeInput = (input: unknown): string => {
  const s = Buffer.isBuffer(input)
    ? `bytes ${input.toString('hex')}`
    : JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return s.length > 300 ? `${s.slice(0, 300)}... (${s.length} chars)` : s;
};

/**
 * Sends each input in turn and records every breach: INTERNAL or UNKNOWN,
 * or a refused request after which the database is not as it was. The
 * database is compared after each refusal that got past validation (and
 * after the batch): INVALID_ARGUMENT comes before anything is read or
 * written, so a change found later is blamed on the run of refusals since.
 */
async function run(method: Method, kind: string, inputs: { bytes: Buffer; shown: unknown }[]): Promise<void> {
  const isRead = READS.has(method);
  let baseline = await dbFingerprint();
  let unchecked = 0;
  const compare = async (shown: unknown, mayVoid = false): Promise<void> => {
    const now = await dbFingerprint();
    if (now !== baseline && !(mayVoid && now === withOneMoreVoid(baseline))) {
      problems.push({
        method,
        kind,
        what: `refused, but the database changed${unchecked > 0 ? ` (this or one of the ${unchecked} invalid requests before it)` : ''}: ${baseline} -> ${now}`,
        input: describeInput(shown),
      });
    }
    baseline = now;
    unchecked = 0;
  };
  for (const { bytes, shown } of inputs) {
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', 'fuzz');
    const result = await send(method, bytes, metadata);
    tried.set(method, (tried.get(method) ?? 0) + 1);
    const codes = outcomes.get(method) ?? new Map<string, number>();
    const name = grpc.status[result.code] ?? String(result.code);
    outcomes.set(method, codes.set(name, (codes.get(name) ?? 0) + 1));
    if (result.code === grpc.status.INTERNAL || result.code === grpc.status.UNKNOWN) {
      problems.push({
        method,
        kind,
        what: `${grpc.status[result.code]}: ${result.details}`,
        input: describeInput(shown),
      });
    }
    if (isRead) continue;
    if (result.code === grpc.status.OK) {
      baseline = await dbFingerprint();
      unchecked = 0;
    } else if (result.code === grpc.status.INVALID_ARGUMENT) {
      unchecked += 1;
    } else {
      const requestId = (shown as { requestId?: unknown } | null)?.requestId;
      const mayVoid =
        method === 'bookSlot' &&
        result.code === grpc.status.FAILED_PRECONDITION &&
        typeof requestId === 'string' &&
        requestId !== '';
      await compare(shown, mayVoid);
    }
  }
  await compare('(the batch)');
}

// ------------------------------------------------------------ arbitraries

const HOSTILE = [
  '$where',
  '{"$gt":""}',
  '{"$ne":null}',
  '$gt',
  '$ne',
  '{"$regex":".*"}',
  '{"$where":"sleep(1000)"}',
  'this.userId != null',
  'a.b',
  'a$b',
  '$',
  '.',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  "'; db.dropDatabase(); '",
  '\u0000',
  'a\u0000b',
  '\u202e\u0041',
  '\ud800',
  '😀',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ',
  '%00',
  '%24where',
  '../../etc/passwd',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'null',
  'undefined',
  'NaN',
  ' ',
  '\t\n',
  '',
  '0'.repeat(24),
  'f'.repeat(24),
  'F'.repeat(24),
  'g'.repeat(24),
  '0'.repeat(23),
  '0'.repeat(25),
  'ObjectId("000000000000000000000000")',
];

const hostile = fc.constantFrom(...HOSTILE);
/** 1,000 to 5,000 characters (up to ~20 KB of UTF-8). */
const longString = fc
  .tuple(fc.integer({ min: 1_000, max: 5_000 }), fc.constantFrom('a', 'é', '😀', '$', '{', '\u0000', '0'))
  .map(([n, c]) => c.repeat(n));
const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: hostile },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: longString },
);
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const int32 = fc.oneof(
  fc.integer({ min: INT32_MIN, max: INT32_MAX }),
  fc.integer({ min: -10, max: 1_500 }),
  fc.constantFrom(0, -1, 1, INT32_MAX, INT32_MIN, 5, 30, 60, 100, 500, 501, 1_440, 86_400, 86_401),
);
const int64 = fc.oneof(
  int32,
  fc.maxSafeInteger(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 40),
);
const enumValue = fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constantFrom(INT32_MAX, INT32_MIN, 100));
const date = fc.record({
  year: fc.oneof(fc.integer({ min: 2020, max: 2100 }), int32),
  month: fc.oneof(fc.integer({ min: 0, max: 13 }), int32),
  day: fc.oneof(fc.integer({ min: 0, max: 32 }), int32),
});
const timeOfDay = fc.record({
  hours: fc.oneof(fc.integer({ min: -1, max: 25 }), int32),
  minutes: fc.oneof(fc.integer({ min: -1, max: 60 }), int32),
  seconds: fc.oneof(fc.constant(0), fc.integer({ min: -1, max: 61 })),
  nanos: fc.oneof(fc.constant(0), fc.constantFrom(-1, 1, 999_999_999, 1_000_000_000)),
});
const timestamp = fc.oneof(
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
  fc.date({ min: new Date('2020-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
);
/** Page tokens: random, hostile, and base64url JSON with operators where the cursor goes. */
const pageToken = fc.oneof(
  anyString,
  fc
    .constantFrom(
      { k: { $gt: 0 }, i: '000000000000000000000000', f: 'x' },
      { k: 1, i: { $ne: null }, f: 'x' },
      { k: 1e308 * 10, i: '000000000000000000000000' },
      { k: 1, i: '000000000000000000000000', f: { $ne: '' } },
      { __proto__: { polluted: true }, k: 1, i: '000000000000000000000000' },
      [1, 2, 3],
      null,
      'string',
    )
    .map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')),
);

/** A valid value three times in four, else a random one: requests get past validation often enough. */
const maybe = <T, U>(valid: T, random: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: random });

interface Pools {
  serviceIds: string[];
  /** Services UpdateService and DeleteService may change (and archive). */
  catalogServiceIds: string[];
  slotIds: string[];
  appointmentIds: string[];
  holdTokens: string[];
}

/** Structured request arbitraries per RPC (as DeepPartial objects for fromPartial). */
function requestArbitraries(p: Pools): Record<Method, fc.Arbitrary<Record<string, unknown>>> {
  const id = (pool: string[]) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...pool) },
      { weight: 2, arbitrary: anyString },
      { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/) },
    );
  const userId = maybe('alice', fc.oneof(fc.constantFrom('bob', 'a|b', 'x@y.z'), anyString));
  const requestId = maybe('', fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), anyString));
  const holdToken = fc.oneof(fc.constantFrom(...p.holdTokens), anyString);
  const pageSize = maybe(0, int32);
  const page = maybe('', pageToken);
  const slotStatus = maybe(0, enumValue);
  const valid = serviceInput();
  const serviceFields = {
    name: maybe(valid.name, anyString),
    description: maybe(valid.description, anyString),
    address: maybe(valid.address, anyString),
    price: maybe(
      valid.price,
      fc.option(
        fc.record({
          amountMinor: int64,
          currencyCode: fc.oneof(fc.constantFrom('EUR', 'USD', 'XXX', 'eur', 'ABC', ''), anyString),
        }),
        { nil: undefined },
      ),
    ),
    timeZone: maybe(
      valid.timeZone,
      fc.oneof(
        fc.constantFrom('UTC', 'Etc/GMT+14', 'Europe/Berlin ', 'Mars/Olympus', 'America/Indiana/Knox'),
        anyString,
      ),
    ),
    openingTime: maybe(valid.openingTime, fc.option(timeOfDay, { nil: undefined })),
    closingTime: maybe(valid.closingTime, fc.option(timeOfDay, { nil: undefined })),
    slotDurationMinutes: maybe(valid.slotDurationMinutes, int32),
    active: fc.boolean(),
    createTime: timestamp,
    updateTime: timestamp,
    providerId: maybe('', fc.oneof(fc.constantFrom('clinic-1', 'a|b'), anyString)),
  };
  const service = fc.record({ id: maybe('', anyString), ...serviceFields });
  // UpdateService: a service of its own (toggling `active` on the others would starve the booking RPCs).
  const changed = fc.record({
    id: id(p.catalogServiceIds),
    etag: maybe('', fc.oneof(fc.constantFrom('0', '1', '2', '-1', '1.5', '999999999999999999'), anyString)),
    ...serviceFields,
  });
  const maskPath = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...UPDATABLE_PATHS, '*') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'id',
        'etag',
        'create_time',
        'delete_time',
        'opening_time.hours',
        'Name',
        '',
      ),
    },
    { weight: 1, arbitrary: anyString },
  );
  const day = futureDate(200);
  return {
    createService: fc.record({ service: fc.option(service, { nil: undefined, freq: 10 }) }),
    getService: fc.record({ serviceId: id(p.serviceIds) }),
    listServices: fc.record({
      pageSize,
      pageToken: page,
      activeOnly: fc.boolean(),
      showDeleted: fc.boolean(),
    }),
    updateService: fc.record({
      service: fc.option(changed, { nil: undefined, freq: 10 }),
      updateMask: fc.option(fc.array(maskPath, { maxLength: 3 }), { nil: undefined, freq: 6 }),
    }),
    deleteService: fc.record({
      serviceId: id(p.catalogServiceIds),
      etag: maybe('', fc.oneof(fc.constantFrom('0', '1', '2', '3', 'x'), anyString)),
    }),
    generateSlots: fc.record({
      serviceId: id(p.serviceIds),
      startDate: maybe(day, fc.option(date, { nil: undefined })),
      endDate: maybe(day, fc.option(date, { nil: undefined })),
    }),
    listSlots: fc.record({
      serviceId: id(p.serviceIds),
      startTime: timestamp,
      endTime: timestamp,
      status: slotStatus,
      pageSize,
      pageToken: page,
    }),
    setSlotStatus: fc.record({ slotId: id(p.slotIds), status: maybe(2, enumValue) }),
    bookSlot: fc.record({
      slotId: id(p.slotIds),
      userId,
      serviceId: fc.oneof(fc.constant(''), id(p.serviceIds)),
      holdToken: maybe('', holdToken),
      requestId,
    }),
    cancelAppointment: fc.record({
      appointmentId: id(p.appointmentIds),
      userId,
      reason: maybe('', anyString),
      requestId,
    }),
    holdSlot: fc.record({ slotId: id(p.slotIds), userId, ttlSeconds: maybe(0, int32), requestId }),
    releaseHold: fc.record({ holdToken, userId: maybe('bob', userId) }),
    rescheduleAppointment: fc.record({
      appointmentId: id(p.appointmentIds),
      userId,
      newSlotId: id(p.slotIds),
      requestId,
    }),
    getAppointment: fc.record({ appointmentId: id(p.appointmentIds) }),
    listAppointments: fc.record({ userId, status: slotStatus, pageSize, pageToken: page }),
    watchSlotAvailability: fc.record({
      serviceId: id(p.serviceIds),
      startTime: timestamp,
      endTime: timestamp,
      sinceRevision: maybe(0, int64),
      sendInitialSnapshot: fc.boolean(),
    }),
  };
}

interface MessageCodec {
  fromPartial(o: unknown): unknown;
  encode(m: unknown): { finish(): Uint8Array };
}
const codecOf = (m: Method): MessageCodec => {
  const name = `${m.charAt(0).toUpperCase()}${m.slice(1)}Request` as keyof typeof pb;
  return pb[name] as unknown as MessageCodec;
};
const encode = (m: Method, request: unknown): Buffer => {
  const codec = codecOf(m);
  return Buffer.from(codec.encode(codec.fromPartial(request)).finish());
};

/** A google.protobuf.Timestamp with any seconds and nanos, which a Date cannot express. */
const rawTimestamp = fc.record({
  seconds: fc.oneof(
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.constantFrom(0n, -1n, 253_402_300_800n, -62_135_596_801n, 8_640_000_000_000n, 2n ** 53n),
  ),
  nanos: fc.oneof(
    fc.integer({ min: INT32_MIN, max: INT32_MAX }),
    fc.constantFrom(-1, 0, 999_999_999, 1_000_000_000),
  ),
});

/** Invalid or odd bytes for `method`, built around its valid encoding. */
function rawArbitrary(
  method: Method,
  structured: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Buffer> {
  const valid = structured.map((r) => encode(method, r));
  const randomBytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
  const truncated = valid
    .filter((b) => b.length > 1)
    .chain((b) => fc.integer({ min: 1, max: b.length - 1 }).map((n) => b.subarray(0, n)));
  const mutated = valid
    .filter((b) => b.length > 0)
    .chain((b) =>
      fc
        .array(fc.tuple(fc.nat({ max: b.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        })
        .map((edits) => {
          const copy = Buffer.from(b);
          for (const [at, value] of edits) copy[at] = value;
          return copy;
        }),
    );
  const wrongWireType = fc
    .tuple(
      fc.integer({ min: 1, max: 13 }),
      fc.integer({ min: 0, max: 7 }),
      fc.uint8Array({ maxLength: 24 }),
      fc.oneof(fc.constant(Buffer.alloc(0)), valid),
    )
    .map(([field, wireType, tail, rest]) =>
      Buffer.concat([rest, Buffer.from([(field << 3) | wireType]), Buffer.from(tail)]),
    );
  const special = fc.constantFrom(
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // length 2^32-1
    Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 10-byte length varint
    Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // 11-byte varint
    Buffer.from([0x0a, 0x02, 0xff, 0xfe]), // invalid UTF-8 in field 1
    Buffer.from([0x0a, 0x03, 0xed, 0xa0, 0x80]), // a UTF-8-encoded surrogate
    Buffer.alloc(10_000, 0x0b), // 10,000 nested start-groups
    Buffer.concat([Buffer.alloc(200_000, 0x0b), Buffer.alloc(200_000, 0x0c)]), // deep but balanced groups
    Buffer.from([0x0c]), // end-group without a start
    Buffer.from([0x00]), // field number 0
    Buffer.from([0xf8, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]), // field number beyond 2^29
    Buffer.concat([Buffer.from([0xfa, 0x01]), encodeLength(400_000), Buffer.alloc(400_000, 0x61)]), // big unknown field
    Buffer.from([0x12, 0x00, 0x12, 0x00, 0x12, 0x00]), // a message field repeated, empty
  );
  const timestamps = fc
    .tuple(
      fc.constantFrom(2, 3),
      rawTimestamp,
      fc.oneof(fc.constantFrom(...HOSTILE.slice(0, 5)), fc.constant('')),
    )
    .map(([field, ts, first]) => {
      const w = new BinaryWriter();
      w.tag(1, WireType.LengthDelimited).string(first);
      w.tag(field, WireType.LengthDelimited).fork();
      w.tag(1, WireType.Varint).int64(ts.seconds);
      w.tag(2, WireType.Varint).int32(ts.nanos);
      w.join();
      return Buffer.from(w.finish());
    });
  const withTimestamps = method === 'listSlots' || method === 'watchSlotAvailability';
  return fc.oneof(
    randomBytes,
    truncated,
    mutated,
    wrongWireType,
    special,
    ...(withTimestamps ? [timestamps, timestamps] : []),
  );
}

function encodeLength(n: number): Buffer {
  const w = new BinaryWriter();
  w.uint32(n);
  return Buffer.from(w.finish());
}

// ------------------------------------------------------------------ tests

describe('fuzzing every RPC', () => {
  let pools: Pools;

  beforeAll(async () => {
    const { service } = await serviceWithSlots(api, {}, 30);
    await api.generateSlots({ serviceId: service.id, startDate: futureDate(31), endDate: futureDate(33) });
    const slotIds = (await listAllSlots(api, service.id)).map((s) => s.id);
    const other = await serviceWithSlots(api, { active: false }, 31);
    const booked = await api.bookSlot({ slotId: slotIds[0]!, userId: 'alice' });
    const held = await api.holdSlot({ slotId: slotIds[1]!, userId: 'bob' });
    const changeable = await Promise.all([serviceWithSlots(api, {}, 34), serviceWithSlots(api, {}, 35)]);
    pools = {
      serviceIds: [service.id, other.service.id],
      catalogServiceIds: changeable.map((c) => c.service.id),
      slotIds: [...slotIds, ...other.slotIds.slice(0, 4)],
      appointmentIds: [booked.appointment!.id],
      holdTokens: [held.holdToken],
    };
  });

  afterAll(() => {
    const total = [...tried.values()].reduce((a, b) => a + b, 0);
    const lines = METHODS.map((m) => {
      const codes = [...(outcomes.get(m) ?? new Map<string, number>())]
        .sort((a, b) => b[1] - a[1])
        .map(([code, n]) => `${code} ${n}`)
        .join(', ');
      return `  ${m.padEnd(24)} ${String(tried.get(m) ?? 0).padStart(4)}  (${codes})`;
    });
    console.log(`fuzz: ${total} requests (seed ${SEED})\n${lines.join('\n')}`);
  });

  it.each(METHODS)('%s: random and hostile requests, then invalid bytes', async (method) => {
    const structured = requestArbitraries(pools)[method];
    const runs = method === 'watchSlotAvailability' ? WATCH_RUNS : STRUCTURED_RUNS;
    const requests = fc.sample(structured, { seed: SEED, numRuns: runs });
    await run(
      method,
      'structured',
      requests.map((r) => ({ bytes: encode(method, r), shown: r })),
    );
    const raws = fc.sample(rawArbitrary(method, structured), { seed: SEED + 1, numRuns: RAW_RUNS });
    await run(
      method,
      'raw',
      raws.map((b) => ({ bytes: b, shown: b })),
    );
    const mine = problems.filter((p) => p.method === method);
    const unique = [...new Map(mine.map((p) => [`${p.kind} ${p.what}`, p])).values()];
    expect(unique.map((p) => `${p.kind}: ${p.what}\n    e.g. ${p.input}`)).toEqual([]);
  });

  it('a message larger than GRPC_MAX_RECEIVE_MESSAGE_BYTES is RESOURCE_EXHAUSTED', async () => {
    const big = Buffer.concat([
      Buffer.from([0xfa, 0x01]),
      encodeLength(1_100_000),
      Buffer.alloc(1_100_000, 0x61),
    ]);
    expect((await sendUnary('listServices', big)).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    tried.set('listServices', (tried.get('listServices') ?? 0) + 1);
  });

  it('afterwards the server is healthy: SERVING, calls work, no stream left open', async () => {
    const definition = protoLoader.loadSync(healthProtoPath, { enums: String, defaults: true });
    const Health = (
      grpc.loadPackageDefinition(definition) as unknown as {
        grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
      }
    ).grpc.health.v1.Health;
    const health = new Health(t.target, grpc.credentials.createInsecure());
    try {
      const check = health['Check'] as (
        req: object,
        cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
      ) => void;
      const status = await new Promise<string>((resolve, reject) =>
        check.call(health, { service: '' }, (err, res) => (err ? reject(err) : resolve(res!.status))),
      );
      expect(status).toBe('SERVING');
    } finally {
      health.close();
    }
    const created = await api.createService({ service: serviceInput() });
    await expect(api.getService({ serviceId: created.service!.id })).resolves.toMatchObject({
      service: { id: created.service!.id },
    });
    const deadline = Date.now() + 5_000;
    while (t.app.watchStats().streams > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(t.app.watchStats().streams).toBe(0);
  });
});

describe('NoSQL injection: operators in strings are refused or stored as text', () => {
  let serviceId: string;
  let slotIds: string[];

  beforeAll(async () => {
    ({
      service: { id: serviceId },
      slotIds,
    } = await serviceWithSlots(api, {}, 45));
    await api.bookSlot({ slotId: slotIds[0]!, userId: 'nosql-u1' });
    await api.bookSlot({ slotId: slotIds[1]!, userId: 'nosql-u2' });
  });

  it.each(['{"$ne":null}', '$gt', '{"$gt":""}', '$where', '.*', '[object Object]'])(
    'ListAppointments with user_id %j is INVALID_ARGUMENT, and returns nobody’s appointments',
    async (userId) => {
      const err = await failure(api.listAppointments({ userId }));
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(violatedFields(err)).toEqual(['user_id']);
    },
  );

  it('a user id that looks like an alternation matches only itself', async () => {
    const res = await api.listAppointments({ userId: 'nosql-u1|nosql-u2' });
    expect(res.appointments).toEqual([]);
    const one = await api.listAppointments({ userId: 'nosql-u1' });
    expect(one.appointments.map((a) => a.userId)).toEqual(['nosql-u1']);
  });

  it.each([
    '{"$gt":""}',
    '{"$ne":null}',
    '$where',
    'A'.repeat(24),
    '00000000000000000000000G',
    ' '.repeat(24),
  ])('ids %j are INVALID_ARGUMENT for every id field', async (id) => {
    const calls: [string, Promise<unknown>][] = [
      ['service_id', api.getService({ serviceId: id })],
      ['appointment_id', api.getAppointment({ appointmentId: id })],
      ['slot_id', api.setSlotStatus({ slotId: id, status: 2 })],
      ['slot_id', api.bookSlot({ slotId: id, userId: 'alice' })],
      ['service_id', api.listSlots({ serviceId: id })],
    ];
    for (const [field, promise] of calls) {
      const err = await failure(promise);
      expect({ field, code: err.code, fields: violatedFields(err) }).toEqual({
        field,
        code: grpc.status.INVALID_ARGUMENT,
        fields: [field],
      });
    }
  });

  it('operator-looking names, descriptions and addresses are stored literally', async () => {
    const input = serviceInput({
      name: '{"$gt":""}',
      description: '$where: function() { return true }',
      address: '{"$ne":null}',
    });
    const created = (await api.createService({ service: input })).service!;
    const read = (await api.getService({ serviceId: created.id })).service!;
    expect(read).toMatchObject({ name: input.name, description: input.description, address: input.address });
    const stored = await t.db.collection('services').findOne({ name: '{"$gt":""}' });
    expect(stored).toMatchObject({
      name: '{"$gt":""}',
      description: input.description,
      address: '{"$ne":null}',
    });
  });

  it('a cancellation reason with operators is stored as text', async () => {
    const booked = await api.bookSlot({ slotId: slotIds[2]!, userId: 'carol' });
    const reason = '{"$set":{"status":"CONFIRMED"}}';
    const res = await api.cancelAppointment({
      appointmentId: booked.appointment!.id,
      userId: 'carol',
      reason,
    });
    expect(res.appointment).toMatchObject({
      status: AppointmentStatus.APPOINTMENT_STATUS_CANCELLED,
      cancellationReason: reason,
    });
  });

  it('page tokens carrying operators are INVALID_ARGUMENT', async () => {
    const tokens = [
      { k: { $gt: 0 }, i: '000000000000000000000000' },
      { k: 1, i: { $ne: null } },
      { k: 1, i: '000000000000000000000000', f: { $ne: '' } },
    ].map((v) => Buffer.from(JSON.stringify(v)).toString('base64url'));
    for (const pageToken of tokens) {
      expect(violatedFields(await failure(api.listAppointments({ userId: 'alice', pageToken })))).toEqual([
        'page_token',
      ]);
      expect(violatedFields(await failure(api.listServices({ pageToken })))).toEqual(['page_token']);
      expect(violatedFields(await failure(api.listSlots({ serviceId, pageToken })))).toEqual(['page_token']);
    }
  });
});

describe('refused requests the fuzzer caught changing state', () => {
  let serviceId: string;
  let slotIds: string[];
  let inactive: { serviceId: string; slotIds: string[] };

  beforeAll(async () => {
    ({
      service: { id: serviceId },
      slotIds,
    } = await serviceWithSlots(api, {}, 60));
    const other = await serviceWithSlots(api, { active: false }, 61);
    inactive = { serviceId: other.service.id, slotIds: other.slotIds };
  });

  const claimDoc = (id: string) =>
    t.db.collection<{ status: string }>('appointments').findOne({ _id: new Types.ObjectId(id) });
  const slotDoc = (id: string) =>
    t.db.collection<{ status: string; revision: number }>('slots').findOne({ _id: new Types.ObjectId(id) });

  it.each([
    ['another slot', false],
    ['its slot but another service_id', true],
  ])(
    'BookSlot with a hold token naming %s is HOLD_NOT_FOUND, and the hold stays a hold',
    async (_what, wrongService) => {
      const [heldSlot, otherSlot] = [slotIds.shift()!, slotIds.shift()!];
      const hold = await api.holdSlot({ slotId: heldSlot, userId: 'fuzz-bob' });
      const holdId = hold.holdToken.split('.')[0]!;
      const err = await failure(
        api.bookSlot({
          slotId: wrongService ? heldSlot : otherSlot,
          serviceId: wrongService ? inactive.serviceId : '',
          userId: 'fuzz-bob',
          holdToken: hold.holdToken,
        }),
      );
      expect(err).toMatchObject({ code: grpc.status.NOT_FOUND, reason: 'HOLD_NOT_FOUND' });
      // Refused: no appointment was made, the hold is still a hold on its slot.
      expect((await claimDoc(holdId))?.status).toBe('HELD');
      const listed = await api.listAppointments({ userId: 'fuzz-bob', pageSize: 100 });
      expect(listed.appointments.map((a) => a.id)).not.toContain(holdId);
      expect(await invariantViolations(t.db, serviceId)).toEqual([]);
    },
  );

  it.each(['holdSlot', 'bookSlot'] as const)(
    '%s on a slot of an inactive service is SERVICE_INACTIVE and does not touch the slot',
    async (method) => {
      const slotId = inactive.slotIds.shift()!;
      const watch = openWatch(t.client, { serviceId: inactive.serviceId, sendInitialSnapshot: true });
      try {
        await watch.synced();
        const before = await slotDoc(slotId);
        const err = await failure(api[method]({ slotId, userId: 'fuzz-carol' }));
        expect(err).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, reason: 'SERVICE_INACTIVE' });
        const after = await slotDoc(slotId);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect({
          revision: after?.revision,
          status: after?.status,
          changesWatchersSaw: watch.changes().map(changeSummary),
        }).toEqual({ revision: before?.revision, status: before?.status, changesWatchersSaw: [] });
      } finally {
        watch.cancel();
      }
    },
  );
});
