import { Types } from 'mongoose';

/** Ids reach the repositories validated (24 hex characters); this only converts. */
export const oid = (hex: string): Types.ObjectId => new Types.ObjectId(hex);
export const newId = (): string => new Types.ObjectId().toHexString();
export const hex = (id: Types.ObjectId): string => id.toHexString();

/**
 * How FerretDB 1.x words a unique violation on update (code 1, InternalError),
 * per backend: SQLite's "UNIQUE constraint failed", PostgreSQL's SQLSTATE
 * 23505 (unique_violation) as pgx formats it.
 */
const FERRETDB_UNIQUE_VIOLATION = /UNIQUE constraint failed|\(SQLSTATE 23505\)/;

/**
 * A unique-index violation. MongoDB reports E11000 (code 11000) for inserts
 * and updates; FerretDB 1.x does so for inserts but reports an update's as
 * code 1 with the backend's own wording (see above).
 */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (
    code === 11000 || (code === 1 && typeof message === 'string' && FERRETDB_UNIQUE_VIOLATION.test(message))
  );
}
