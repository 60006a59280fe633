/** What the load jobs share: waiting for the start, counting, the bare-driver floor's booking. */
import {
  bookUpdate,
  claimDoc,
  MongoClient,
  ObjectId,
  type Db,
  type MongoClientT,
  type SlotDoc,
} from '../lib/docs';
import { sleep } from '../lib/stats';
import type { SlotRef } from './types';

export const waitUntil = (t: number): Promise<void> => sleep(t - Date.now());
export const bump = (o: Record<string, number>, k: string, by = 1): void => {
  o[k] = (o[k] ?? 0) + by;
};

/** A MongoClient that counts the commands it sends. */
export async function floorClient(
  uri: string,
  poolSize: number,
): Promise<{ client: MongoClientT; ops: Record<string, number> }> {
  const client = new MongoClient(uri, { maxPoolSize: poolSize, monitorCommands: true });
  const ops: Record<string, number> = {};
  // endSessions is the driver closing the client, not part of the work.
  client.on('commandStarted', (e) => {
    if (e.commandName !== 'endSessions') bump(ops, e.commandName);
  });
  await client.connect();
  await client.db('admin').command({ ping: 1 });
  return { client, ops };
}

export const toSlot = (s: SlotRef): Pick<SlotDoc, '_id' | 'serviceId' | 'startTime' | 'endTime'> => ({
  _id: new ObjectId(s.id),
  serviceId: new ObjectId(s.serviceId),
  startTime: new Date(s.startTime),
  endTime: new Date(s.endTime),
});

/** The floor's booking: conditional update of the slot, then insert of the appointment. */
export async function bookBare(
  db: Db,
  slot: Pick<SlotDoc, '_id' | 'serviceId' | 'startTime' | 'endTime'>,
  userId: string,
): Promise<string> {
  const now = new Date();
  const id = new ObjectId();
  const u = bookUpdate(slot._id, id, now);
  const res = await db.collection<SlotDoc>('slots').updateOne(u.filter, u.update);
  if (res.modifiedCount !== 1) return 'lost: slot not available';
  try {
    await db.collection('appointments').insertOne(claimDoc(slot, userId, id, now));
    return 'OK';
  } catch (err) {
    if ((err as { code?: number }).code === 11000) return 'lost: unique slot claim';
    throw err;
  }
}

export const errorName = (err: unknown): string => {
  const msg = err instanceof Error ? err.message : String(err);
  if (msg.includes('SQLITE_BUSY')) return 'SQLITE_BUSY';
  return msg.slice(0, 80);
};

export const diff = (after: Record<string, number>, before: Record<string, number>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(after)
      .map(([k, v]): [string, number] => [k, v - (before[k] ?? 0)])
      .filter(([, v]) => v !== 0),
  );
