/** What every scenario of the benchmark is given: its configuration and the running system. */
import type { Redis } from 'ioredis';
import type { Db } from '../lib/docs';
import type { BookingServiceClient } from '../lib/grpc';
import type { CpuMeter, Worker } from '../lib/procs';

export interface Config {
  /** `clientPoints`: the client counts the spread scenario runs at (each against its floor). */
  spread: { clients: number; slotsPerClient: number; durationMs: number; clientPoints: number[] };
  hot: { slots: number; perSlot: number; retries: number; backoffMs: number; floorMaxMs: number };
  /** Hot slots of several places (bench/scenarios/places.ts). */
  places: { slots: number; capacity: number; perSlot: number; retries: number; backoffMs: number };
  fanout: { subscribers: number; durationMs: number; intervalMs: number }[];
  generation: { days: number };
  history: { appointments: number; pageSize: number; rounds: number };
}

export interface Ctx {
  cfg: Config;
  target: string;
  controlPort: number;
  mongoUri: string;
  appDbName: string;
  floorDbName: string;
  appDb: Db;
  floorDb: Db;
  rpc: BookingServiceClient;
  redis: Redis;
  cpu: CpuMeter;
  load: Worker[];
  outDir: string;
  serverLog: string;
  profile: boolean;
  log(line: string): void;
}

/** What a scenario context holds of the running system, without the run's choices (configuration, load, CPU meter). */
export type ScenarioBase = Omit<Ctx, 'cfg' | 'cpu' | 'load' | 'profile' | 'log'>;
