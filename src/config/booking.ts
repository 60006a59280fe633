import { bool, int, oneOf, type Parsed } from './variables';

/** Booking, holds and the reconciler: the lock, the limits, the background repairs. */
export const bookingVariables = {
  BOOKING_LOCK_ENABLED: bool.default(true),
  BOOKING_LOCK_TTL_MS: int(100, 60_000).default(2_000),
  BOOKING_LOCK_FAILURE_MODE: oneOf(['proceed', 'reject']).default('proceed'),
  BOOKING_LOCK_REPAIR_WAIT_MS: int(0, 10_000).default(500),
  BOOKING_LOCK_PLACES_WAIT_MS: int(0, 10_000).default(2_000),
  BOOKING_TAKEN_MARKER_TTL_MS: int(0, 60_000).default(3_000),
  MAX_SLOTS_PER_GENERATION: int(1, 1_000_000).default(40_000),
  /** How long a service read is served from memory (0: always read the database). */
  SERVICE_CACHE_TTL_MS: int(0, 3_600_000).default(10_000),
  HOLD_DEFAULT_TTL_SECONDS: int(1, 86_400).default(300),
  HOLD_MAX_TTL_SECONDS: int(1, 86_400).default(900),
  HOLD_CONFIRM_MARGIN_MS: int(0, 60_000).default(500),
  RECONCILER_ENABLED: bool.default(true),
  RECONCILER_INTERVAL_MS: int(100, 3_600_000).default(5_000),
  RECONCILER_GRACE_MS: int(0, 3_600_000).default(30_000),
  RECONCILER_LOOKBACK_MS: int(1_000, 30 * 86_400_000).default(86_400_000),
  REQUEST_ID_RETENTION_MS: int(60_000, 30 * 86_400_000).default(86_400_000),
};
type Booking = Parsed<typeof bookingVariables>;

/** takenMarkerTtlMs: how long "slot booked" is remembered in Redis (0: never). */
export interface LockConfig {
  enabled: boolean;
  ttlMs: number;
  failureMode: 'proceed' | 'reject';
  takenMarkerTtlMs: number;
  /** How long a request waits for a slot's gate held by a background repair. */
  repairWaitMs: number;
  /** How long a request waits for the gate of a slot of several places held by another booker. */
  placesWaitMs: number;
}

export interface HoldsConfig {
  defaultTtlSeconds: number;
  maxTtlSeconds: number;
  confirmMarginMs: number;
}

export interface ReconcilerConfig {
  enabled: boolean;
  intervalMs: number;
  graceMs: number;
  lookbackMs: number;
  requestRetentionMs: number;
}

export function lockConfig(c: Booking): LockConfig {
  return {
    enabled: c.BOOKING_LOCK_ENABLED,
    ttlMs: c.BOOKING_LOCK_TTL_MS,
    failureMode: c.BOOKING_LOCK_FAILURE_MODE,
    takenMarkerTtlMs: c.BOOKING_TAKEN_MARKER_TTL_MS,
    repairWaitMs: c.BOOKING_LOCK_REPAIR_WAIT_MS,
    placesWaitMs: c.BOOKING_LOCK_PLACES_WAIT_MS,
  };
}

export function holdsConfig(c: Booking): HoldsConfig {
  return {
    defaultTtlSeconds: Math.min(c.HOLD_DEFAULT_TTL_SECONDS, c.HOLD_MAX_TTL_SECONDS),
    maxTtlSeconds: c.HOLD_MAX_TTL_SECONDS,
    confirmMarginMs: c.HOLD_CONFIRM_MARGIN_MS,
  };
}

export function reconcilerConfig(c: Booking): ReconcilerConfig {
  return {
    enabled: c.RECONCILER_ENABLED,
    intervalMs: c.RECONCILER_INTERVAL_MS,
    graceMs: c.RECONCILER_GRACE_MS,
    lookbackMs: c.RECONCILER_LOOKBACK_MS,
    requestRetentionMs: c.REQUEST_ID_RETENTION_MS,
  };
}
