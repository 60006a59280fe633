/**
 * Configuration of authentication: AUTH_* variables, AUTH_DISABLED, and the
 * refusals naming what is missing.
 */
import { loadConfig } from '../../../src/config';
import { configError } from '../../support/config-env';

describe('loadConfig: authentication', () => {
  const BASE = { MONGODB_URI: 'mongodb://127.0.0.1:27017/booking', REDIS_URL: 'redis://127.0.0.1:6379' };
  const AUTH = { AUTH_ISSUER: 'https://idp.example', AUTH_AUDIENCE: 'booking-api' };

  it('refuses to start without any AUTH_* and without AUTH_DISABLED, naming AUTH_JWT_SECRET', () => {
    const err = configError(BASE);
    expect(err.message).toMatch(/AUTH_JWT_SECRET/);
    expect(err.message).toMatch(/AUTH_ISSUER/);
    expect(err.message).toMatch(/AUTH_AUDIENCE/);
  });

  it('treats an empty AUTH_DISABLED as unset (authentication stays on)', () => {
    expect(configError({ ...BASE, AUTH_DISABLED: '' }).message).toMatch(/AUTH_JWT_SECRET/);
  });

  it('refuses a secret shorter than 32 characters', () => {
    expect(configError({ ...BASE, ...AUTH, AUTH_JWT_SECRET: 'x'.repeat(31) }).message).toMatch(
      /AUTH_JWT_SECRET: must be at least 32 characters/,
    );
  });

  it('refuses two key sources at once', () => {
    expect(
      configError({ ...BASE, ...AUTH, AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_FILE: '/tmp/jwks.json' })
        .message,
    ).toMatch(/exactly one of AUTH_JWT_SECRET, AUTH_JWKS_FILE or AUTH_JWKS_URL/);
  });

  it('refuses an AUTH_DISABLED value that is not a boolean', () => {
    expect(configError({ ...BASE, AUTH_DISABLED: 'maybe' }).message).toMatch(/AUTH_DISABLED/);
  });

  it('configures HS256 authentication from a secret, issuer and audience', () => {
    const config = loadConfig({ ...BASE, ...AUTH, AUTH_JWT_SECRET: 's'.repeat(32) });
    expect(config.auth).toEqual({
      secret: 's'.repeat(32),
      jwksFile: null,
      jwksUrl: null,
      issuer: AUTH.AUTH_ISSUER,
      audience: AUTH.AUTH_AUDIENCE,
      clockSkewSeconds: 30,
      rolesClaim: 'roles',
    });
  });

  it('switches authentication off only with AUTH_DISABLED=true', () => {
    expect(loadConfig({ ...BASE, AUTH_DISABLED: 'true' }).auth).toBeNull();
  });
});
