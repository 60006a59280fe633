/**
 * Which MongoDB driver (and FerretDB) errors mean "the database cannot serve
 * right now; nothing was written, retry later" rather than a bug. The
 * transport reports these as UNAVAILABLE without knowing any driver name.
 */

// The database cannot be reached: no server selected, the connection or its pool gone.
const UNREACHABLE_ERROR_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
]);

// Server errors that mean "busy, nothing was written; retry": MongoDB's LockTimeout,
// WriteConflict and ExceededTimeLimit codes, and FerretDB's SQLite write lock timing out
// under load ("database is locked (5) (SQLITE_BUSY)", reported without a specific code).
const BUSY_SERVER_CODES = new Set([24, 112, 262]);

export function isDatabaseOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (UNREACHABLE_ERROR_NAMES.has(err.name)) return true;
  const labelled = err as Error & { hasErrorLabel?: (label: string) => boolean; code?: unknown };
  if (typeof labelled.hasErrorLabel === 'function' && labelled.hasErrorLabel('RetryableWriteError'))
    return true;
  return (
    err.name === 'MongoServerError' &&
    ((typeof labelled.code === 'number' && BUSY_SERVER_CODES.has(labelled.code)) ||
      err.message.includes('(SQLITE_BUSY)'))
  );
}
