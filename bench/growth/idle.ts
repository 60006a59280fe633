/**
 * The growth table's quiet side: the database's CPU while no call is made
 * (the reconciler runs on its own timer, as configured), and the passes the
 * reconciler ran once the database had this size.
 */
import { treeCpuMs } from '../lib/db-cpu';
import { cpuMsOf, passesSince } from '../lib/procs';
import { log } from '../lib/server';
import { Histogram, sleep } from '../lib/stats';
import { round, type IdleResult, type SizeResult } from './results';
import type { Rig } from './rig';

/** Database and server CPU over one idle window of --idle-seconds. */
async function idleWindow({ opts, server, dbProcs }: Rig): Promise<IdleResult> {
  const roots = Object.values(dbProcs.roots);
  const idleFrom = Date.now();
  const db0 = Object.fromEntries(Object.entries(dbProcs.roots).map(([k, pid]) => [k, treeCpuMs([pid])]));
  const srv0 = cpuMsOf(server.child.pid ?? 0);
  await sleep(opts.idleSeconds * 1_000);
  const wallS = (Date.now() - idleFrom) / 1000;
  const byProcess = Object.fromEntries(
    Object.entries(dbProcs.roots).map(([k, pid]) => [k, (treeCpuMs([pid]) - db0[k]!) / 1000]),
  );
  const dbS = Object.values(byProcess).reduce((a, b) => a + b, 0);
  const during = await passesSince(server.controlPort, idleFrom);
  return {
    seconds: round(wallS, 1),
    databaseCpuS: round(dbS, 2),
    fractionOfCore: roots.length ? round(dbS / wallS, 3) : NaN,
    byProcess,
    serverFractionOfCore: round((cpuMsOf(server.child.pid ?? 0) - srv0) / 1000 / wallS, 3),
    reconcilerPassesDuring: during.length,
  };
}

export async function measureIdle(rig: Rig, r: SizeResult): Promise<void> {
  const { backend, opts, serverStartedAt } = rig;
  const { size } = r;
  await sleep(2_000);
  r.idle = await idleWindow(rig);
  log(`${backend} ${size}: idle database ${r.idle.fractionOfCore} of a core`);
  if (opts.settleSeconds > 0 && size === opts.sizes[opts.sizes.length - 1]) {
    // At start-up the reconciler re-examines its whole lookback window once, 10 minutes of
    // changes per pass (RECONCILER_LOOKBACK_MS 24 h: 144 passes, 12 min at the 5 s default):
    // the settled figure is the steady state once that is through.
    log(`${backend} ${size}: settling ${opts.settleSeconds} s, then idle again`);
    await sleep(opts.settleSeconds * 1_000);
    r.idleSettled = {
      ...(await idleWindow(rig)),
      afterServerStartS: round((Date.now() - serverStartedAt) / 1000, 0),
    };
    log(`${backend} ${size}: idle database, settled, ${r.idleSettled.fractionOfCore} of a core`);
  }
}

/** Reconciler passes that started once the database had this size (after `seededAt`). */
export async function measurePasses(rig: Rig, r: SizeResult, seededAt: number): Promise<void> {
  const { backend, opts, server, hooked, deadline, checkCap } = rig;
  const want = opts.reps['reconciler pass'];
  let passes = (await passesSince(server.controlPort, seededAt)).filter((p) => !p.error);
  while (hooked && passes.length < want && Date.now() < deadline) {
    await sleep(1_000);
    passes = (await passesSince(server.controlPort, seededAt)).filter((p) => !p.error);
  }
  const ph = new Histogram();
  for (const p of passes) ph.record(p.ms);
  const failed = (await passesSince(server.controlPort, seededAt)).filter((p) => p.error);
  r.ops['reconciler pass'] = {
    n: passes.length,
    latencyMs: passes.length ? ph.summary() : null,
    commandsPerOp: passes.length ? passes.reduce((a, p) => a + p.ops, 0) / passes.length : null,
    redisPerOp: passes.length ? passes.reduce((a, p) => a + p.redisOps, 0) / passes.length : null,
    failures: failed.length ? { error: failed.length } : {},
    note: hooked ? 'passes that started after seeding, run by the server on its own timer' : 'not visible',
  };
  log(`${backend} ${r.size}: ${passes.length} reconciler passes, p50 ${ph.quantile(0.5).toFixed(0)} ms`);
  checkCap('reconciler passes');
}
