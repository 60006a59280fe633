import type { SlotRecord } from '../../domain/types';
import type { ClaimCore } from '../claims/claim-core';
import type {
  ClaimRepository,
  Clock,
  IdempotencyStore,
  PlacesLedger,
  SlotRepository,
  UseCaseLogger,
} from '../ports';

export interface ReconcilerSettings {
  /** A state younger than this may be an operation in progress: left alone. */
  graceMs: number;
  /** How far back changes are examined. */
  lookbackMs: number;
  /** How long request_id results are remembered. */
  requestRetentionMs: number;
  /** Most records examined per scan. */
  batchSize: number;
  /** Recent slot changes are announced again (in case a crash lost them) over this window. */
  republishWindowMs: number;
}

export interface RepairCounts {
  holdsExpired: number;
  slotsRepaired: number;
  movesCompleted: number;
  /** Claim transitions decided by a request that crashed before writing them, now applied. */
  transitionsSettled: number;
  /** request_log entries and VOID claims (refused requests) past REQUEST_ID_RETENTION_MS. */
  requestsPurged: number;
  eventsRepublished: number;
  /** Members of slots of several places whose claim had left (or never came), dropped. */
  placesFreed: number;
}

/** What the reconciler's repairs use: ports, the claim core, and their settings. */
export interface RepairDeps {
  slots: SlotRepository;
  claims: ClaimRepository;
  requests: IdempotencyStore;
  core: ClaimCore;
  placesLedger: Pick<PlacesLedger, 'findSlotsChangedBetween'>;
  /** Publishes slot states subscribers have not seen; returns how many. */
  republish: (slots: readonly SlotRecord[]) => Promise<number>;
  clock: Clock;
  logger: UseCaseLogger;
  settings: ReconcilerSettings;
  /** Told the counts of every pass (metrics). */
  onPass?: (counts: RepairCounts) => void;
}

/**
 * Stretches are examined whole (their span bounds the cost): a row limit
 * could stop a pass inside its overlap again and again.
 */
export const WHOLE_STRETCH = Number.MAX_SAFE_INTEGER;
