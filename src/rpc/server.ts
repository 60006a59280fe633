import { readFileSync } from 'node:fs';
import { Server, ServerCredentials, type handleUnaryCall } from '@grpc/grpc-js';
import type { AppConfig } from '../config';
import { isBackendOutage } from '../infra/backend-outage';
import type { Metrics } from '../infra/metrics/metrics';
import { HealthImplementation } from 'grpc-health-check';
import { BookingServiceService, type BookingServiceServer } from '../gen/booking/v1/booking_service';
import type { Logger } from '../logger';
import type { UseCases } from '../use-cases';
import { appointmentHandlers } from './handlers/appointment.handlers';
import { catalogHandlers } from './handlers/catalog.handlers';
import { watchHandlers } from './handlers/watch.handlers';
import { type RPC_ROLES, rolesFor } from './access-policy';
import type { CallGuard } from './call-guard';
import { callPipeline, StreamRegistry } from './pipeline';
import { reflectionService } from './reflection';
import { parseWatchSlotAvailability } from './requests';
import { serverStream } from './server-stream';
import { tolerantService } from './tolerant-service';
import { unary, type CallContext } from './unary';
import { WatchStream, type WatchSettings } from './watch/watch-stream';

export const SERVICE_NAME = 'booking.v1.BookingService';

/** The use case behind each RPC (src/use-cases/index.ts). */
export type RpcServices = UseCases;

export interface RpcServer {
  server: Server;
  health: HealthImplementation;
  watches: StreamRegistry;
  port: number;
  /** NOT_SERVING, drain for up to `graceMs`, then cut what is left. */
  shutdown(graceMs: number): Promise<void>;
}

export function bookingServiceImplementation(
  services: RpcServices,
  deps: {
    logger: Logger;
    guard: CallGuard;
    metrics: Metrics;
    watches: { registry: StreamRegistry; settings: WatchSettings };
  },
): BookingServiceServer {
  const catalog = catalogHandlers(services);
  const appointments = appointmentHandlers(services);
  const watch = watchHandlers(services);
  const { settings } = deps.watches;
  const through = {
    logger: deps.logger,
    pipeline: callPipeline({
      ...deps,
      rolesOf: rolesFor,
      isOutage: isBackendOutage,
      streams: deps.watches.registry,
      maxStreamsPerPrincipal: settings.maxStreamsPerPrincipal,
    }),
  };
  const rpc = <Req, Res>(
    key: keyof typeof RPC_ROLES,
    handler: (request: Req, ctx: CallContext) => Promise<Res>,
  ): handleUnaryCall<Req, Res> => unary(key.charAt(0).toUpperCase() + key.slice(1), through, handler);
  return {
    createService: rpc('createService', catalog.createService),
    getService: rpc('getService', catalog.getService),
    listServices: rpc('listServices', catalog.listServices),
    updateService: rpc('updateService', catalog.updateService),
    deleteService: rpc('deleteService', catalog.deleteService),
    generateSlots: rpc('generateSlots', catalog.generateSlots),
    listSlots: rpc('listSlots', catalog.listSlots),
    setSlotStatus: rpc('setSlotStatus', catalog.setSlotStatus),
    bookSlot: rpc('bookSlot', appointments.bookSlot),
    cancelAppointment: rpc('cancelAppointment', appointments.cancelAppointment),
    getAppointment: rpc('getAppointment', appointments.getAppointment),
    listAppointments: rpc('listAppointments', appointments.listAppointments),
    holdSlot: rpc('holdSlot', appointments.holdSlot),
    releaseHold: rpc('releaseHold', appointments.releaseHold),
    rescheduleAppointment: rpc('rescheduleAppointment', appointments.rescheduleAppointment),
    watchSlotAvailability: serverStream(
      'WatchSlotAvailability',
      through,
      (call, logger) => new WatchStream(call, settings, logger, deps.metrics),
      watch.watchSlotAvailability,
      (request) => void parseWatchSlotAvailability(request),
    ),
  };
}

/** Plaintext, TLS, or mutual TLS (clients must present a certificate signed by the CA). */
export function serverCredentials(tls: AppConfig['tls']): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.clientCaFile ? readFileSync(tls.clientCaFile) : null,
    [{ private_key: readFileSync(tls.keyFile), cert_chain: readFileSync(tls.certFile) }],
    tls.clientCaFile !== null,
  );
}

export async function startRpcServer(opts: {
  services: RpcServices;
  logger: Logger;
  host: string;
  port: number;
  maxReceiveMessageBytes: number;
  watch: WatchSettings;
  guard: CallGuard;
  tls: AppConfig['tls'];
  metrics: Metrics;
}): Promise<RpcServer> {
  const registry = new StreamRegistry();
  opts.metrics.gauge(
    'booking_watch_streams_active',
    'Open WatchSlotAvailability streams',
    () => registry.size,
  );
  const server = new Server({
    'grpc.max_receive_message_length': opts.maxReceiveMessageBytes,
    // Long-lived streams: answer client keepalive pings, and find dead peers.
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  });
  server.addService(
    tolerantService(BookingServiceService),
    bookingServiceImplementation(opts.services, {
      logger: opts.logger,
      guard: opts.guard,
      metrics: opts.metrics,
      watches: { registry, settings: opts.watch },
    }),
  );
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  reflectionService().addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, serverCredentials(opts.tls), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });

  const shutdown = async (graceMs: number): Promise<void> => {
    health.setStatus('', 'NOT_SERVING');
    health.setStatus(SERVICE_NAME, 'NOT_SERVING');
    // Long-lived streams would hold the drain open: end them, clients resume elsewhere.
    registry.endAll();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        opts.logger.warn({ graceMs }, 'calls still running after the grace period; cutting them');
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  };

  return { server, health, watches: registry, port, shutdown };
}
