/**
 * The use cases over a fake world, built exactly as src/app.ts wires them
 * (same classes, same ports, same settings as the configuration's defaults).
 * The ONLY place the fast tier constructs use-case classes: tests call the
 * returned object, so a reshaping of src/use-cases is adapted here alone.
 */
import { AppointmentQueryService } from '../../../src/use-cases/appointment-query.service';
import { BookingService } from '../../../src/use-cases/booking.service';
import { CatalogService } from '../../../src/use-cases/catalog.service';
import { DeleteService } from '../../../src/use-cases/catalog/delete-service';
import { SlotAvailability } from '../../../src/use-cases/catalog/slot-availability';
import { UpdateService } from '../../../src/use-cases/catalog/update-service';
import { HoldService } from '../../../src/use-cases/hold.service';
import { Idempotency } from '../../../src/use-cases/idempotency';
import type {
  ClaimRepository,
  IdempotencyStore,
  PlacesLedger,
  ServiceRepository,
  SlotEvents,
  SlotGate,
  SlotRepository,
} from '../../../src/use-cases/ports';
import { Reconciler } from '../../../src/use-cases/reconciler';
import { CachedServiceRepository } from '../../../src/use-cases/service-cache';
import { SlotClaims, type LockFailureMode } from '../../../src/use-cases/slot-claims';
import { SlotPlaces } from '../../../src/use-cases/slot-places';
import { WatchService } from '../../../src/use-cases/watch.service';
import type { FakeWorld } from './index';

/** The settings app.ts takes from the configuration; defaults are the configuration's. */
export interface UseCaseSettings {
  serviceCacheTtlMs: number;
  maxSlotsPerGeneration: number;
  lockFailureMode: LockFailureMode;
  repairWaitMs: number;
  placesWaitMs: number;
  holds: { defaultTtlSeconds: number; maxTtlSeconds: number; confirmMarginMs: number };
  reconciler: { graceMs: number; lookbackMs: number; requestRetentionMs: number };
  republishWindowMs: number;
}

export const DEFAULT_SETTINGS: UseCaseSettings = {
  serviceCacheTtlMs: 10_000,
  maxSlotsPerGeneration: 40_000,
  lockFailureMode: 'proceed',
  repairWaitMs: 500,
  placesWaitMs: 2_000,
  holds: { defaultTtlSeconds: 300, maxTtlSeconds: 900, confirmMarginMs: 500 },
  reconciler: { graceMs: 30_000, lookbackMs: 86_400_000, requestRetentionMs: 86_400_000 },
  republishWindowMs: 300_000,
};

/** Ports a test may replace (a wrapper that fails where a crash would strike, say). */
export interface PortOverrides {
  services?: ServiceRepository;
  slots?: SlotRepository;
  claims?: ClaimRepository;
  requests?: IdempotencyStore;
  ledger?: PlacesLedger;
  gate?: SlotGate;
  events?: SlotEvents & { republish(slots: Parameters<SlotEvents['announce']>[0]): Promise<number> };
}

export function useCases(
  world: FakeWorld,
  overrides: { settings?: Partial<UseCaseSettings>; ports?: PortOverrides } = {},
) {
  const config = { ...DEFAULT_SETTINGS, ...overrides.settings };
  const { clock, logger, newId } = world;
  const ports = { ...world, ...overrides.ports };
  const { slots, claims, requests, gate, events } = ports;

  const services = new CachedServiceRepository(ports.services, {
    ttlMs: config.serviceCacheTtlMs,
    maxEntries: 10_000,
  });
  const idempotency = new Idempotency(requests, clock);
  const places = new SlotPlaces({ ledger: ports.ledger, slots, claims, gate, events, clock });
  const slotClaims = new SlotClaims({
    slots,
    services,
    claims,
    gate,
    events,
    clock,
    lockFailureMode: config.lockFailureMode,
    repairWaitMs: config.repairWaitMs,
    placesWaitMs: config.placesWaitMs,
    places,
    logger,
  });
  const reconciler = new Reconciler({
    slots,
    claims,
    requests,
    slotClaims,
    placesLedger: ports.ledger,
    republish: (changed) => events.republish(changed),
    clock,
    logger,
    settings: { ...config.reconciler, batchSize: 500, republishWindowMs: config.republishWindowMs },
  });
  const availability = new SlotAvailability({ services: services.stored, slots, events, clock, logger });
  const catalog = new CatalogService(
    services.stored,
    slots,
    clock,
    { maxSlotsPerGeneration: config.maxSlotsPerGeneration },
    events,
    availability,
  );
  const updateService = new UpdateService({ services: services.stored, availability, clock });
  const deleteService = new DeleteService({ services: services.stored, availability, clock });
  // Booking and holds take the same ports (as app.ts passes them), each with its own setting.
  const claiming = { services, slots, claims, slotClaims, idempotency, clock, newId };
  const booking = new BookingService({ ...claiming, holdConfirmMarginMs: config.holds.confirmMarginMs });
  const holds = new HoldService({ ...claiming, limits: config.holds });
  const queries = new AppointmentQueryService(claims, services, slots, clock);
  const watch = new WatchService({ services, slots, log: world.log, clock });

  // One entry per use case, named after its RPC; arguments as the handlers pass them.
  return {
    createService: catalog.createService.bind(catalog),
    getService: catalog.getService.bind(catalog),
    listServices: catalog.listServices.bind(catalog),
    generateSlots: catalog.generateSlots.bind(catalog),
    listSlots: catalog.listSlots.bind(catalog),
    setSlotStatus: catalog.setSlotStatus.bind(catalog),
    updateService: updateService.run.bind(updateService),
    deleteService: deleteService.run.bind(deleteService),
    bookSlot: booking.bookSlot.bind(booking),
    cancelAppointment: booking.cancelAppointment.bind(booking),
    rescheduleAppointment: booking.rescheduleAppointment.bind(booking),
    holdSlot: holds.holdSlot.bind(holds),
    releaseHold: holds.releaseHold.bind(holds),
    getAppointment: queries.getAppointment.bind(queries),
    listAppointments: queries.listAppointments.bind(queries),
    watchSlotAvailability: watch.watch.bind(watch),
    /** One reconciler pass (the repair loop's `runOnce`). */
    reconcile: () => reconciler.runOnce(),
  };
}

export type UseCases = ReturnType<typeof useCases>;
