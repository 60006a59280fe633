import mongoose, { type Connection } from 'mongoose';

export interface MongoOptions {
  uri: string;
  /** The database to use when the URI names none (null or absent: the URI's own). */
  dbName?: string | null;
  /** How long an operation waits for a reachable server before failing. */
  serverSelectionTimeoutMs: number;
}

/**
 * Commands one instance can have in flight at the database. FerretDB's own
 * pool must exceed what all instances together can have in flight (see
 * scripts/local-servers/postgres.ts, FERRETDB_PG_POOL_MAX_CONNS).
 */
export const MONGO_MAX_POOL_SIZE = 50;

/**
 * Opens a dedicated connection (not mongoose's global one, so several apps can
 * live in one process). Commands are not buffered while disconnected: they
 * fail fast and the caller answers UNAVAILABLE.
 */
export async function connectMongo(opts: MongoOptions): Promise<Connection> {
  const connection = mongoose.createConnection(opts.uri, {
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMs,
    ...(opts.dbName ? { dbName: opts.dbName } : {}),
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    maxPoolSize: MONGO_MAX_POOL_SIZE,
  });
  connection.set('strictQuery', true);
  await connection.asPromise();
  return connection;
}
