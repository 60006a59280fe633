/** The spread and hot-slot scenarios of bench/scenarios/, run once per backend by the growth benchmark. */
import type { Cleanups } from '../lib/harness';
import { wipe } from '../lib/docs';
import { CpuMeter, workers, type Worker } from '../lib/procs';
import { log } from '../lib/server';
import { hot, spread, type Ctx } from '../scenarios';
import type { ScenarioBase } from '../scenarios/context';
import { SCENARIO_CONFIG, type Backend, type GrowthOptions } from './options';
import { TimeCap, type R } from './results';

export async function growthScenarios(
  backend: Backend,
  opts: GrowthOptions,
  base: ScenarioBase,
  pids: { server: number[]; database: number[] },
  checkCap: (where: string) => void,
  cleanups: Cleanups,
): Promise<R> {
  const pool: Worker[] = workers(4, `load-${backend}-`);
  cleanups.push(() => pool.forEach((w) => w.stop()));
  await Promise.all(pool.map((w) => w.run({ kind: 'ping' }, 120_000)));
  const cpu = new CpuMeter(() => ({
    server: pids.server,
    database: pids.database,
    'load processes': pool.map((w) => w.pid),
  }));
  const ctx: Ctx = { ...base, cfg: SCENARIO_CONFIG(opts.quick), cpu, load: pool, profile: false, log };
  const scenarios: R = {};
  try {
    for (const n of ctx.cfg.spread.clientPoints) {
      checkCap(`spread with ${n} clients`);
      log(`spread: ${n} clients`);
      scenarios[`spread_${n}`] = await spread(ctx, n).catch((err: unknown) => ({ error: String(err) }));
    }
    checkCap('hot slots');
    scenarios.hot = await hot(ctx).catch((err: unknown) => ({ error: String(err) }));
  } catch (err) {
    if (!(err instanceof TimeCap)) throw err;
    scenarios.capped = err.message;
    log(err.message);
  }
  pool.forEach((w) => w.stop());
  await wipe(ctx.appDb);
  await wipe(ctx.floorDb);
  return scenarios;
}
