/**
 * A hot burst: `perSlot` clients on every one of `slotIds`, spread over the
 * load workers, all starting at once (the hot-rpc worker job), SLOT_BUSY
 * retried. The hot-slot and places scenarios both run one and judge it by
 * their own rule (one winner a slot, or exactly the capacity).
 */
import type { JobResult } from '../jobs/types';
import { control } from '../lib/procs';
import type { ProfileSummary } from '../lib/profile';
import type { MethodStats } from '../monitoring/state';
import type { Ctx } from './context';
import {
  counters,
  profileServer,
  rpcStats,
  split,
  startIn,
  sum,
  watchServer,
  type Counters,
  type ServerReport,
} from './measure';

export interface BurstOptions {
  slotIds: string[];
  perSlot: number;
  /** Client ids are `<prefix><worker>-<slot>-<n>`. */
  prefix: string;
  retries: number;
  backoffMs: number;
  /** The server CPU profile's name (when profiling is on), or null for none. */
  profileAs: string | null;
}

/** What the server saw of each logical client (metadata `x-bench-client`). */
export interface ClientAttribution {
  clients: number;
  winners: number;
  winnerOps: number;
  losers: number;
  loserAttempts: number;
  loserOps: number;
  losersWithoutOps: number;
  loserOpsHistogram: Record<string, number>;
}

export interface Burst {
  /** Logical clients per slot in each worker. */
  per: number[];
  rs: JobResult[];
  cpu: Record<string, number>;
  profile: ProfileSummary | null;
  server: ServerReport;
  before: Counters;
  after: Counters;
  perClient: ClientAttribution;
  stats: MethodStats | undefined;
  winsBySlot: Record<string, number>;
  /** BookSlot calls answered with anything but OK, and those of them that made no MongoDB command. */
  losingAttempts: number;
  losingAttemptsWithoutOps: number;
}

export async function hotBurst(ctx: Ctx, o: BurstOptions): Promise<Burst> {
  await control(ctx.controlPort, '/clients?reset=1');
  await rpcStats(ctx, true);
  const before = await counters(ctx);
  const watch = await watchServer(ctx);
  const stopProfile =
    o.profileAs === null ? () => Promise.resolve(null) : await profileServer(ctx, o.profileAs);
  const cpu0 = ctx.cpu.sample();
  const startAt = startIn(3_000);
  const per = split(
    Array.from({ length: o.perSlot }, (_, i) => i),
    ctx.load.length,
  ).map((p) => p.length);
  const rs = await Promise.all(
    ctx.load.map((w, i) =>
      w.run<JobResult>(
        {
          kind: 'hot-rpc',
          target: ctx.target,
          slotIds: o.slotIds,
          perSlot: per[i]!,
          prefix: `${o.prefix}${i}`,
          retries: o.retries,
          backoffMs: o.backoffMs,
          channels: 4,
          startAt,
        },
        1_800_000,
      ),
    ),
  );
  const cpu = ctx.cpu.since(cpu0);
  const profile = await stopProfile();
  const server = await watch.finish();
  const after = await counters(ctx);
  const perClient = await control<ClientAttribution>(ctx.controlPort, '/clients?reset=1');
  const stats = (await rpcStats(ctx)).bookSlot;
  const winsBySlot: Record<string, number> = {};
  for (const r of rs) {
    for (const [k, v] of Object.entries((r.extra?.winsBySlot ?? {}) as Record<string, number>))
      winsBySlot[k] = (winsBySlot[k] ?? 0) + v;
  }
  const losingCalls = Object.entries(stats?.byCode ?? {}).filter(([code]) => code !== 'OK');
  return {
    per,
    rs,
    cpu,
    profile,
    server,
    before,
    after,
    perClient,
    stats,
    winsBySlot,
    losingAttempts: sum(losingCalls.map(([, c]) => c.calls)),
    losingAttemptsWithoutOps: sum(losingCalls.map(([, c]) => c.zeroOpCalls)),
  };
}
