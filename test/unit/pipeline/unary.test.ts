/**
 * The request pipeline shared by unary and server-streaming calls
 * (src/rpc/pipeline): the order of its middleware, and that every refusal and
 * failure of a unary call is mapped once, logged and counted.
 */
import { Metadata, status as Code } from '@grpc/grpc-js';
import { DomainError } from '../../../src/domain/errors';
import { JwtVerifier } from '../../../src/infra/auth/jwt-verifier';
import { type RpcCall } from '../../../src/rpc/pipeline';
import { compose, type Middleware } from '../../../src/rpc/pipeline/call';
import { tolerantService } from '../../../src/rpc/tolerant-service';
import { BookingServiceService } from '../../../src/gen/booking/v1/booking_service';
import { setUp } from '../../support/pipeline';

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
