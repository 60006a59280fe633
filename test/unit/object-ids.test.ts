/**
 * isDuplicateKeyError: a unique-index violation as each database reports it.
 * The PostgreSQL messages are copied from real FerretDB v1.24.2 answers to an
 * update / findAndModify colliding on a unique index; the SQLite one has the
 * same shape with SQLite's wording.
 */
import { isDuplicateKeyError } from '../../src/infra/mongo/object-ids';

const SQLITE_UPDATE =
  '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:114 common.UpdateDocument] ' +
  '[collection.go:196 sqlite.(*collection).UpdateAll] UNIQUE constraint failed: ' +
  'slots_3cfec826.serviceId, slots_3cfec826.x (2067) (SQLITE_CONSTRAINT_UNIQUE)';
const POSTGRESQL_UPDATE =
  '[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:114 common.UpdateDocument] ' +
  '[collection.go:227 postgresql.(*collection).UpdateAll] [collection.go:218 postgresql.(*collection).UpdateAll.func1] ' +
  'ERROR: duplicate key value violates unique constraint "slots_3cfec826_serviceid___x___ae6676b6_idx" (SQLSTATE 23505)';
const POSTGRESQL_FIND_AND_MODIFY =
  '[msg_findandmodify.go:196 handler.(*Handler).findAndModifyDocument] [update.go:114 common.UpdateDocument] ' +
  '[collection.go:227 postgresql.(*collection).UpdateAll] [collection.go:218 postgresql.(*collection).UpdateAll.func1] ' +
  'ERROR: duplicate key value violates unique constraint "appointments_1b2c3d4e_slotclaim_1_0a1b2c3d_idx" (SQLSTATE 23505)';

describe('isDuplicateKeyError', () => {
  it.each([
    [
      'MongoDB / FerretDB insert (E11000)',
      { code: 11000, message: 'E11000 duplicate key error collection: db.slots' },
    ],
    ['FerretDB on SQLite, update', { code: 1, message: SQLITE_UPDATE }],
    ['FerretDB on PostgreSQL, update', { code: 1, message: POSTGRESQL_UPDATE }],
    ['FerretDB on PostgreSQL, findAndModify', { code: 1, message: POSTGRESQL_FIND_AND_MODIFY }],
  ])('recognises %s', (_what, err) => {
    expect(isDuplicateKeyError(err)).toBe(true);
  });

  it.each([
    ['another PostgreSQL error', { code: 1, message: 'ERROR: deadlock detected (SQLSTATE 40P01)' }],
    ['the SQLSTATE under another code', { code: 2, message: POSTGRESQL_UPDATE }],
    ['a lock timeout', { code: 1, message: 'database is locked (5) (SQLITE_BUSY)' }],
    ['no code', { message: POSTGRESQL_UPDATE }],
    ['not an object', POSTGRESQL_UPDATE],
    ['null', null],
  ])('refuses %s', (_what, err) => {
    expect(isDuplicateKeyError(err)).toBe(false);
  });
});
