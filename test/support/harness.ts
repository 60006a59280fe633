/**
 * Integration-test harness: a real server on 127.0.0.1:0 against the real
 * MongoDB-wire database and Redis from the global setup (MONGODB_URI,
 * REDIS_URL), each app on a database of its own, and a real gRPC client.
 */
import { randomBytes } from 'node:crypto';
import { credentials, type Metadata } from '@grpc/grpc-js';
import ConnectionString from 'mongodb-connection-string-url';
import mongoose, { type Connection } from 'mongoose';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import * as pb from '../../src/gen/booking/v1/booking_service';
import { BookingServiceClient, BookingServiceService } from '../../src/gen/booking/v1/booking_service';
import { createLogger, type Logger } from '../../src/logger';
import { unaryCall, type UnaryMethod } from '../../bench/lib/grpc-calls';

// Kept importable from here, where every test file imports them from.
export { decodeError, failure, violatedFields, type DecodedError } from './rpc-errors';
export { invariantViolations } from './invariants';

export function requireEnv(name: 'MONGODB_URI' | 'REDIS_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: integration tests run under test/support/global-setup.ts`);
  return value;
}

/** The global setup's MongoDB URI with another database name. */
export function mongoUriFor(database: string): string {
  const cs = new ConnectionString(requireEnv('MONGODB_URI'));
  cs.pathname = `/${database}`;
  return cs.toString();
}

export const uniqueDatabaseName = (prefix = 'test'): string =>
  `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;

export interface TestApp {
  app: RunningApp;
  client: BookingServiceClient;
  target: string;
  database: string;
  mongoUri: string;
  /** A separate connection to the app's database, for assertions on stored state. */
  db: Connection;
  stop(): Promise<void>;
}

/**
 * Starts the service with `env` on top of the test defaults; `opts.logger`
 * replaces the silent one (TEST_LOG_LEVEL) for tests that read the logs.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: { database?: string; logger?: Logger } = {},
): Promise<TestApp> {
  const database = opts.database ?? uniqueDatabaseName();
  const mongoUri = mongoUriFor(database);
  const config = loadConfig({
    MONGODB_URI: mongoUri,
    REDIS_URL: requireEnv('REDIS_URL'),
    PORT: '0',
    BIND_HOST: '127.0.0.1',
    SHUTDOWN_GRACE_MS: '2000',
    // Tests of other concerns call without tokens; test/integration/auth/ turns it on.
    AUTH_DISABLED: 'true',
    METRICS_PORT: '0',
    ...env,
  });
  const app = await startApp(config, {
    logger: opts.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  const target = `127.0.0.1:${app.port}`;
  const client = new BookingServiceClient(target, credentials.createInsecure());
  const db = await mongoose.createConnection(mongoUri).asPromise();
  return {
    app,
    client,
    target,
    database,
    mongoUri,
    db,
    stop: async () => {
      client.close();
      await app.shutdown('test finished');
      await db.dropDatabase().catch(() => undefined);
      await db.close();
    },
  };
}

/** Unary calls as promises: the same helper the bench and chaos traffic use. */
export const call = unaryCall;
export type { UnaryMethod };

type ServiceDefinition = typeof BookingServiceService;
/** The names of the service's unary methods (WatchSlotAvailability streams). */
type Unary = {
  [K in keyof ServiceDefinition]: ServiceDefinition[K]['responseStream'] extends false ? K : never;
}[keyof ServiceDefinition];
type RequestOf<K extends Unary> = ReturnType<ServiceDefinition[K]['requestDeserialize']>;
type ResponseOf<K extends Unary> = ReturnType<ServiceDefinition[K]['responseDeserialize']>;

/** The promise-returning facade of `rpc`: one function per unary method, taking a partial request. */
export type Rpc = {
  [K in Unary]: (request: pb.DeepPartial<RequestOf<K>>, metadata?: Metadata) => Promise<ResponseOf<K>>;
};

interface MessageFns<T> {
  fromPartial(object: pb.DeepPartial<T>): T;
}

/**
 * Builds a promise-returning facade: `rpc(client).bookSlot({ slotId, userId })`.
 * Requests are partial: unset fields take their proto3 defaults. Each unary
 * method of the service is there, its request message (`<Method>Request`)
 * found by name.
 */
export function rpc(client: BookingServiceClient): Rpc {
  const unary = (Object.keys(BookingServiceService) as (keyof ServiceDefinition)[]).filter(
    (name): name is Unary => !BookingServiceService[name].responseStream,
  );
  const messages = pb as unknown as Record<string, MessageFns<unknown>>;
  return Object.fromEntries(
    unary.map((name) => {
      const type = messages[`${name[0]!.toUpperCase()}${name.slice(1)}Request`]!;
      const method = client[name] as UnaryMethod<unknown, unknown>;
      return [
        name,
        (request: pb.DeepPartial<unknown>, metadata?: Metadata) =>
          call(client, method, type.fromPartial(request), metadata),
      ];
    }),
  ) as Rpc;
}

/** Number of documents in each collection of the app's database. */
export async function countDocuments(
  t: Pick<TestApp, 'db'>,
): Promise<{ services: number; slots: number; appointments: number }> {
  const [services, slots, appointments] = await Promise.all(
    ['services', 'slots', 'appointments'].map((name) => t.db.collection(name).countDocuments()),
  );
  return { services: services!, slots: slots!, appointments: appointments! };
}
