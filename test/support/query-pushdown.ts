/**
 * Helpers of test/integration/query-pushdown.test.ts: the queries an app sent
 * (captured by driver command monitoring), their filters' equality fields, and
 * what the database says about serving them from an index.
 */
import { Types, type Connection } from 'mongoose';
import { createdBucketOf, updatedBucketOf } from '../../src/infra/mongo/buckets';
import { EQUALITY_FIELDS } from '../../src/infra/mongo/indexed-fields';
import type { ClaimDoc, IdempotencyDoc, SlotDoc, TransitionDoc } from '../../src/infra/mongo/models';
import { claimDocument, serviceWithSlots } from '../factories';
import { capture, type Command } from './command-capture';
import type { Rpc } from './harness';

/** A query the app sent: the step that sent it, and the filter of one of its statements. */
export interface Query {
  step: string;
  collection: string;
  command: string;
  filter: Record<string, unknown>;
  /** The command as sent (for MongoDB's explain, which takes any of them). */
  sent: Record<string, unknown>;
}

export const QUERY_COMMANDS = new Set(['find', 'findAndModify', 'update', 'delete', 'count', 'aggregate']);

/** The filters of a captured command: one per statement of an update or delete. */
export function filtersOf(c: Command): Record<string, unknown>[] {
  const cmd = c.command;
  const doc = (v: unknown): Record<string, unknown> => (v ?? {}) as Record<string, unknown>;
  switch (c.name) {
    case 'find':
      return [doc(cmd.filter)];
    case 'findAndModify':
    case 'count':
      return [doc(cmd.query)];
    case 'update':
      return (cmd.updates as { q: unknown }[]).map((u) => doc(u.q));
    case 'delete':
      return (cmd.deletes as { q: unknown }[]).map((d) => doc(d.q));
    case 'aggregate': {
      const first = (cmd.pipeline as Record<string, unknown>[])[0];
      return [doc(first?.$match)];
    }
    default:
      return [];
  }
}

/** `field: value` or `field: {$eq: value}` (a value, not an operator document). */
export function isEquality(v: unknown): boolean {
  if (v === undefined) return false;
  if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof Types.ObjectId) return true;
  const keys = Object.keys(v);
  if (keys.length > 0 && keys.every((k) => k.startsWith('$'))) return keys.length === 1 && keys[0] === '$eq';
  return !Array.isArray(v); // an embedded document compared whole
}

export const equalityFields = (filter: Record<string, unknown>): string[] =>
  Object.keys(filter).filter((k) => !k.startsWith('$') && isEquality(filter[k]));

export const lookupFields = (collection: string): readonly string[] =>
  (EQUALITY_FIELDS as Record<string, readonly string[]>)[collection] ?? [];

export const describe_ = (q: Query): string =>
  `${q.step}: ${q.command} ${q.collection} ${JSON.stringify(q.filter)}`;

/** Which database serves the app: MongoDB, or FerretDB and its backend. */
export async function backendOf(
  db: Connection,
): Promise<'mongodb' | 'ferretdb-postgresql' | 'ferretdb-sqlite'> {
  const admin = db.db!.admin();
  const info = await admin.command({ buildInfo: 1 });
  // FerretDB answers buildInfo with its own `ferretdbVersion` (v1.24: no `ferretdb` field).
  if (typeof info.ferretdbVersion !== 'string') return 'mongodb';
  // "Powered by FerretDB v1.24.2 and PostgreSQL 15.20." once it has connected to its backend.
  const { log } = (await admin.command({ getLog: 'startupWarnings' })) as { log: string[] };
  const powered = log
    .map((l) => String((JSON.parse(l) as { msg?: unknown }).msg))
    .find((m) => /FerretDB/.test(m));
  if (powered && / and PostgreSQL /.test(powered)) return 'ferretdb-postgresql';
  if (powered && / and SQLite /.test(powered)) return 'ferretdb-sqlite';
  // Not connected yet: the shape of a plan tells (PostgreSQL's EXPLAIN JSON, or SQLite's rows).
  const plan = (await db.db!.command({ explain: { find: 'services', filter: {} } })).queryPlanner as {
    Plan?: unknown;
  };
  return Array.isArray(plan.Plan) ? 'ferretdb-sqlite' : 'ferretdb-postgresql';
}

/**
 * Why FerretDB on PostgreSQL would not serve `q` from a lookup index (null:
 * it would). FerretDB 1.x's `explain` reads only a `filter` (or an
 * aggregate's pipeline) and answers `filterPushdown: false` for findAndModify,
 * update, delete and count whatever their query; those commands hand their
 * query to the same backend query as find does (handler/msg_findandmodify.go,
 * msg_update.go, msg_delete.go, msg_count.go at v1.24.2), so each filter is
 * explained as a find.
 */
export async function postgresProblem(db: Connection, q: Query): Promise<string | null> {
  const res = await db.db!.command({ explain: { find: q.collection, filter: q.filter } });
  if (res.filterPushdown !== true) return 'not pushed down (filterPushdown: false)';
  // `(t._jsonb -> 'field'::text) @> '...'::jsonb`, in a Filter or in an index condition.
  const pushed = [...JSON.stringify(res.queryPlanner).matchAll(/_jsonb -> '([^']+)'::text\) @>/g)].map(
    (m) => m[1]!,
  );
  if (!pushed.some((f) => lookupFields(q.collection).includes(f))) {
    return `pushed down only on ${JSON.stringify(pushed)}, none a lookup field of ${q.collection}`;
  }
  return null;
}

/** Why MongoDB would scan the collection for `q` (null: it would not). Not run here: no MongoDB. */
export async function mongoProblem(db: Connection, q: Query): Promise<string | null> {
  const command = Object.fromEntries(
    Object.entries(q.sent).filter(([k]) => !k.startsWith('$') && k !== 'lsid' && k !== 'txnNumber'),
  );
  const res = await db.db!.command({ explain: command, verbosity: 'queryPlanner' });
  return JSON.stringify(res.queryPlanner ?? res).includes('"COLLSCAN"') ? 'COLLSCAN in the plan' : null;
}

/** A `step(name, fn)` that runs `fn` and adds the queries it sent to `queries`. */
export type Step = (name: string, fn: () => Promise<unknown>) => Promise<void>;

export function queryRecorder(queries: Query[]): Step {
  return async function step(name: string, fn: () => Promise<unknown>): Promise<void> {
    const { commands } = await capture(fn);
    const sent = commands.filter((c) => QUERY_COMMANDS.has(c.name));
    if (sent.length === 0) throw new Error(`step "${name}" sent no query: is command capture working?`);
    for (const c of sent) {
      for (const filter of filtersOf(c)) {
        queries.push({ step: name, collection: c.collection, command: c.name, filter, sent: c.command });
      }
    }
  };
}

/** What the reconciler finds, written straight in the database as crashes leave it (slots 5 to 8 of `slotIds`). */
export async function leaveLeftovers(db: Connection, slotIds: string[], userId: string): Promise<void> {
  const slots = db.collection<SlotDoc>('slots');
  const claims = db.collection<ClaimDoc>('appointments');
  const slotDoc = async (id: string): Promise<SlotDoc> =>
    (await slots.findOne({ _id: new Types.ObjectId(id) }))!;
  const ago = (s: number): Date => new Date(Date.now() - s * 1_000);
  const hold = claimDocument(await slotDoc(slotIds[5]!), {
    status: 'HELD',
    userId,
    expiresAt: ago(5),
    holdSecret: 'secret',
  });
  await claims.insertOne(hold);
  for (const [slotId, set] of [
    [slotIds[5]!, { status: 'LOCKED', holdId: hold._id, holdExpiresAt: ago(5), hold: true }],
    [slotIds[6]!, { status: 'BOOKED', appointmentId: new Types.ObjectId(), hold: false }],
  ] as const) {
    await slots.updateOne(
      { _id: new Types.ObjectId(slotId) },
      {
        $set: { ...set, updatedAt: ago(1), updatedBucket: updatedBucketOf(ago(1)) },
        $inc: { revision: 1 },
      },
    );
  }
  await claims.insertOne(claimDocument(await slotDoc(slotIds[7]!), { status: 'VOID', createdAt: ago(120) }));
  await db.collection<IdempotencyDoc>('request_log').insertOne({
    _id: `BookSlot:${userId}:old`,
    fingerprint: 'f',
    resultId: new Types.ObjectId().toHexString(),
    createdAt: ago(120),
    createdBucket: createdBucketOf(ago(120)),
  });
  const booked = claimDocument(await slotDoc(slotIds[8]!), { userId });
  await claims.insertOne(booked);
  const leftBehind: TransitionDoc = {
    _id: `${booked._id.toHexString()}:1`,
    claimId: booked._id,
    rev: 1,
    set: { rev: 1, revBy: 'crashed', updatedAt: ago(10), updatedBucket: updatedBucketOf(ago(10)) },
    at: ago(10),
  };
  await db.collection<TransitionDoc>('claim_transitions').insertOne(leftBehind);
}

/**
 * The paths of slots of several places: each change appends to the slot's
 * places ledger (slot_places), read by `_id` (`<slot>:<n>`: the slot's newest
 * entry and the next one); the reconciler reads it by `updatedBucket`.
 */
export async function placesSteps(api: Rpc, step: Step, userId: string): Promise<void> {
  const { service: placesService, slotIds: placeIds } = await serviceWithSlots(api, { capacity: 3 });
  let partyId = '';
  await step('BookSlot of a party, on a slot of several places', async () => {
    const res = await api.bookSlot({ slotId: placeIds[0]!, userId, partySize: 2, requestId: 'places-1' });
    partyId = res.appointment!.id;
  });
  await step('HoldSlot of places, then ReleaseHold', async () => {
    const hold = await api.holdSlot({
      slotId: placeIds[0]!,
      userId: 'holder',
      ttlSeconds: 120,
      partySize: 1,
    });
    await api.releaseHold({ holdToken: hold.holdToken, userId: 'holder' });
  });
  await step('HoldSlot of places, then BookSlot with its hold_token', async () => {
    const hold = await api.holdSlot({ slotId: placeIds[2]!, userId, ttlSeconds: 120, partySize: 2 });
    await api.bookSlot({ slotId: placeIds[2]!, userId, holdToken: hold.holdToken });
  });
  await step('RescheduleAppointment of a party', () =>
    api.rescheduleAppointment({
      appointmentId: partyId,
      userId,
      newSlotId: placeIds[1]!,
      requestId: 'places-2',
    }),
  );
  await step('CancelAppointment of a party', () =>
    api.cancelAppointment({ appointmentId: partyId, userId, requestId: 'places-3' }),
  );
  await step('ListSlots of slots of several places', () =>
    api.listSlots({ serviceId: placesService.id, pageSize: 50 }),
  );
}
