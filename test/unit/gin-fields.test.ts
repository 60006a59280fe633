/**
 * The embedded PostgreSQL's GIN expression indexes (scripts/postgres/
 * ferretdb-gin-indexes.sql, booking_tuning.gin_fields) must be exactly the
 * lookup fields the repositories select on (EQUALITY_FIELDS): a field missing
 * there is a query served by a sequential scan, an extra one costs every write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EQUALITY_FIELDS } from '../../src/infra/mongo/indexed-fields';

const SQL = path.resolve(__dirname, '..', '..', 'scripts', 'postgres', 'ferretdb-gin-indexes.sql');

function ginFieldsOf(sql: string): Record<string, string[]> {
  const fn = /FUNCTION booking_tuning\.gin_fields[\s\S]*?\$\$([\s\S]*?)\$\$/.exec(sql)?.[1];
  if (!fn) throw new Error(`booking_tuning.gin_fields not found in ${SQL}`);
  const out: Record<string, string[]> = {};
  for (const m of fn.matchAll(/WHEN '([^']+)'\s+THEN ARRAY\[([^\]]*)\]/g)) {
    out[m[1]!] = [...m[2]!.matchAll(/'([^']+)'/g)].map((f) => f[1]!);
  }
  return out;
}

describe('GIN index list of the embedded PostgreSQL', () => {
  const listed = ginFieldsOf(fs.readFileSync(SQL, 'utf8'));

  it('names every collection of EQUALITY_FIELDS, and no other', () => {
    expect(Object.keys(listed).sort()).toEqual(Object.keys(EQUALITY_FIELDS).sort());
  });

  it.each(Object.entries(EQUALITY_FIELDS))(
    'indexes exactly the lookup fields of %s',
    (collection, fields) => {
      expect([...(listed[collection] ?? [])].sort()).toEqual([...fields].sort());
    },
  );
});
