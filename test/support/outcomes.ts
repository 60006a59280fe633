/**
 * How a call ended, and whether it changed the database: for tests that
 * check a refused call stores and changes nothing.
 */
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { type Connection } from 'mongoose';
import { decodeError, type DecodedError } from './harness';

/** How a call ended: its status code, with the decoded error when it failed. */
export interface Outcome {
  code: number;
  error: DecodedError | null;
}

export async function outcome(promise: Promise<unknown>): Promise<Outcome> {
  try {
    await promise;
    return { code: status.OK, error: null };
  } catch (err) {
    const error = decodeError(err);
    return { code: error.code, error };
  }
}

/** `OK`, or `CODE/REASON: message`. */
export const describeOutcome = (o: Outcome): string =>
  o.error ? `${status[o.code]}/${o.error.reason ?? '-'}: ${o.error.message}` : 'OK';

/** Collection name -> document count and a digest of every document, to tell whether anything changed. */
export async function dbState(db: Connection): Promise<Record<string, string>> {
  const names = ['services', 'slots', 'appointments', 'request_log'];
  const docs = await Promise.all(names.map((n) => db.collection(n).find().sort({ _id: 1 }).toArray()));
  return Object.fromEntries(
    names.map((n, i) => {
      const digest = createHash('sha256').update(JSON.stringify(docs[i])).digest('hex').slice(0, 12);
      return [n, `${docs[i]!.length} docs ${digest}`];
    }),
  );
}

/** Runs `action` and returns what the database looked like before and after it. */
export async function around<T>(
  db: Connection,
  action: () => Promise<T>,
): Promise<{ result: T; before: unknown; after: unknown }> {
  const before = await dbState(db);
  const result = await action();
  return { result, before, after: await dbState(db) };
}
