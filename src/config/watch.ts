import { int, type Parsed } from './variables';

/** WatchSlotAvailability streams and the event log they are fed from. */
export const watchVariables = {
  WATCH_BUFFER_LIMIT: int(10, 1_000_000).default(1_000),
  WATCH_SLOW_AFTER_MS: int(0, 600_000).default(2_000),
  WATCH_HEARTBEAT_MS: int(100, 600_000).default(15_000),
  WATCH_BATCH_WINDOW_MS: int(0, 10_000).default(60),
  EVENTS_MAX_LENGTH: int(100, 10_000_000).default(10_000),
  EVENTS_REPUBLISH_WINDOW_MS: int(1_000, 86_400_000).default(300_000),
  WATCH_MAX_STREAMS_PER_PRINCIPAL: int(1, 100_000).default(20),
};
type Watch = Parsed<typeof watchVariables>;

export interface WatchConfig {
  bufferLimit: number;
  slowAfterMs: number;
  heartbeatMs: number;
  maxStreamsPerPrincipal: number;
  /**
   * A service's changes within this long of its previous fan-out go out
   * together, per 1,000 of its subscribers on the instance (1x to 5x); 0: at once.
   */
  batchWindowMs: number;
}

export interface EventsConfig {
  maxLength: number;
  republishWindowMs: number;
}

export function watchConfig(c: Watch): WatchConfig {
  return {
    bufferLimit: c.WATCH_BUFFER_LIMIT,
    slowAfterMs: c.WATCH_SLOW_AFTER_MS,
    heartbeatMs: c.WATCH_HEARTBEAT_MS,
    maxStreamsPerPrincipal: c.WATCH_MAX_STREAMS_PER_PRINCIPAL,
    batchWindowMs: c.WATCH_BATCH_WINDOW_MS,
  };
}

export function eventsConfig(c: Watch): EventsConfig {
  return { maxLength: c.EVENTS_MAX_LENGTH, republishWindowMs: c.EVENTS_REPUBLISH_WINDOW_MS };
}
