import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { BookingServiceService, type BookingServiceServer } from '../gen/booking/v1/booking_service';
import type { Logger } from '../logger';
import type { AppointmentQueryService } from '../services/appointment-query.service';
import type { BookingService } from '../services/booking.service';
import type { CatalogService } from '../services/catalog.service';
import type { HoldService } from '../services/hold.service';
import type { WatchService } from '../services/watch.service';
import { appointmentHandlers } from './handlers/appointment.handlers';
import { catalogHandlers } from './handlers/catalog.handlers';
import { reflectionService } from './reflection';
import { unary } from './unary';
import { watchHandler, WatchRegistry, type WatchSettings } from './watch-stream';

export const SERVICE_NAME = 'booking.v1.BookingService';

export interface RpcServices {
  catalog: CatalogService;
  booking: BookingService;
  holds: HoldService;
  queries: AppointmentQueryService;
  watch: WatchService;
}

export interface RpcServer {
  server: Server;
  health: HealthImplementation;
  watches: WatchRegistry;
  port: number;
  /** NOT_SERVING, drain for up to `graceMs`, then cut what is left. */
  shutdown(graceMs: number): Promise<void>;
}

export function bookingServiceImplementation(
  services: RpcServices,
  watches: { registry: WatchRegistry; settings: WatchSettings },
  logger: Logger,
): BookingServiceServer {
  const catalog = catalogHandlers(services.catalog);
  const appointments = appointmentHandlers(services.booking, services.holds, services.queries);
  return {
    createService: unary('CreateService', logger, catalog.createService),
    getService: unary('GetService', logger, catalog.getService),
    listServices: unary('ListServices', logger, catalog.listServices),
    generateSlots: unary('GenerateSlots', logger, catalog.generateSlots),
    listSlots: unary('ListSlots', logger, catalog.listSlots),
    setSlotStatus: unary('SetSlotStatus', logger, catalog.setSlotStatus),
    bookSlot: unary('BookSlot', logger, appointments.bookSlot),
    cancelAppointment: unary('CancelAppointment', logger, appointments.cancelAppointment),
    getAppointment: unary('GetAppointment', logger, appointments.getAppointment),
    listAppointments: unary('ListAppointments', logger, appointments.listAppointments),
    holdSlot: unary('HoldSlot', logger, appointments.holdSlot),
    releaseHold: unary('ReleaseHold', logger, appointments.releaseHold),
    rescheduleAppointment: unary('RescheduleAppointment', logger, appointments.rescheduleAppointment),
    watchSlotAvailability: watchHandler(services.watch, watches.registry, watches.settings, logger),
  };
}

export async function startRpcServer(opts: {
  services: RpcServices;
  logger: Logger;
  host: string;
  port: number;
  maxReceiveMessageBytes: number;
  watch: WatchSettings;
}): Promise<RpcServer> {
  const registry = new WatchRegistry();
  const server = new Server({
    'grpc.max_receive_message_length': opts.maxReceiveMessageBytes,
    // Long-lived streams: answer client keepalive pings, and find dead peers.
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  });
  server.addService(
    BookingServiceService,
    bookingServiceImplementation(opts.services, { registry, settings: opts.watch }, opts.logger),
  );
  const health = new HealthImplementation({ '': 'SERVING', [SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);
  reflectionService().addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, ServerCredentials.createInsecure(), (err, bound) =>
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
