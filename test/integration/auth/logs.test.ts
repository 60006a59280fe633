/**
 * The logs: the line of each call names its principal and method (refused
 * calls too), and no line ever contains a token, a signature or the secret,
 * whatever kind of token the call carried.
 */
import { randomBytes } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { CreateServiceRequest } from '../../../src/gen/booking/v1/booking_service';
import { serviceInput } from '../../factories';
import { AuthFixture, SUBJECT } from '../../support/auth/fixture';
import { JwksFixture } from '../../support/auth/jwks';
import { everyKindOfAuthorization } from '../../support/auth/token-cases';
import { failure, type Rpc } from '../../support/harness';
import { outcome } from '../../support/outcomes';
import { rawGrpcCall } from '../../support/raw-http2';
import { authorization, bearer } from '../../support/tokens';

const f = new AuthFixture();
/** A second app, verifying with a JWKS file, logging into the same sink. */
const jwks = new JwksFixture();
beforeAll(async () => {
  await f.start(1);
  await jwks.start(f.logs);
});
afterAll(async () => {
  await f.stop();
  await jwks.stop();
});

/** `metadata` with an x-request-id to find the call's log line by. */
const tagged = (metadata: grpc.Metadata, requestId: string): grpc.Metadata => {
  metadata.set('x-request-id', requestId);
  return metadata;
};

/**
 * Sends every kind of authorization the other auth tests send: the HS256
 * app's (see everyKindOfAuthorization) each on a read, a write and a watch;
 * two doubled headers (raw HTTP/2); and tokens of the JWKS app on a read and
 * a write. Returns the x-request-ids of the unary calls.
 */
async function sendEveryKindOfToken(): Promise<string[]> {
  const ids: string[] = [];
  const unary = async (api: Rpc, metadata: () => grpc.Metadata) => {
    const id = `leak-${randomBytes(6).toString('hex')}`;
    ids.push(`${id}-read`, `${id}-write`);
    await outcome(api.listServices({ pageSize: 1 }, tagged(metadata(), `${id}-read`)));
    await outcome(api.createService({ service: serviceInput() }, tagged(metadata(), `${id}-write`)));
  };
  for (const value of await everyKindOfAuthorization(f)) {
    await unary(f.api, () => authorization(value));
    await f.watchOutcome(authorization(value));
  }
  const body = CreateServiceRequest.encode({ service: serviceInput() }).finish();
  for (const callers of [['admin', 'user'] as const, ['user', 'admin'] as const]) {
    const values = callers.map((c) => `Bearer ${f.tokenFor(c)}`);
    ids.push(await rawGrpcCall(f.t.app.port, '/booking.v1.BookingService/CreateService', values, body));
  }

  const { es, rs, stranger } = jwks.keys;
  const jwksTokens = await Promise.all([
    jwks.signed(es.privateKey, 'ES256', 'es-1', ['admin']),
    jwks.signed(rs.privateKey, 'RS256', 'rs-1', ['user']),
    jwks.signed(stranger.privateKey, 'ES256', 'es-1', ['admin']),
    jwks.signed(es.privateKey, 'ES256', 'unknown-kid', ['admin']),
    ...jwks.hs256Secrets().map((secret) => jwks.hs256(secret)),
  ]);
  for (const token of jwksTokens) {
    f.tokensSent.add(token);
    await unary(jwks.api, () => bearer(token));
  }
  return ids;
}

describe('logs', () => {
  it('name the principal and method of each admitted call', async () => {
    const id = `log-${randomBytes(6).toString('hex')}`;
    await f.api.bookSlot({ slotId: f.freshSlot(), userId: '' }, tagged(f.as('user'), `${id}-book`));
    await f.api.createService({ service: serviceInput() }, tagged(f.as('admin'), `${id}-create`));
    await failure(f.api.listServices({}, tagged(f.as('no token'), `${id}-anonymous`)));
    await f.watchOutcome(tagged(f.as('user'), `${id}-watch`));
    expect(f.logs.linesOf(`${id}-book`)).toEqual([
      expect.objectContaining({ msg: 'call', method: 'BookSlot', principal: 'alice', code: 'OK' }),
    ]);
    expect(f.logs.linesOf(`${id}-create`)).toEqual([
      expect.objectContaining({ msg: 'call', method: 'CreateService', principal: SUBJECT.admin, code: 'OK' }),
    ]);
    expect(f.logs.linesOf(`${id}-anonymous`)).toEqual([
      expect.objectContaining({ msg: 'call', method: 'ListServices', code: 'UNAUTHENTICATED' }),
    ]);
    expect(f.logs.linesOf(`${id}-watch`)).toEqual(
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
    await failure(f.api.createService({ service: serviceInput() }, tagged(f.as('user'), id)));
    expect(f.logs.linesOf(id)).toEqual([
      expect.objectContaining({
        msg: 'call',
        method: 'CreateService',
        code: 'PERMISSION_DENIED',
        reason: 'ROLE_NOT_ALLOWED',
        principal: 'alice',
      }),
    ]);
  });

  it('never contain a token, a signature or the secret', async () => {
    const requestIds = await sendEveryKindOfToken();
    // The lines searched below are those of these calls: each has its line.
    const unlogged = requestIds.filter((id) => !f.logs.linesOf(id).some((l) => l.msg === 'call'));
    expect(unlogged).toEqual([]);
    expect(f.tokensSent.size).toBeGreaterThan(20);
    const text = f.logs.text();
    const leaks: string[] = [];
    if (text.includes(f.auth.secret)) leaks.push('the secret');
    for (const jwt of f.tokensSent) {
      const signature = jwt.split('.')[2];
      if (text.includes(jwt)) leaks.push(`a token ${jwt.slice(0, 16)}...`);
      else if (signature && signature.length > 16 && text.includes(signature))
        leaks.push('a token signature');
    }
    expect(leaks).toEqual([]);
    expect(text).not.toMatch(/Bearer /);
  });
});
