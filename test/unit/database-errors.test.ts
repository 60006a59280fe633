/**
 * The classification of driver errors in src/infra: which mean "the database
 * or Redis cannot serve right now" (the transport answers UNAVAILABLE), which
 * are bugs. The transport itself knows no driver name.
 */
import { isBackendOutage } from '../../src/infra/backend-outage';
import { isDatabaseOutage } from '../../src/infra/mongo/database-errors';
import { isRedisOutage } from '../../src/infra/redis/redis-errors';

const named = (name: string, message = 'x', extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(message), { name, ...extra });

describe('isDatabaseOutage', () => {
  // Each driver name in turn: test/unit/error-status.test.ts (through classifyError's default classifier).
  it('an unreachable database (no server selected, the pool cleared) is an outage', () => {
    for (const name of ['MongooseServerSelectionError', 'MongoPoolClearedError']) {
      expect(isDatabaseOutage(named(name))).toBe(true);
      expect(isBackendOutage(named(name))).toBe(true);
    }
  });

  it.each([
    ['MongoDB LockTimeout', 24, 'Unable to acquire lock'],
    ['MongoDB WriteConflict', 112, 'WriteConflict error'],
    ['MongoDB ExceededTimeLimit', 262, 'operation exceeded time limit'],
    ['FerretDB SQLite busy', 1, 'InsertAll.func1] database is locked (5) (SQLITE_BUSY)'],
  ])('a busy server (%s) is an outage', (_what, code, message) => {
    expect(isDatabaseOutage(named('MongoServerError', message, { code, hasErrorLabel: () => false }))).toBe(
      true,
    );
  });

  it('an error labelled RetryableWriteError is an outage, the same error unlabelled is not', () => {
    const labelled = (label: string): Error =>
      named('MongoServerError', 'not primary', { hasErrorLabel: (l: string) => l === label });
    expect(isDatabaseOutage(labelled('RetryableWriteError'))).toBe(true);
    expect(isDatabaseOutage(labelled('SomethingElse'))).toBe(false);
  });

  it.each([
    [
      'a duplicate key (a bug when it escapes the repositories)',
      named('MongoServerError', 'E11000', { code: 11000 }),
    ],
    ['SQLITE_BUSY text on another error', named('Error', 'database is locked (5) (SQLITE_BUSY)')],
    ['a plain Error', new Error('boom')],
    ['an object merely named like a driver error', { name: 'MongoNetworkError', message: 'x' }],
    ['a string', 'MongoNetworkError'],
    ['undefined', undefined],
    ['a Redis outage', named('MaxRetriesPerRequestError')],
  ])('%s is not a database outage', (_what, err) => {
    expect(isDatabaseOutage(err)).toBe(false);
  });
});

describe('isRedisOutage', () => {
  it('ioredis giving up on a command (MaxRetriesPerRequestError) is an outage', () => {
    expect(isRedisOutage(named('MaxRetriesPerRequestError'))).toBe(true);
    expect(isBackendOutage(named('MaxRetriesPerRequestError'))).toBe(true);
  });

  it('other errors are not', () => {
    expect(isRedisOutage(named('ReplyError', 'ERR wrong number of arguments'))).toBe(false);
    expect(isRedisOutage({ name: 'MaxRetriesPerRequestError' })).toBe(false);
    expect(isBackendOutage(new TypeError('x'))).toBe(false);
  });
});
