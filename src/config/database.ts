import { z } from 'zod';
import { int, required, type Parsed } from './variables';

/** The default database when MONGODB_URI names none (instead of the driver's `test`). */
export const DEFAULT_DATABASE = 'booking';

/**
 * The database a MongoDB URI names in its path (`mongodb://h1,h2/NAME?...`),
 * or null when it names none. Credentials may not contain an unescaped "/",
 * so the path starts at the first "/" after the scheme.
 */
export function mongoUriDatabase(uri: string): string | null {
  const rest = uri.replace(/^mongodb(\+srv)?:\/\//, '');
  const slash = rest.indexOf('/');
  if (slash < 0) return null;
  const name = rest.slice(slash + 1).split('?')[0]!;
  return name === '' ? null : decodeURIComponent(name);
}

export const databaseVariables = {
  MONGODB_URI: z
    .string(required('mongodb://127.0.0.1:27017/booking'))
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: int(100, 120_000).default(5_000),
};

/** dbName: the database to use when the URI names none (null: the URI's own). */
export interface MongoConfig {
  uri: string;
  dbName: string | null;
  serverSelectionTimeoutMs: number;
}

export function mongoConfig(c: Parsed<typeof databaseVariables>): MongoConfig {
  return {
    uri: c.MONGODB_URI,
    dbName: mongoUriDatabase(c.MONGODB_URI) === null ? DEFAULT_DATABASE : null,
    serverSelectionTimeoutMs: c.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
  };
}
