/**
 * Bearer tokens: bad tokens and authorization headers of every kind are
 * UNAUTHENTICATED and write nothing; two authorization headers count only
 * the first; odd claims are handled; health and reflection need no token.
 */
import * as grpc from '@grpc/grpc-js';
import { CreateServiceRequest } from '../../../src/gen/booking/v1/booking_service';
import { serviceInput } from '../../factories';
import { AuthFixture, SUBJECT } from '../../support/auth/fixture';
import {
  BAD_AUTHORIZATION_HEADERS,
  BAD_CLAIMS,
  ODD_SUBJECTS,
  splicedAdminToken,
} from '../../support/auth/token-cases';
import { failure } from '../../support/harness';
import { describeOutcome, outcome } from '../../support/outcomes';
import { healthStatus, reflectedServiceNames } from '../../support/proto-clients';
import { rawGrpcCall } from '../../support/raw-http2';
import { authorization, bearer, unsignedToken } from '../../support/tokens';

const f = new AuthFixture();
beforeAll(() => f.start(1));
afterAll(() => f.stop());

describe('tokens', () => {
  const listWith = (metadata: grpc.Metadata) => failure(f.api.listServices({ pageSize: 1 }, metadata));
  const refusedAs = (why: string) => ({
    code: grpc.status.UNAUTHENTICATED,
    reason: 'UNAUTHENTICATED',
    metadata: { why },
  });

  it('an expired token (beyond the clock skew) is UNAUTHENTICATED with why=TOKEN_EXPIRED', async () => {
    const expired = await f.token({
      subject: 'alice',
      roles: ['user'],
      expiresIn: -(f.auth.clockSkewSeconds + 30),
    });
    expect(await listWith(bearer(expired))).toMatchObject(refusedAs('TOKEN_EXPIRED'));
    const w = f.openWatch(bearer(expired));
    expect(await w.failure()).toMatchObject(refusedAs('TOKEN_EXPIRED'));
  });

  it('a token expired within the clock skew is still accepted', async () => {
    const recent = await f.token({ subject: 'alice', roles: ['user'], expiresIn: -5 });
    await expect(f.api.listServices({ pageSize: 1 }, bearer(recent))).resolves.toBeDefined();
  });

  it.each(BAD_CLAIMS)(
    'a token %s is UNAUTHENTICATED (INVALID_TOKEN), and nothing is written',
    async (_what, o) => {
      const bad = await f.token({ subject: SUBJECT.admin, roles: ['admin', 'service'], ...o });
      expect(await listWith(bearer(bad))).toMatchObject(refusedAs('INVALID_TOKEN'));
      const { result, before, after } = await f.around(() =>
        failure(f.api.createService({ service: serviceInput() }, bearer(bad))),
      );
      expect(result).toMatchObject(refusedAs('INVALID_TOKEN'));
      expect(after).toEqual(before);
    },
  );

  it('an unsigned token (alg none) is UNAUTHENTICATED', async () => {
    const none = unsignedToken(f.auth, SUBJECT.admin, ['admin']);
    expect(await listWith(bearer(none))).toMatchObject(refusedAs('INVALID_TOKEN'));
    expect((await failure(f.api.createService({ service: serviceInput() }, bearer(none)))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
  });

  it('a token with admin claims spliced onto a user token signature is UNAUTHENTICATED', async () => {
    const spliced = splicedAdminToken(f.auth, await f.token({ subject: 'alice', roles: ['user'] }));
    expect(await listWith(bearer(spliced))).toMatchObject(refusedAs('INVALID_TOKEN'));
  });

  it.each(BAD_AUTHORIZATION_HEADERS)(
    'an authorization header with %s is UNAUTHENTICATED',
    async (_what, value) => {
      const result = await listWith(authorization(value));
      expect(result.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(['MISSING_CREDENTIALS', 'INVALID_TOKEN']).toContain(result.metadata.why);
    },
  );

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
    const merged = `Bearer ${f.tokenFor('admin')}, Bearer ${f.tokenFor('user')}`;
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
      const values = callers.map((c) => `Bearer ${f.tokenFor(c)}`);
      const body = CreateServiceRequest.encode({ service: serviceInput() }).finish();
      const {
        result: requestId,
        before,
        after,
      } = await f.around(() =>
        rawGrpcCall(f.t.app.port, '/booking.v1.BookingService/CreateService', values, body),
      );
      const line = f.logs.linesOf(requestId).find((l) => l.msg === 'call');
      expect(line).toMatchObject({ method: 'CreateService', code: expected });
      if (expected !== 'OK') expect(after).toEqual(before);
    },
  );

  it('a token whose subject is not a string is UNAUTHENTICATED', async () => {
    for (const subject of ODD_SUBJECTS) {
      const odd = await f.token({ subject, roles: ['user'] });
      const result = await outcome(f.api.listServices({ pageSize: 1 }, bearer(odd)));
      expect({ subject, outcome: describeOutcome(result) }).toMatchObject({
        subject,
        outcome: expect.stringMatching(/^UNAUTHENTICATED\//) as unknown,
      });
    }
  });

  it('roles from a space-separated string claim work', async () => {
    const both = await f.token({ subject: 'ops', roles: 'admin service' });
    await expect(f.api.listAppointments({ userId: 'bob' }, bearer(both))).resolves.toBeDefined();
    await expect(f.api.createService({ service: serviceInput() }, bearer(both))).resolves.toBeDefined();
  });

  describe('health and reflection need no token', () => {
    it('health', async () => {
      expect(await healthStatus(f.t.target, 'booking.v1.BookingService')).toBe('SERVING');
    });

    it('reflection', async () => {
      expect(await reflectedServiceNames(f.t.target)).toContain('booking.v1.BookingService');
    });
  });
});
