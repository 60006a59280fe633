/**
 * Start-up failures as an operator meets them: the real entry point
 * (src/main.ts) started as a process with a bad environment, or with a
 * database, Redis or port it cannot use. Each must exit non-zero with one
 * message on stderr that names the variable(s) to fix, and no stack trace.
 */
import * as net from 'node:net';
import ConnectionString from 'mongodb-connection-string-url';
import mongoose from 'mongoose';
import { startApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { mongoUriFor, requireEnv, uniqueDatabaseName } from '../support/harness';
import { runEntryPoint } from '../support/entry-point-process';
import { freePort } from '../../scripts/local-servers';

/** Runs src/main.ts with `env` (and PATH only) until it exits; SIGKILLed if it is still up after 50 s. */
const runMain = (env: Record<string, string>) => runEntryPoint('src/main.ts', env, 50_000);

/** A TCP listener on 127.0.0.1 holding a port, as another process would. */
async function holdPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const NO_STACK = /^\s+at /m;

/** The lines of stderr that are ours (grpc-js may add its own "E ..." log line). */
const bookingLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('booking:'));

/** A working environment on loopback: the test databases, no auth, metrics off unless a test turns them on. */
function workingEnv(): Record<string, string> {
  return {
    MONGODB_URI: mongoUriFor(uniqueDatabaseName('startup')),
    REDIS_URL: requireEnv('REDIS_URL'),
    AUTH_DISABLED: 'true',
    BIND_HOST: '127.0.0.1',
    PORT: '0',
    METRICS_ENABLED: 'false',
    RECONCILER_ENABLED: 'false',
    LOG_LEVEL: 'warn',
  };
}

describe('an invalid environment', () => {
  it('names every bad variable in one message, exit 2, no stack trace', async () => {
    const result = await runMain({
      PORT: 'abc',
      BOOKING_LOCK_FAILURE_MODE: 'maybe',
      TLS_CERT_FILE: '/x.crt',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(NO_STACK);
    const named = result.stderr
      .split('\n')
      .slice(1)
      .filter(Boolean)
      .map((line) => line.trim().split(':')[0]);
    expect(named).toEqual([
      'AUTH_AUDIENCE',
      'AUTH_ISSUER',
      'AUTH_JWT_SECRET',
      'BOOKING_LOCK_FAILURE_MODE',
      'MONGODB_URI',
      'PORT',
      'REDIS_URL',
      'TLS_KEY_FILE',
    ]);
    expect(result.stderr).toMatch(/^booking: invalid configuration:\n/);
    expect(result.stderr).toContain('  PORT: must be an integer 0-65535 (got "abc")\n');
  });
});

describe('a start-up failure', () => {
  it('an unreachable MONGODB_URI: names it, without its password, exit 1, no stack trace', async () => {
    const closed = await freePort();
    const result = await runMain({
      ...workingEnv(),
      MONGODB_URI: `mongodb://app:s3cret@127.0.0.1:${closed}/booking`,
      MONGODB_SERVER_SELECTION_TIMEOUT_MS: '1000',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(result.stderr).not.toContain('s3cret');
    expect(bookingLines(result.stderr)).toEqual([
      `booking: cannot start: MONGODB_URI: cannot reach the database at mongodb://app:***@127.0.0.1:${closed}/booking ` +
        `within 1000 ms (connect ECONNREFUSED 127.0.0.1:${closed}): check that it is running and reachable ` +
        'from here, and the hosts, port and options in MONGODB_URI (MONGODB_SERVER_SELECTION_TIMEOUT_MS sets how long to wait)',
    ]);
  });

  it('an unreachable REDIS_URL: names it, exit 1, no stack trace', async () => {
    const closed = await freePort();
    const result = await runMain({ ...workingEnv(), REDIS_URL: `redis://:s3cret@127.0.0.1:${closed}` });
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(NO_STACK);
    expect(result.stderr).not.toContain('s3cret');
    const lines = bookingLines(result.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^booking: cannot start: REDIS_URL: Redis at redis://\\*\\*\\*@127\\.0\\.0\\.1:${closed} not ready ` +
          `within 10000 ms \\(last error: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}\\): check that it is running`,
      ),
    );
  });

  it('a METRICS_PORT in use: names it, exit 1, no stack trace', async () => {
    const taken = await holdPort();
    try {
      const result = await runMain({
        ...workingEnv(),
        METRICS_ENABLED: 'true',
        METRICS_HOST: '127.0.0.1',
        METRICS_PORT: String(taken.port),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(NO_STACK);
      expect(bookingLines(result.stderr)).toEqual([
        `booking: cannot start: METRICS_PORT: port ${taken.port} on 127.0.0.1 is already in use (another process, ` +
          'or another instance of this service): set METRICS_PORT to a free port, or METRICS_ENABLED=false to ' +
          'switch metrics off',
      ]);
    } finally {
      await taken.close();
    }
  });

  it('a PORT in use: names it, exit 1, no stack trace', async () => {
    const taken = await holdPort();
    try {
      const result = await runMain({ ...workingEnv(), PORT: String(taken.port) });
      expect(result.code).toBe(1);
      expect(result.stderr).not.toMatch(NO_STACK);
      expect(bookingLines(result.stderr)).toEqual([
        `booking: cannot start: PORT: ${taken.port} on BIND_HOST 127.0.0.1 is already in use (another process, ` +
          'or another instance of this service): stop it, or set PORT to a free port',
      ]);
    } finally {
      await taken.close();
    }
  });

  it('a BIND_HOST that is not an address of this machine: names it, exit 1', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (documentation only): never assigned to an interface, nothing is sent.
    const result = await runMain({ ...workingEnv(), BIND_HOST: '192.0.2.1' });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(bookingLines(result.stderr)).toEqual([
      'booking: cannot start: BIND_HOST: cannot listen on 192.0.2.1, it is not an address of this machine: ' +
        'set BIND_HOST to one of its addresses (0.0.0.0 for all)',
    ]);
  });

  it('TLS files that do not exist: names each, exit 1', async () => {
    const result = await runMain({
      ...workingEnv(),
      TLS_CERT_FILE: '/nonexistent/server.crt',
      TLS_KEY_FILE: '/nonexistent/server.key',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(bookingLines(result.stderr)).toEqual([
      'booking: cannot start: TLS_CERT_FILE: cannot read /nonexistent/server.crt (ENOENT); ' +
        'TLS_KEY_FILE: cannot read /nonexistent/server.key (ENOENT)',
    ]);
  });
});

describe('a MONGODB_URI without a database name', () => {
  it('uses the database "booking", not the driver default "test"', async () => {
    const cs = new ConnectionString(requireEnv('MONGODB_URI'));
    cs.pathname = '/';
    const uri = cs.toString();
    const app = await startApp(loadConfig({ ...workingEnv(), MONGODB_URI: uri }), {
      logger: createLogger('silent'),
    });
    const db = await mongoose.createConnection(mongoUriFor('booking')).asPromise();
    try {
      const collections = (await db.listCollections()).map((c) => c.name);
      expect(collections).toEqual(expect.arrayContaining(['slots', 'appointments', 'services']));
    } finally {
      await app.shutdown('test finished');
      await db.dropDatabase().catch(() => undefined);
      await db.close();
    }
  });
});
