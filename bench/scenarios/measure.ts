/**
 * What the scenarios measure with: the server's counters and per-method
 * stats, its log and event loop over a run, CPU profiles, and summing the
 * workers' answers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { control } from '../lib/procs';
import { summarizeProfile, type ProfileSummary } from '../lib/profile';
import { mergeAll, type HistogramJson, type Summary } from '../lib/stats';
import type { JobResult } from '../jobs/types';
import type { MethodStats } from '../monitoring/state';
import type { Ctx } from './context';

export interface Counters {
  mongo: Record<string, number>;
  redis: Record<string, number>;
}

export const counters = (ctx: Ctx): Promise<Counters> => control<Counters>(ctx.controlPort, '/counters');
export const rpcStats = (ctx: Ctx, reset = false): Promise<Record<string, MethodStats>> =>
  control(ctx.controlPort, `/rpc${reset ? '?reset=1' : ''}`);

export const summary = (parts: HistogramJson[]): Summary => mergeAll(parts).summary();
export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
export const outcomes = (rs: JobResult[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.outcomes)) out[k] = (out[k] ?? 0) + v;
  return out;
};
export const opsOf = (rs: JobResult[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.ops ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
};
export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Splits `xs` into `n` nearly equal consecutive parts. */
export function split<T>(xs: readonly T[], n: number): T[][] {
  return Array.from({ length: n }, (_, i) =>
    xs.slice(Math.floor((i * xs.length) / n), Math.floor(((i + 1) * xs.length) / n)),
  );
}

/** Starts a CPU profile of the server, if profiling is on; returns the function that stops it. */
export async function profileServer(ctx: Ctx, name: string): Promise<() => Promise<ProfileSummary | null>> {
  if (!ctx.profile) return () => Promise.resolve(null);
  await control(ctx.controlPort, '/profile/start');
  return async () => {
    const file = path.join(ctx.outDir, `server-${name}.cpuprofile`);
    await control(ctx.controlPort, `/profile/stop?file=${encodeURIComponent(file)}`, 120_000);
    return summarizeProfile(file);
  };
}

export const startIn = (ms: number): number => Date.now() + ms;

/** What the server logged (warn and above) and how its event loop fared since `watchServer`. */
export interface ServerReport {
  serverLog: Record<string, number>;
  eventLoopDelay: unknown;
}

interface ServerWatch {
  finish(): Promise<ServerReport>;
}

export async function watchServer(ctx: Ctx): Promise<ServerWatch> {
  const offset = fs.statSync(ctx.serverLog).size;
  await control(ctx.controlPort, '/eventloop?reset=1');
  return {
    finish: async () => {
      const eventLoopDelay = await control(ctx.controlPort, '/eventloop');
      const serverLog: Record<string, number> = {};
      const fd = fs.openSync(ctx.serverLog, 'r');
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.max(0, size - offset));
      fs.readSync(fd, buf, 0, buf.length, offset);
      fs.closeSync(fd);
      for (const line of buf.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        let key: string;
        try {
          const entry = JSON.parse(line) as { level?: number; msg?: string; err?: unknown };
          const level =
            ({ 40: 'warn', 50: 'error', 60: 'fatal' } as Record<number, string>)[entry.level ?? 0] ??
            String(entry.level);
          const err =
            typeof entry.err === 'string'
              ? entry.err
              : (entry.err as { message?: string } | undefined)?.message;
          key = `${level}: ${entry.msg ?? ''}${err ? ` (${err.slice(0, 120)})` : ''}`;
        } catch {
          key = line.slice(0, 120);
        }
        serverLog[key] = (serverLog[key] ?? 0) + 1;
      }
      return { serverLog, eventLoopDelay };
    },
  };
}
