/**
 * Configuration: defaults, required variables, refusal of bad values with a
 * message naming the variable, empty strings read as unset.
 */
import { ConfigError, loadConfig } from '../../../src/config';
import { configError, namedVariables, NO_AUTH, REQUIRED } from '../../support/config-env';

describe('loadConfig', () => {
  it('applies the defaults', () => {
    expect(loadConfig(REQUIRED)).toMatchObject({
      port: 50051,
      bindHost: '0.0.0.0',
      mongo: { uri: REQUIRED.MONGODB_URI, dbName: null, serverSelectionTimeoutMs: 5_000 },
      redis: { url: REQUIRED.REDIS_URL, commandTimeoutMs: 500 },
      logLevel: 'info',
      lock: { enabled: true, ttlMs: 2_000, failureMode: 'proceed', repairWaitMs: 500 },
      maxSlotsPerGeneration: 40_000,
      serviceCacheTtlMs: 10_000,
      grpcMaxReceiveMessageBytes: 1024 * 1024,
      shutdownGraceMs: 10_000,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...NO_AUTH,
      MONGODB_URI: 'mongodb+srv://cluster.example.net/booking',
      REDIS_URL: 'rediss://cache.example.net:6380',
      PORT: '0',
      BIND_HOST: '127.0.0.1',
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1500',
      REDIS_COMMAND_TIMEOUT_MS: '250',
      LOG_LEVEL: 'debug',
      BOOKING_LOCK_ENABLED: 'false',
      BOOKING_LOCK_TTL_MS: '3000',
      BOOKING_LOCK_FAILURE_MODE: 'reject',
      BOOKING_LOCK_REPAIR_WAIT_MS: '0',
      MAX_SLOTS_PER_GENERATION: '1000',
      SERVICE_CACHE_TTL_MS: '0',
      GRPC_MAX_RECEIVE_MESSAGE_BYTES: '2048',
      SHUTDOWN_GRACE_MS: '0',
    });
    expect(config).toMatchObject({
      port: 0,
      bindHost: '127.0.0.1',
      mongo: { uri: 'mongodb+srv://cluster.example.net/booking', serverSelectionTimeoutMs: 1500 },
      redis: { url: 'rediss://cache.example.net:6380', commandTimeoutMs: 250 },
      logLevel: 'debug',
      lock: { enabled: false, ttlMs: 3000, failureMode: 'reject', repairWaitMs: 0 },
      maxSlotsPerGeneration: 1000,
      serviceCacheTtlMs: 0,
      grpcMaxReceiveMessageBytes: 2048,
      shutdownGraceMs: 0,
    });
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ ...REQUIRED, HOME: '/root', PATH: '/usr/bin' })).not.toThrow();
  });

  it('names both missing variables', () => {
    const err = configError({ ...NO_AUTH });
    expect(namedVariables(err)).toEqual(['MONGODB_URI', 'REDIS_URL']);
    expect(err.message).toContain('MONGODB_URI: is required');
    expect(err.message).toContain('REDIS_URL: is required');
  });

  it.each(['MONGODB_URI', 'REDIS_URL'] as const)('names %s when only it is missing', (name) => {
    const env: NodeJS.ProcessEnv = { ...REQUIRED };
    delete env[name];
    expect(namedVariables(configError(env))).toEqual([name]);
  });

  it('treats empty strings as unset: defaults apply, and required ones are missing', () => {
    expect(loadConfig({ ...REQUIRED, PORT: '', LOG_LEVEL: '', BOOKING_LOCK_FAILURE_MODE: '' })).toMatchObject(
      {
        port: 50051,
        logLevel: 'info',
        lock: { failureMode: 'proceed' },
      },
    );
    const err = configError({ ...NO_AUTH, MONGODB_URI: '', REDIS_URL: '' });
    expect(namedVariables(err)).toEqual(['MONGODB_URI', 'REDIS_URL']);
    expect(err.message).toContain('is required');
  });

  it.each([
    ['PORT', 50051],
    ['SHUTDOWN_GRACE_MS', 10_000],
  ] as const)(
    'does not read a blank (whitespace) %s as 0: it is refused or left at its default',
    (name, byDefault) => {
      // Number(' ') is 0: a stray space must not mean "a random port" or "no drain at all".
      let config: ReturnType<typeof loadConfig> | undefined;
      try {
        config = loadConfig({ ...REQUIRED, [name]: '  ' });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect(namedVariables(err as ConfigError)).toEqual([name]);
        return;
      }
      expect(name === 'PORT' ? config.port : config.shutdownGraceMs).toBe(byDefault);
    },
  );

  it.each(['abc', '70000', '65536', '-1', '1.5', '8080x', '1e3', '0x50'])('refuses PORT=%s', (port) => {
    const err = configError({ ...REQUIRED, PORT: port });
    expect(namedVariables(err)).toEqual(['PORT']);
    expect(err.message).toBe(`invalid configuration:\n  PORT: must be an integer 0-65535 (got "${port}")`);
  });

  it('says what a variable accepts and what it got', () => {
    const err = configError({
      ...REQUIRED,
      BOOKING_LOCK_FAILURE_MODE: 'maybe',
      BOOKING_LOCK_ENABLED: 'on',
      LOG_LEVEL: 'verbose',
    });
    expect(err.message.split('\n').slice(1)).toEqual([
      '  BOOKING_LOCK_ENABLED: must be true or false (or 1/0, yes/no) (got "on")',
      '  BOOKING_LOCK_FAILURE_MODE: must be one of proceed, reject (got "maybe")',
      '  LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ]);
  });

  it.each(['maybe', 'PROCEED', 'fail-open'])('refuses BOOKING_LOCK_FAILURE_MODE=%s', (mode) => {
    expect(namedVariables(configError({ ...REQUIRED, BOOKING_LOCK_FAILURE_MODE: mode }))).toEqual([
      'BOOKING_LOCK_FAILURE_MODE',
    ]);
  });

  it.each([
    ['MONGODB_URI', 'postgres://db/booking'],
    ['REDIS_URL', 'http://cache:6379'],
    ['BOOKING_LOCK_ENABLED', 'on'],
    ['LOG_LEVEL', 'verbose'],
    ['BOOKING_LOCK_TTL_MS', '50'],
    ['MAX_SLOTS_PER_GENERATION', '0'],
    ['WATCH_BATCH_WINDOW_MS', '-1'],
    ['WATCH_BATCH_WINDOW_MS', '10001'],
    ['WATCH_BATCH_WINDOW_MS', '2.5'],
  ])('refuses %s=%s', (name, value) => {
    expect(namedVariables(configError({ ...REQUIRED, [name]: value }))).toEqual([name]);
  });

  it('coalesces watch changes for 60 ms by default, and not at all with WATCH_BATCH_WINDOW_MS=0', () => {
    expect(loadConfig(REQUIRED).watch.batchWindowMs).toBe(60);
    expect(loadConfig({ ...REQUIRED, WATCH_BATCH_WINDOW_MS: '0' }).watch.batchWindowMs).toBe(0);
    expect(loadConfig({ ...REQUIRED, WATCH_BATCH_WINDOW_MS: '10000' }).watch.batchWindowMs).toBe(10_000);
  });

  it('names every bad variable at once', () => {
    expect(
      namedVariables(configError({ ...NO_AUTH, PORT: 'abc', BOOKING_LOCK_FAILURE_MODE: 'maybe' })),
    ).toEqual(['BOOKING_LOCK_FAILURE_MODE', 'MONGODB_URI', 'PORT', 'REDIS_URL']);
  });

  it('reports the cross-variable rules in the same round as missing or malformed variables', () => {
    // An empty environment: before, only MONGODB_URI and REDIS_URL, then the AUTH_* ones once those were set.
    expect(namedVariables(configError({ PORT: 'abc', TLS_CERT_FILE: '/etc/tls/server.crt' }))).toEqual([
      'AUTH_AUDIENCE',
      'AUTH_ISSUER',
      'AUTH_JWT_SECRET',
      'MONGODB_URI',
      'PORT',
      'REDIS_URL',
      'TLS_KEY_FILE',
    ]);
  });

  it('pairs the health probe client certificate and key', () => {
    const err = configError({ ...REQUIRED, HEALTHCHECK_TLS_KEY_FILE: '/etc/tls/probe.key' });
    expect(err.message).toBe(
      'invalid configuration:\n' +
        '  HEALTHCHECK_TLS_CERT_FILE: HEALTHCHECK_TLS_CERT_FILE and HEALTHCHECK_TLS_KEY_FILE go together: set both or neither',
    );
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads BOOKING_LOCK_ENABLED=%s as %s', (value, enabled) => {
    expect(loadConfig({ ...REQUIRED, BOOKING_LOCK_ENABLED: value }).lock.enabled).toBe(enabled);
  });
});
