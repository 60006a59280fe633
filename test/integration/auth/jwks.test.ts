/**
 * Keys from a JWKS file (AUTH_JWKS_FILE) instead of a secret: tokens signed
 * by a key of the set (ES256, RS256) are accepted; HS256 tokens (even keyed
 * with the public key), keys not in the set, unknown kids and tokens of
 * another trust domain are UNAUTHENTICATED and write nothing.
 */
import * as grpc from '@grpc/grpc-js';
import { serviceInput } from '../../factories';
import { JwksFixture } from '../../support/auth/jwks';
import { failure } from '../../support/harness';
import { LogSink } from '../../support/log-sink';
import { bearer, hsToken, newHsAuth } from '../../support/tokens';

const jwks = new JwksFixture();
beforeAll(() => jwks.start(new LogSink()));
afterAll(() => jwks.stop());

describe('keys from a JWKS file (AUTH_JWKS_FILE)', () => {
  const signed = async (...args: Parameters<JwksFixture['signed']>) => bearer(await jwks.signed(...args));

  it('accepts tokens signed by a key of the set (ES256 and RS256)', async () => {
    await expect(
      jwks.api.createService(
        { service: serviceInput() },
        await signed(jwks.keys.es.privateKey, 'ES256', 'es-1', ['admin']),
      ),
    ).resolves.toBeDefined();
    await expect(
      jwks.api.listServices(
        { pageSize: 1 },
        await signed(jwks.keys.rs.privateKey, 'RS256', 'rs-1', ['user']),
      ),
    ).resolves.toBeDefined();
  });

  it('refuses HS256 tokens, including one keyed with the public key', async () => {
    for (const secret of jwks.hs256Secrets()) {
      const md = bearer(await jwks.hs256(secret));
      const before = await jwks.t.db.collection('services').countDocuments();
      const result = await failure(jwks.api.createService({ service: serviceInput() }, md));
      expect(result).toMatchObject({ code: grpc.status.UNAUTHENTICATED, metadata: { why: 'INVALID_TOKEN' } });
      expect(await jwks.t.db.collection('services').countDocuments()).toBe(before);
    }
  });

  it('refuses a token from a key not in the set, even with a known kid, and an unknown kid', async () => {
    for (const md of [
      await signed(jwks.keys.stranger.privateKey, 'ES256', 'es-1', ['admin']),
      await signed(jwks.keys.stranger.privateKey, 'ES256', 'nope', ['admin']),
      await signed(jwks.keys.es.privateKey, 'ES256', 'unknown-kid', ['admin']),
    ]) {
      expect(await failure(jwks.api.listServices({ pageSize: 1 }, md))).toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
        metadata: { why: 'INVALID_TOKEN' },
      });
    }
  });

  it('refuses a token of the HS256 app (another trust domain)', async () => {
    // An admin token as the HS256 apps of the other auth tests mint them (their issuer, audience, a secret).
    const hsAdmin = await hsToken(newHsAuth(), { subject: 'catalog-admin', roles: ['admin'] });
    expect((await failure(jwks.api.listServices({ pageSize: 1 }, bearer(hsAdmin)))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
  });
});
