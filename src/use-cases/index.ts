/**
 * The use cases, one class per RPC (folder = area, file = RPC), built from
 * ports and plain settings: `buildUseCases` is the wiring `src/app.ts` (the
 * composition root, which builds the infrastructure) calls, and what tests
 * call with fakes of the ports.
 */
import type { SlotRecord } from '../domain/types';
import { BookSlot } from './booking/book-slot';
import { CancelAppointment } from './booking/cancel-appointment';
import type { ClaimUseCaseDeps } from './booking/deps';
import { RescheduleAppointment } from './booking/reschedule-appointment';
import { GetAppointment } from './appointments/get-appointment';
import { ListAppointments } from './appointments/list-appointments';
import { CreateService } from './catalog/create-service';
import { DeleteService } from './catalog/delete-service';
import { GenerateSlots } from './catalog/generate-slots';
import { GetService } from './catalog/get-service';
import { ListServices } from './catalog/list-services';
import { ListSlots } from './catalog/list-slots';
import { SetSlotStatus } from './catalog/set-slot-status';
import { SlotAvailability } from './catalog/slot-availability';
import { UpdateService } from './catalog/update-service';
import { ClaimCore } from './claims/claim-core';
import type { GateSettings } from './claims/gate-entry';
import { SlotPlaces } from './claims/slot-places';
import { ConfirmHold } from './holds/confirm-hold';
import { HoldSlot, type HoldLimits } from './holds/hold-slot';
import { ReleaseHold } from './holds/release-hold';
import type {
  ClaimRepository,
  Clock,
  IdempotencyStore,
  PlacesLedger,
  ServiceRepository,
  SlotEventLog,
  SlotEvents,
  SlotGate,
  SlotRepository,
  UseCaseLogger,
} from './ports';
import { Reconciler, type ReconcilerSettings, type RepairCounts } from './reconcile/reconciler';
import { Idempotency } from './shared/idempotency';
import { CachedServiceRepository, type ServiceCacheSettings } from './shared/service-cache';
import { WatchSlotAvailability } from './watch/watch-slot-availability';

/** Every port the use cases talk to (src/infra implements them). */
export interface UseCasePorts {
  /** As stored: the use cases that only need a service alongside their own work read it through a cache. */
  services: ServiceRepository;
  slots: SlotRepository;
  claims: ClaimRepository;
  requests: IdempotencyStore;
  placesLedger: PlacesLedger;
  gate: SlotGate;
  events: SlotEvents;
  eventLog: SlotEventLog;
  /** Publishes slot states subscribers may not have seen (the reconciler); returns how many. */
  republish: (slots: readonly SlotRecord[]) => Promise<number>;
  clock: Clock;
  newId: () => string;
  logger: UseCaseLogger & { child(bindings: { component: string }): UseCaseLogger };
}

export interface UseCaseSettings {
  serviceCache: ServiceCacheSettings;
  gate: GateSettings;
  holds: HoldLimits & { confirmMarginMs: number };
  maxSlotsPerGeneration: number;
  reconciler: ReconcilerSettings;
  /** Told the counts of every reconciler pass (metrics). */
  onReconcilerPass?: (counts: RepairCounts) => void;
}

/** One use case per RPC, named after it. */
export interface UseCases {
  createService: CreateService;
  getService: GetService;
  listServices: ListServices;
  updateService: UpdateService;
  deleteService: DeleteService;
  generateSlots: GenerateSlots;
  listSlots: ListSlots;
  setSlotStatus: SetSlotStatus;
  bookSlot: BookSlot;
  cancelAppointment: CancelAppointment;
  rescheduleAppointment: RescheduleAppointment;
  holdSlot: HoldSlot;
  releaseHold: ReleaseHold;
  getAppointment: GetAppointment;
  listAppointments: ListAppointments;
  watchSlotAvailability: WatchSlotAvailability;
}

export function buildUseCases(
  ports: UseCasePorts,
  settings: UseCaseSettings,
): { useCases: UseCases; reconciler: Reconciler } {
  const { slots, claims, gate, events, clock, logger } = ports;
  // The catalog RPCs read and write services as stored; the use cases that only need a
  // service alongside their own work (a booking's check, a reply's fill-in) read it cached.
  const services = new CachedServiceRepository(ports.services, settings.serviceCache);
  const stored = services.stored;
  const places = new SlotPlaces({ ledger: ports.placesLedger, slots, claims, gate, events, clock });
  const core = new ClaimCore({
    slots,
    services,
    claims,
    gate,
    events,
    clock,
    places,
    logger,
    settings: settings.gate,
  });
  const claiming: ClaimUseCaseDeps = {
    services,
    slots,
    claims,
    core,
    idempotency: new Idempotency(ports.requests, clock),
    clock,
    newId: ports.newId,
  };
  const availability = new SlotAvailability({
    services: stored,
    slots,
    events,
    clock,
    logger: logger.child({ component: 'catalog' }),
  });
  const reads = { claims, services, slots, clock };
  const useCases: UseCases = {
    createService: new CreateService({ services: stored, clock }),
    getService: new GetService({ services: stored }),
    listServices: new ListServices({ services: stored }),
    updateService: new UpdateService({ services: stored, availability, clock }),
    deleteService: new DeleteService({ services: stored, availability, clock }),
    generateSlots: new GenerateSlots(
      { services: stored, slots, events, availability, clock },
      { maxSlotsPerGeneration: settings.maxSlotsPerGeneration },
    ),
    listSlots: new ListSlots({ services: stored, slots, clock }),
    setSlotStatus: new SetSlotStatus({ services: stored, slots, events, clock }),
    bookSlot: new BookSlot({
      ...claiming,
      confirmHold: new ConfirmHold(claiming, { holdConfirmMarginMs: settings.holds.confirmMarginMs }),
    }),
    cancelAppointment: new CancelAppointment(claiming),
    rescheduleAppointment: new RescheduleAppointment(claiming),
    holdSlot: new HoldSlot(claiming, settings.holds),
    releaseHold: new ReleaseHold(claiming),
    getAppointment: new GetAppointment(reads),
    listAppointments: new ListAppointments(reads),
    watchSlotAvailability: new WatchSlotAvailability({ services, slots, log: ports.eventLog, clock }),
  };
  const reconciler = new Reconciler({
    slots,
    claims,
    requests: ports.requests,
    core,
    placesLedger: ports.placesLedger,
    republish: ports.republish,
    clock,
    logger: logger.child({ component: 'reconciler' }),
    settings: settings.reconciler,
    onPass: settings.onReconcilerPass,
  });
  return { useCases, reconciler };
}
