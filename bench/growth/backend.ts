/**
 * One backend of the growth benchmark: its own database and Redis, the
 * monitored server on them (reconciler on, as configured by default), the
 * spread and hot-slot scenarios on the empty database, then the growth table.
 */
import * as path from 'node:path';
import { obtainBackingServices, type BackingServices } from '../../scripts/local-servers';
import { databaseProcesses } from '../lib/db-cpu';
import { startSystem, type Cleanups } from '../lib/harness';
import { control, startupBacklog } from '../lib/procs';
import { log } from '../lib/server';
import { handlerOf } from './database';
import type { Backend, GrowthOptions } from './options';
import type { R } from './results';
import { growthScenarios } from './scenarios';
import { growSizes } from './sizes';
import { TimeCap } from './results';

/** What the whole run gives each backend. */
export interface RunFiles {
  wrapper: string;
  outDir: string;
  stamp: string;
  deadline: number;
}

/** Throws TimeCap once the run's deadline has passed; `where` says what is skipped. */
export const capChecker =
  (opts: GrowthOptions, deadline: number) =>
  (where: string): void => {
    if (Date.now() > deadline)
      throw new TimeCap(
        `time cap of ${opts.maxMinutes} min reached (${where}); what follows was skipped. ` +
          'Narrow the run with --sizes, --reps, --backends, --no-scenarios, or raise --max-minutes',
      );
  };

export async function runBackend(
  backend: Backend,
  opts: GrowthOptions,
  run: RunFiles,
  cleanups: Cleanups,
): Promise<R> {
  const checkCap = capChecker(opts, run.deadline);
  log(`=== backend ${backend} ===`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BOOKING_BACKING: process.env.BOOKING_BACKING || 'local',
    BOOKING_FERRETDB_BACKEND: backend,
  };
  const backing: BackingServices = await obtainBackingServices({ env, log });
  cleanups.push(() => backing.stop());

  const external = backing.kind === 'external';
  const dbProcs = external
    ? { roots: {}, missing: ['external database: not measured'] }
    : databaseProcesses(backing.mongoUri);
  const handler = dbProcs.roots.ferretdb !== undefined ? handlerOf(dbProcs.roots.ferretdb) : undefined;
  if (!external && handler !== backend) {
    throw new Error(
      `asked for FerretDB on ${backend} (BOOKING_FERRETDB_BACKEND=${backend}), but the database started by ` +
        `scripts/local-servers/backing-services.ts runs ${handler ?? 'something unknown'} (${backing.describe}); ` +
        'this checkout does not provide that backend',
    );
  }
  log(
    `database processes: ${JSON.stringify(dbProcs.roots)}${dbProcs.missing.length ? `; not found: ${dbProcs.missing.join(', ')}` : ''}`,
  );

  const dbName = `growth_${run.stamp.replace(/-/g, '').slice(0, 15)}`;
  const serverLog = path.join(run.outDir, `server-${backend}.log`);
  const system = await startSystem(
    { wrapper: run.wrapper, backing, dbName, outDir: run.outDir, serverLog },
    {},
    cleanups,
  );
  const { server, rpc, startedAt: serverStartedAt } = system;
  const hooked = (await control<{ hooked: boolean }>(server.controlPort, '/reconciler')).hooked;
  log(
    `server pid ${server.child.pid} on ${server.target}; reconciler passes ${hooked ? 'timed' : 'NOT visible'}`,
  );
  // Nothing is measured while the reconciler works through its start-up backlog (the lookback
  // window before the server started, passes every 250 ms): that is start-up cost, not steady state.
  const backlogS = hooked
    ? Math.round(((await startupBacklog(server.controlPort, 0)) - serverStartedAt) / 1000)
    : null;
  if (backlogS !== null) log(`reconciler start-up backlog through after ${backlogS} s`);

  const out: R = {
    backing: backing.describe,
    handler,
    databaseProcesses: dbProcs,
    reconcilerPassesVisible: hooked,
    reconcilerBacklogS: backlogS,
  };

  // The spread and hot-slot scenarios, on an empty database, against their floor.
  if (opts.scenarios) {
    const scenarios = await growthScenarios(
      backend,
      opts,
      system,
      { server: [server.child.pid ?? 0], database: Object.values(dbProcs.roots) },
      checkCap,
      cleanups,
    );
    out.scenarios = scenarios;
    if (scenarios.capped) return out;
  }

  // The growth table.
  await growSizes(
    { backend, opts, deadline: run.deadline, checkCap, server, rpc, dbProcs, hooked, serverStartedAt },
    system.appDb,
    out,
    cleanups,
  );
  return out;
}
