/**
 * The request pipeline shared by unary and server-streaming calls
 * (src/rpc/pipeline): the order of its middleware, and that every refusal,
 * failure and server-ended stream is mapped once, logged and counted.
 */
import { Writable } from 'node:stream';
import { Metadata, status as Code } from '@grpc/grpc-js';
import { DomainError } from '../../src/domain/errors';
import { JwtVerifier } from '../../src/infra/auth/jwt-verifier';
import { Metrics } from '../../src/infra/metrics/metrics';
import { createLogger } from '../../src/logger';
import { CallGuard } from '../../src/rpc/call-guard';
import { callPipeline, StreamRegistry, type OpenStream, type RpcCall } from '../../src/rpc/pipeline';
import { CallFailure, compose, StreamEnded, type Middleware } from '../../src/rpc/pipeline/call';
import type { RpcError } from '../../src/rpc/error-status';
import { tolerantService } from '../../src/rpc/tolerant-service';
import { BookingServiceService } from '../../src/gen/booking/v1/booking_service';

type Line = Record<string, unknown> & { msg: string; level: number };

function setUp(opts: { verifier?: JwtVerifier; isOutage?: (err: unknown) => boolean } = {}) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  const metrics = new Metrics();
  const streams = new StreamRegistry();
  const logger = createLogger('debug', sink);
  const pipeline = callPipeline({
    logger,
    metrics,
    guard: new CallGuard(opts.verifier ?? null),
    rolesOf: (method) => (method === 'CreateService' ? ['admin'] : ['admin', 'user']),
    isOutage: opts.isOutage ?? (() => false),
    streams,
    maxStreamsPerPrincipal: 1,
  });
  const headers: Metadata[] = [];
  const call = (
    method: string,
    o: { request?: unknown; metadata?: Metadata; stream?: OpenStream } = {},
  ): RpcCall => ({
    method,
    request: o.request ?? {},
    metadata: o.metadata ?? new Metadata(),
    signal: new AbortController().signal,
    stream: o.stream ?? null,
    startedAt: process.hrtime.bigint(),
    sendHeaders: (h) => headers.push(h),
    requestId: '',
    logger,
    principal: null,
  });
  /** The CallFailure the call ended with, or null. */
  const run = (
    c: RpcCall,
    handler: () => Promise<void> = () => Promise.resolve(),
  ): Promise<CallFailure | null> =>
    pipeline(c, handler).then(
      () => null,
      (err: unknown) => {
        if (err instanceof CallFailure) return err;
        throw err;
      },
    );
  const counted = async (name: string, labels: Record<string, string>): Promise<number> => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
    const values = (metric?.values ?? []) as { labels: Record<string, unknown>; value: number }[];
    return values
      .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { lines, headers, streams, call, run, counted };
}

const fakeStream = (): OpenStream & { endedWith: RpcError[] } => {
  const s = {
    closed: false,
    endedWith: [] as RpcError[],
    end: (e: RpcError) => void s.endedWith.push(e),
  };
  return s;
};

describe('compose', () => {
  it('runs middleware outermost first around the handler, and unwinds in reverse', async () => {
    const seen: string[] = [];
    const step =
      (name: string): Middleware =>
      async (_call, next) => {
        seen.push(`${name} in`);
        await next();
        seen.push(`${name} out`);
      };
    await compose([step('a'), step('b')])({} as RpcCall, () => {
      seen.push('handler');
      return Promise.resolve();
    });
    expect(seen).toEqual(['a in', 'b in', 'handler', 'b out', 'a out']);
  });

  it('a middleware that throws stops the call before the handler', async () => {
    const handler = jest.fn(() => Promise.resolve());
    const refuse: Middleware = () => Promise.reject(new Error('no'));
    await expect(compose([refuse])({} as RpcCall, handler)).rejects.toThrow('no');
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('the pipeline of a unary call', () => {
  it('echoes a sane x-request-id, authenticates, and logs and counts one OK line', async () => {
    const t = setUp();
    const metadata = new Metadata();
    metadata.set('x-request-id', 'req-1');
    const c = t.call('BookSlot', { metadata });
    let principal: string | undefined;
    expect(
      await t.run(c, () => {
        principal = c.principal?.subject;
        return Promise.resolve();
      }),
    ).toBeNull();
    expect(principal).toBe('anonymous');
    expect(t.headers.map((h) => h.get('x-request-id'))).toEqual([['req-1']]);
    expect(t.lines).toEqual([
      expect.objectContaining({
        msg: 'call',
        method: 'BookSlot',
        requestId: 'req-1',
        principal: 'anonymous',
        code: 'OK',
      }),
    ]);
    expect(await t.counted('booking_grpc_server_handled_total', { method: 'BookSlot', code: 'OK' })).toBe(1);
    expect(await t.counted('booking_outcomes_total', { operation: 'BookSlot', outcome: 'booked' })).toBe(1);
  });

  it('refuses undecodable bytes before anything else (INVALID_ARGUMENT, MALFORMED_REQUEST)', async () => {
    const t = setUp();
    const decode = tolerantService(BookingServiceService).bookSlot.requestDeserialize;
    const handler = jest.fn(() => Promise.resolve());
    const failure = await t.run(t.call('BookSlot', { request: decode(Buffer.from([0xff, 0xff])) }), handler);
    expect(handler).not.toHaveBeenCalled();
    expect(failure?.classified.error.code).toBe(Code.INVALID_ARGUMENT);
    expect(failure?.classified.reason).toBe('MALFORMED_REQUEST');
    expect(t.lines).toEqual([expect.objectContaining({ msg: 'call', code: 'INVALID_ARGUMENT', level: 30 })]);
  });

  it('answers a token the verifier rejects with UNAUTHENTICATED and its why', async () => {
    const verifier = new JwtVerifier({
      secret: 's'.repeat(43),
      jwksFile: null,
      jwksUrl: null,
      issuer: 'https://issuer.example',
      audience: 'booking',
      clockSkewSeconds: 0,
      rolesClaim: 'roles',
    });
    const t = setUp({ verifier });
    const metadata = new Metadata();
    metadata.set('authorization', 'Bearer not.a.token');
    const failure = await t.run(t.call('ListServices', { metadata }));
    expect(failure?.classified.error.code).toBe(Code.UNAUTHENTICATED);
    expect(failure?.thrown).toMatchObject({ reason: 'UNAUTHENTICATED', metadata: { why: 'INVALID_TOKEN' } });
    const missing = await t.run(t.call('ListServices'));
    expect(missing?.thrown).toMatchObject({
      reason: 'UNAUTHENTICATED',
      metadata: { why: 'MISSING_CREDENTIALS' },
    });
  });

  it('logs a refusal by the handler with the principal and its reason', async () => {
    const t = setUp();
    const failure = await t.run(t.call('CreateService'), () =>
      Promise.reject(new DomainError('NOT_SERVICE_OWNER', 'not yours')),
    );
    expect(failure?.classified.reason).toBe('NOT_SERVICE_OWNER');
    expect(t.lines).toEqual([
      expect.objectContaining({
        msg: 'call',
        principal: 'anonymous',
        code: 'PERMISSION_DENIED',
        reason: 'NOT_SERVICE_OWNER',
      }),
    ]);
  });

  it('maps an error the injected classifier calls an outage to UNAVAILABLE, logged at warn', async () => {
    const outage = new Error('driver says no');
    const t = setUp({ isOutage: (err) => err === outage });
    const failure = await t.run(t.call('BookSlot'), () => Promise.reject(outage));
    expect(failure?.classified).toMatchObject({ reason: 'BACKEND_UNAVAILABLE', kind: 'transient' });
    expect(t.lines).toEqual([expect.objectContaining({ msg: 'call', code: 'UNAVAILABLE', level: 40 })]);
    expect(await t.counted('booking_outcomes_total', { outcome: 'backend_unavailable' })).toBe(1);
  });

  it('reports anything else as INTERNAL, logged at error with the stack', async () => {
    const t = setUp();
    const failure = await t.run(t.call('GetService'), () => Promise.reject(new TypeError('oops')));
    expect(failure?.classified).toMatchObject({ reason: 'INTERNAL', kind: 'bug' });
    expect(t.lines).toEqual([
      expect.objectContaining({ msg: 'call failed with an unexpected error', code: 'INTERNAL', level: 50 }),
    ]);
  });
});

describe('the pipeline of a server stream', () => {
  it('limits open streams per principal and counts a stream until it is over', async () => {
    const t = setUp();
    let over!: () => void;
    const first = t.run(
      t.call('WatchSlotAvailability', { stream: fakeStream() }),
      () => new Promise((r) => (over = r)),
    );
    await new Promise((r) => setImmediate(r));
    expect(t.streams.size).toBe(1);
    const second = await t.run(t.call('WatchSlotAvailability', { stream: fakeStream() }));
    expect(second?.classified.error.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(second?.thrown).toMatchObject({ reason: 'TOO_MANY_STREAMS', metadata: { limit: '1' } });
    expect(t.lines).toContainEqual(
      expect.objectContaining({ msg: 'watch refused', reason: 'TOO_MANY_STREAMS' }),
    );
    over();
    expect(await first).toBeNull();
    expect(t.streams.size).toBe(0);
  });

  it('reports a stream the server ended as ended (log line and metric), not as refused', async () => {
    const t = setUp();
    const stream = fakeStream();
    const failure = await t.run(t.call('WatchSlotAvailability', { stream }), () =>
      Promise.reject(new StreamEnded(new DomainError('REVISION_TOO_OLD', 'too old'))),
    );
    expect(failure).toMatchObject({ ended: true, classified: { reason: 'REVISION_TOO_OLD' } });
    expect(failure?.classified.error.code).toBe(Code.OUT_OF_RANGE);
    expect(t.lines).toEqual([expect.objectContaining({ msg: 'watch ended', code: 'OUT_OF_RANGE' })]);
    expect(await t.counted('booking_watch_streams_ended_total', { reason: 'REVISION_TOO_OLD' })).toBe(1);
    expect(await t.counted('booking_grpc_server_handled_total', {})).toBe(0);
  });

  it('ends open streams on shutdown and refuses new ones (UNAVAILABLE, SHUTTING_DOWN)', async () => {
    const t = setUp();
    const open = fakeStream();
    void t.run(t.call('WatchSlotAvailability', { stream: open }), () => new Promise(() => undefined));
    await new Promise((r) => setImmediate(r));
    t.streams.endAll();
    expect(open.endedWith.map((e) => e.reason)).toEqual(['SHUTTING_DOWN']);
    const late = await t.run(t.call('WatchSlotAvailability', { stream: fakeStream() }));
    expect(late?.classified.error.code).toBe(Code.UNAVAILABLE);
    expect(late?.classified.reason).toBe('SHUTTING_DOWN');
  });
});
