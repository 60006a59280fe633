/**
 * Integration-test harness: a real server on 127.0.0.1:0 against the real
 * MongoDB-wire database and Redis from the global setup (MONGODB_URI,
 * REDIS_URL), each app on a database of its own, and a real gRPC client.
 */
import { randomBytes } from 'node:crypto';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import ConnectionString from 'mongodb-connection-string-url';
import mongoose, { type Connection } from 'mongoose';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import * as pb from '../../src/gen/booking/v1/booking_service';
import { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import { createLogger, type Logger } from '../../src/logger';

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

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  callback: (err: ServiceError | null, res: Res) => void,
) => unknown;

/** Calls a unary method of the generated client and returns a promise. */
export function call<Req, Res>(
  client: BookingServiceClient,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata = new Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

interface MessageFns<T> {
  fromPartial(object: pb.DeepPartial<T>): T;
}

/**
 * Builds a promise-returning facade: `rpc(client).bookSlot({ slotId, userId })`.
 * Requests are partial: unset fields take their proto3 defaults.
 */
export function rpc(client: BookingServiceClient) {
  const bind =
    <Req, Res>(method: UnaryMethod<Req, Res>, type: MessageFns<Req>) =>
    (request: pb.DeepPartial<Req>, metadata?: Metadata): Promise<Res> =>
      call(client, method, type.fromPartial(request), metadata);
  return {
    createService: bind<pb.CreateServiceRequest, pb.CreateServiceResponse>(
      client.createService,
      pb.CreateServiceRequest,
    ),
    getService: bind<pb.GetServiceRequest, pb.GetServiceResponse>(client.getService, pb.GetServiceRequest),
    listServices: bind<pb.ListServicesRequest, pb.ListServicesResponse>(
      client.listServices,
      pb.ListServicesRequest,
    ),
    updateService: bind<pb.UpdateServiceRequest, pb.UpdateServiceResponse>(
      client.updateService,
      pb.UpdateServiceRequest,
    ),
    deleteService: bind<pb.DeleteServiceRequest, pb.DeleteServiceResponse>(
      client.deleteService,
      pb.DeleteServiceRequest,
    ),
    generateSlots: bind<pb.GenerateSlotsRequest, pb.GenerateSlotsResponse>(
      client.generateSlots,
      pb.GenerateSlotsRequest,
    ),
    listSlots: bind<pb.ListSlotsRequest, pb.ListSlotsResponse>(client.listSlots, pb.ListSlotsRequest),
    setSlotStatus: bind<pb.SetSlotStatusRequest, pb.SetSlotStatusResponse>(
      client.setSlotStatus,
      pb.SetSlotStatusRequest,
    ),
    bookSlot: bind<pb.BookSlotRequest, pb.BookSlotResponse>(client.bookSlot, pb.BookSlotRequest),
    cancelAppointment: bind<pb.CancelAppointmentRequest, pb.CancelAppointmentResponse>(
      client.cancelAppointment,
      pb.CancelAppointmentRequest,
    ),
    getAppointment: bind<pb.GetAppointmentRequest, pb.GetAppointmentResponse>(
      client.getAppointment,
      pb.GetAppointmentRequest,
    ),
    listAppointments: bind<pb.ListAppointmentsRequest, pb.ListAppointmentsResponse>(
      client.listAppointments,
      pb.ListAppointmentsRequest,
    ),
    holdSlot: bind<pb.HoldSlotRequest, pb.HoldSlotResponse>(client.holdSlot, pb.HoldSlotRequest),
    releaseHold: bind<pb.ReleaseHoldRequest, pb.ReleaseHoldResponse>(
      client.releaseHold,
      pb.ReleaseHoldRequest,
    ),
    rescheduleAppointment: bind<pb.RescheduleAppointmentRequest, pb.RescheduleAppointmentResponse>(
      client.rescheduleAppointment,
      pb.RescheduleAppointmentRequest,
    ),
  };
}
export type Rpc = ReturnType<typeof rpc>;

/** Number of documents in each collection of the app's database. */
export async function countDocuments(
  t: Pick<TestApp, 'db'>,
): Promise<{ services: number; slots: number; appointments: number }> {
  const [services, slots, appointments] = await Promise.all(
    ['services', 'slots', 'appointments'].map((name) => t.db.collection(name).countDocuments()),
  );
  return { services: services!, slots: slots!, appointments: appointments! };
}
