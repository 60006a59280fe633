/**
 * The use cases over a fake world, built exactly as src/app.ts wires them
 * (same classes, same ports, same settings as the configuration's defaults).
 * The ONLY place the fast tier constructs use-case classes: tests call the
 * returned object, so a reshaping of src/use-cases is adapted here alone.
 */
import { buildUseCases } from '../../../src/use-cases';
import type { LockFailureMode } from '../../../src/use-cases/claims/gate-entry';
import type {
  ClaimRepository,
  IdempotencyStore,
  PlacesLedger,
  ServiceRepository,
  SlotEvents,
  SlotGate,
  SlotRepository,
} from '../../../src/use-cases/ports';
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
  const { useCases: uc, reconciler } = buildUseCases(
    {
      services: ports.services,
      slots: ports.slots,
      claims: ports.claims,
      requests: ports.requests,
      placesLedger: ports.ledger,
      gate: ports.gate,
      events: ports.events,
      eventLog: world.log,
      republish: (changed) => ports.events.republish(changed),
      clock,
      newId,
      logger: { ...logger, child: () => logger },
    },
    {
      serviceCache: { ttlMs: config.serviceCacheTtlMs, maxEntries: 10_000 },
      gate: {
        failureMode: config.lockFailureMode,
        repairWaitMs: config.repairWaitMs,
        placesWaitMs: config.placesWaitMs,
      },
      holds: config.holds,
      maxSlotsPerGeneration: config.maxSlotsPerGeneration,
      reconciler: { ...config.reconciler, batchSize: 500, republishWindowMs: config.republishWindowMs },
    },
  );
  // One entry per use case, named after its RPC; arguments as the handlers pass them.
  const run = <K extends keyof typeof uc>(name: K): (typeof uc)[K]['run'] => uc[name].run.bind(uc[name]);
  return {
    createService: run('createService'),
    getService: run('getService'),
    listServices: run('listServices'),
    generateSlots: run('generateSlots'),
    listSlots: run('listSlots'),
    setSlotStatus: run('setSlotStatus'),
    updateService: run('updateService'),
    deleteService: run('deleteService'),
    bookSlot: run('bookSlot'),
    cancelAppointment: run('cancelAppointment'),
    rescheduleAppointment: run('rescheduleAppointment'),
    holdSlot: run('holdSlot'),
    releaseHold: run('releaseHold'),
    getAppointment: run('getAppointment'),
    listAppointments: run('listAppointments'),
    watchSlotAvailability: run('watchSlotAvailability'),
    /** One reconciler pass (the repair loop's `runOnce`). */
    reconcile: () => reconciler.runOnce(),
  };
}

export type UseCases = ReturnType<typeof useCases>;
