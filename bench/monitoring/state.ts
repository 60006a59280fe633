/**
 * What the monitoring wrapper's instruments record and its control endpoint
 * serves: one set of counters per server process. This module is loaded by
 * the transpiled wrapper under plain node (see bench/lib/server.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export interface CallContext {
  ops: number;
  redisOps: number;
  client: string | null;
}

/** Per gRPC method, what its calls cost (served on the control endpoint's /rpc). */
export interface MethodStats {
  calls: number;
  ops: number;
  redisOps: number;
  zeroOpCalls: number;
  /** Number of calls by how many MongoDB commands each made. */
  opsPerCall: Record<string, number>;
  byCode: Record<string, { calls: number; ops: number; zeroOpCalls: number }>;
}

export interface ClientStats {
  attempts: number;
  ops: number;
  won: boolean;
}

/** One reconciler pass as the server ran it. */
export interface PassRecord {
  /** Wall-clock epoch ms when the pass started. */
  startedAt: number;
  ms: number;
  ops: number;
  redisOps: number;
  /** Whether the reconciler still had start-up backlog after this pass. */
  backlog: boolean;
  error?: string;
}

// One directory deeper than the wrapper itself (.tmp/bench/monitoring/).
export const distDir = path.resolve(
  process.env.BENCH_DIST_DIR ?? path.join(__dirname, '..', '..', '..', '..', 'dist'),
);
export const controlPort = Number(process.env.BENCH_CONTROL_PORT ?? 0);
export const wallNow = (): number => performance.timeOrigin + performance.now();
/** `require` for the app's built modules (dist/), which the wrapper loads by path. */
export const load = createRequire(__filename);

export const als = new AsyncLocalStorage<CallContext>();
export const commandCounts: Record<string, number> = {};
export const redisCounts: Record<string, number> = {};
export const methods = new Map<string, MethodStats>();
export const clients = new Map<string, ClientStats>();
/** Commit times by slot id, recorded only between /commits?start=1 and /commits. */
export const commitLog = {
  recording: false,
  pending: new Map<number, string>(),
  times: new Map<string, number>(),
};
export const passes: PassRecord[] = [];
