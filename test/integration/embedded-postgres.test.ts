/**
 * The embedded default: FerretDB on a private PostgreSQL cluster started by
 * scripts/local-servers/ (its own, whatever the global setup runs on).
 *  - The GIN expression indexes of scripts/postgres/ferretdb-gin-indexes.sql
 *    serve the equality FerretDB pushes down (`_jsonb->'f' @> v`), per
 *    collection as listed there; other collections get `_id` only.
 *  - A unique violation on update (FerretDB: code 1, SQLSTATE 23505) is
 *    recognised as a duplicate key.
 *  - The cluster runs as an unprivileged user, and stops, its throwaway data
 *    dir removed, when its owner process is SIGKILLed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import mongoose from 'mongoose';
import { isDuplicateKeyError } from '../../src/infra/mongo/object-ids';
import {
  mongoPing,
  obtainBackingServices,
  waitUntil,
  type BackingServices,
} from '../../scripts/local-servers';
import { withOwner } from '../support/owner';

/** Our own backing services: local binaries, FerretDB on PostgreSQL; Redis from the global setup. */
function embeddedEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MONGODB_URI: '',
    BOOKING_BACKING: 'local',
    BOOKING_FERRETDB_BACKEND: 'postgresql',
  };
}

const dataDirOf = (describe: string, name: string): string => {
  const dir = new RegExp(`data (\\S*booking-${name}-[^\\s,;)]+)`).exec(describe)?.[1];
  if (!dir) throw new Error(`no ${name} data dir in: ${describe}`);
  return dir;
};

/** FerretDB's explain: whether the filter was pushed down, and the PostgreSQL plan. */
async function explain(db: mongoose.mongo.Db, collection: string, filter: object) {
  const res = await db.command({ explain: { find: collection, filter } });
  return { pushdown: res.filterPushdown as boolean, plan: JSON.stringify(res.queryPlanner) };
}

describe('FerretDB on the private PostgreSQL cluster', () => {
  let backing: BackingServices;
  let client: mongoose.mongo.MongoClient;
  let db: mongoose.mongo.Db;

  beforeAll(async () => {
    backing = await obtainBackingServices({ env: embeddedEnv(), log: () => undefined });
    client = new mongoose.mongo.MongoClient(backing.mongoUri);
    db = client.db('embedded_pg');
  }, 120_000);
  afterAll(async () => {
    await client?.close(true);
    await backing?.stop();
  });

  it('runs FerretDB with the PostgreSQL handler on a cluster of its own, not as root', () => {
    expect(backing.describe).toMatch(/ferretdb \S+ postgresql.*on PostgreSQL \d+/);
    const pgdata = path.join(dataDirOf(backing.describe, 'postgres'), 'pgdata');
    const pid = Number(fs.readFileSync(path.join(pgdata, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const uid = Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    expect(uid).not.toBeNaN();
    if (process.getuid?.() === 0) expect(uid).not.toBe(0);
    expect(backing.mongoUri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('serves pushed-down equality from the GIN expression indexes listed per collection', async () => {
    const slots = db.collection<{ _id: number; serviceDay: string; note: string }>('slots');
    const others = db.collection<{ _id: number; serviceDay: string }>('other_things');
    const docs = Array.from({ length: 3000 }, (_, i) => ({
      _id: i,
      serviceDay: `s${i % 300}`,
      note: `n${i % 300}`,
    }));
    await slots.insertMany(docs);
    await others.insertMany(docs.map(({ _id, serviceDay }) => ({ _id, serviceDay })));

    const byId = await explain(db, 'slots', { _id: 1234 });
    expect(byId.pushdown).toBe(true);
    expect(byId.plan).toMatch(/"Index Name":"slots_[0-9a-f]{8}_gin__id"/);

    const byDay = await explain(db, 'slots', { serviceDay: 's7' });
    expect(byDay.pushdown).toBe(true);
    expect(byDay.plan).toMatch(/"Index Name":"slots_[0-9a-f]{8}_gin_serviceday"/);

    // not listed for slots: pushed down, but no index of ours
    const byNote = await explain(db, 'slots', { note: 'n7' });
    expect(byNote.pushdown).toBe(true);
    expect(byNote.plan).not.toMatch(/_gin_/);

    // an unlisted collection gets `_id` only
    expect((await explain(db, 'other_things', { _id: 1234 })).plan).toMatch(
      /"Index Name":"other_things_[0-9a-f]{8}_gin__id"/,
    );
    expect((await explain(db, 'other_things', { serviceDay: 's7' })).plan).not.toMatch(/_gin_/);
  });

  it('reports a unique violation on update as a duplicate key', async () => {
    const claims = db.collection<{ _id: string; slotClaim: string }>('appointments');
    await claims.createIndex({ slotClaim: 1 }, { unique: true });
    await claims.insertMany([
      { _id: 'a', slotClaim: 'slot-1' },
      { _id: 'b', slotClaim: 'slot-2' },
    ]);
    const err: unknown = await claims.findOneAndUpdate({ _id: 'b' }, { $set: { slotClaim: 'slot-1' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as { code?: unknown }).code).toBe(1);
    expect(String((err as { message?: unknown }).message)).toContain('(SQLSTATE 23505)');
    expect(isDuplicateKeyError(err)).toBe(true);
    expect(await claims.countDocuments({ slotClaim: 'slot-1' })).toBe(1);
  });
});

describe('the private PostgreSQL cluster when its owner is SIGKILLed', () => {
  it('stops FerretDB and PostgreSQL and removes their throwaway data', async () => {
    await withOwner<{ mongoUri: string; describe: string }, void>('backing', embeddedEnv(), async (owner) => {
      const pgDir = dataDirOf(owner.started.describe, 'postgres');
      const ferretDir = dataDirOf(owner.started.describe, 'ferretdb');
      expect(fs.existsSync(path.join(pgDir, 'pgdata', 'postmaster.pid'))).toBe(true);
      expect(await mongoPing(owner.started.mongoUri)).toBe(true);

      await owner.sigkill();
      await waitUntil(
        () => !fs.existsSync(pgDir) && !fs.existsSync(ferretDir),
        60_000,
        `removal of ${pgDir} and ${ferretDir}`,
      );
      expect(await mongoPing(owner.started.mongoUri)).toBe(false);
    });
  }, 180_000);
});
