/**
 * Configuration: defaults, required variables, refusal of bad values with a
 * message naming the variable, empty strings read as unset.
 */
import {
  ConfigError,
  DEFAULT_DATABASE,
  loadConfig,
  loadProbeConfig,
  mongoUriDatabase,
  redactUri,
} from '../../src/config';

// Authentication is configured (and tested) on its own; these tests switch it off.
const NO_AUTH = { AUTH_DISABLED: 'true' };
const REQUIRED = {
  ...NO_AUTH,
  MONGODB_URI: 'mongodb://127.0.0.1:27017/booking',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

/** The ConfigError loading `env` throws. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, the configuration was accepted');
}

/** The variables a ConfigError's message names, one per line. */
const namedVariables = (err: ConfigError): string[] =>
  err.message
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(':')[0]!)
    .sort();

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

  it('coalesces watch changes for 50 ms by default, and not at all with WATCH_BATCH_WINDOW_MS=0', () => {
    expect(loadConfig(REQUIRED).watch.batchWindowMs).toBe(50);
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

describe('the database MONGODB_URI names', () => {
  it.each([
    ['mongodb://127.0.0.1:27017/booking', 'booking'],
    ['mongodb://user:p%40ss@h1:27017,h2:27017/appts?replicaSet=rs0&w=majority', 'appts'],
    ['mongodb+srv://cluster.example.net/my%20db?retryWrites=true', 'my db'],
    ['mongodb://127.0.0.1:27017', null],
    ['mongodb://127.0.0.1:27017/', null],
    ['mongodb://h1,h2,h3/?replicaSet=rs0', null],
    ['mongodb://user:secret@127.0.0.1:27017/?authSource=admin', null],
  ])('%s names %s', (uri, name) => {
    expect(mongoUriDatabase(uri)).toBe(name);
  });

  it(`uses "${DEFAULT_DATABASE}" when the URI names no database, and the URI's own otherwise`, () => {
    expect(DEFAULT_DATABASE).toBe('booking');
    expect(loadConfig({ ...REQUIRED, MONGODB_URI: 'mongodb://127.0.0.1:27017' }).mongo.dbName).toBe(
      'booking',
    );
    expect(loadConfig({ ...REQUIRED, MONGODB_URI: 'mongodb://h1,h2/?replicaSet=rs0' }).mongo.dbName).toBe(
      'booking',
    );
    expect(
      loadConfig({ ...REQUIRED, MONGODB_URI: 'mongodb://127.0.0.1:27017/appts' }).mongo.dbName,
    ).toBeNull();
  });
});

describe('redactUri', () => {
  it.each([
    [
      'mongodb://app:s3cret@db1:27017,db2:27017/booking?replicaSet=rs0',
      'mongodb://app:***@db1:27017,db2:27017/booking?replicaSet=rs0',
    ],
    ['redis://:s3cret@cache:6379/0', 'redis://***@cache:6379/0'],
    ['rediss://default:s3cret@cache:6380', 'rediss://default:***@cache:6380'],
    ['mongodb://127.0.0.1:27017/booking', 'mongodb://127.0.0.1:27017/booking'],
  ])('%s -> %s', (uri, redacted) => {
    expect(redactUri(uri)).toBe(redacted);
    expect(redactUri(uri)).not.toContain('s3cret');
  });
});

describe('loadProbeConfig (the health probe)', () => {
  it('reads the listen address and TLS settings only: no database or auth variables needed', () => {
    expect(loadProbeConfig({})).toEqual({ port: 50051, bindHost: '0.0.0.0', tls: null });
    expect(
      loadProbeConfig({
        PORT: '6000',
        BIND_HOST: '10.0.0.5',
        TLS_CERT_FILE: '/tls/server.crt',
        TLS_KEY_FILE: '/tls/server.key',
        TLS_CLIENT_CA_FILE: '/tls/ca.crt',
        HEALTHCHECK_TLS_CERT_FILE: '/tls/probe.crt',
        HEALTHCHECK_TLS_KEY_FILE: '/tls/probe.key',
      }),
    ).toEqual({
      port: 6000,
      bindHost: '10.0.0.5',
      tls: {
        certFile: '/tls/server.crt',
        keyFile: '/tls/server.key',
        clientCaFile: '/tls/ca.crt',
        clientCertFile: '/tls/probe.crt',
        clientKeyFile: '/tls/probe.key',
      },
    });
  });

  it('refuses what the server would refuse', () => {
    expect(() => loadProbeConfig({ PORT: 'abc', TLS_KEY_FILE: '/tls/server.key' })).toThrow(
      new ConfigError(
        'invalid configuration:\n' +
          '  PORT: must be an integer 0-65535 (got "abc")\n' +
          '  TLS_CERT_FILE: TLS_CERT_FILE and TLS_KEY_FILE go together: set both or neither',
      ),
    );
  });
});
