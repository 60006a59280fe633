/** What the growth benchmark measures at each size, and how a run that reaches its time cap stops. */
import type { Counts } from '../lib/seed';
import type { Summary } from '../lib/stats';
import type { Op } from './options';

/** Thrown when the run's time cap is reached; what is measured so far is kept. */
export class TimeCap extends Error {}

export type R = Record<string, unknown>;

export interface OpResult {
  n: number;
  latencyMs: Summary | null;
  /** MongoDB commands per call (per pass for the reconciler), from command monitoring. */
  commandsPerOp: number | null;
  redisPerOp: number | null;
  opsPerCall?: Record<string, number>;
  failures: Record<string, number>;
  note?: string;
}

export interface IdleResult {
  seconds: number;
  databaseCpuS: number;
  fractionOfCore: number;
  byProcess: Record<string, number>;
  serverFractionOfCore: number;
  reconcilerPassesDuring: number;
}

export interface SizeResult {
  size: number;
  counts: Counts;
  seeded: { added: Counts; seconds: number };
  /** Seconds the database took to be quiet again after the seeding (see quiet()). */
  quietAfterS?: number;
  ops: Partial<Record<Op, OpResult>>;
  idle?: IdleResult;
  /** The largest size only, with --settle-seconds: idle again once the reconciler's start-up backlog is through. */
  idleSettled?: IdleResult & { afterServerStartS: number };
  capped?: string;
}

// ---------------------------------------------------------------------------

export const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;
