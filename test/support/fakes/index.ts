/**
 * In-memory fakes of every port in src/use-cases/ports, for the fast tier
 * (test/use-cases): the semantics the use cases rely on (uniqueness,
 * conditional updates, revisions), none of the queries.
 */
import { FakeClaimRepository } from './claim-repository';
import { FakeClock } from './clock';
import { FakeIdempotencyStore } from './idempotency-store';
import { IdSource } from './ids';
import { FakePlacesLedger } from './places-ledger';
import { FakeServiceRepository } from './service-repository';
import { FakeSlotEventLog } from './slot-event-log';
import { FakeSlotEvents } from './slot-events';
import { FakeSlotGate } from './slot-gate';
import { FakeSlotRepository } from './slot-repository';

export { useCases, DEFAULT_SETTINGS, type UseCases, type UseCaseSettings } from './use-cases';
export { FakeClock } from './clock';

/** A log line the use cases wrote. */
export interface LogLine {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export interface FakeWorld {
  clock: FakeClock['now'];
  time: FakeClock;
  services: FakeServiceRepository;
  slots: FakeSlotRepository;
  claims: FakeClaimRepository;
  ledger: FakePlacesLedger;
  requests: FakeIdempotencyStore;
  gate: FakeSlotGate;
  log: FakeSlotEventLog;
  events: FakeSlotEvents;
  newId: () => string;
  logger: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
  logs: LogLine[];
}

/** Every port faked, empty, and a clock standing at `start` that only tests move. */
export function fakeWorld(opts: { start?: Date | string; takenMarkerTtlMs?: number } = {}): FakeWorld {
  const time = new FakeClock(opts.start);
  const log = new FakeSlotEventLog();
  const logs: LogLine[] = [];
  const line =
    (level: LogLine['level']) =>
    (obj: object, msg: string): void => {
      logs.push({ level, obj, msg });
    };
  return {
    clock: time.now,
    time,
    services: new FakeServiceRepository(),
    slots: new FakeSlotRepository(),
    claims: new FakeClaimRepository(),
    ledger: new FakePlacesLedger(),
    requests: new FakeIdempotencyStore(),
    gate: new FakeSlotGate(time.now, opts.takenMarkerTtlMs),
    log,
    events: new FakeSlotEvents(log),
    newId: new IdSource('c1').next,
    logger: { info: line('info'), warn: line('warn'), error: line('error') },
    logs,
  };
}
export { dyingAt, until } from './crash';
