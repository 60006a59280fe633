/**
 * The chaos run proper: the cluster started, the traffic driven while
 * instances are killed and Redis restarted once, then the reconcilers given
 * time to settle and the database checked.
 */
import { type Cluster } from './cluster';
import { checkDatabase, type CheckResult } from './invariants';
import { killLoop, type ChaosLog } from './kills';
import { SETTINGS, type Options } from './options';
import { CHAOS_CAPACITY, setUp } from './setup';
import { Traffic, type TrafficControl } from './traffic';
import { errorText, type Rng, sleep } from './util';

/** What the run found out, filled in as it goes: the report reads whatever got that far. */
export interface RunState {
  started: number;
  chaos: ChaosLog;
  /** (ms since the traffic started, operations answered so far), once a second. */
  samples: [number, number][];
  /** When the traffic was told to stop (its last calls then drain): the end of the rate's window. */
  trafficStoppedMs?: number;
  traffic?: Traffic;
  check?: CheckResult;
  settleMs: number;
  harnessErrors: string[];
  /** Set once the traffic runs: a first SIGINT/SIGTERM stops it through this. */
  control?: TrafficControl;
}

export async function drive(
  cluster: Cluster,
  opts: Options,
  rng: Rng,
  runTag: string,
  dir: string,
  state: RunState,
  log: (line: string) => void,
): Promise<void> {
  const { chaos } = state;
  log(
    `seed ${opts.seed}; ${opts.durationS} s of traffic from ${opts.clients} clients on ${opts.slots} slots, ` +
      `${opts.instances} instances, >= ${opts.minKills} kills, 1 Redis restart; dir ${dir}`,
  );
  await Promise.all([cluster.startFerret(), cluster.startRedis()]);
  await cluster.addInstances(opts.instances, {
    ...SETTINGS,
    reconcilerIntervalMs: opts.reconcilerIntervalMs,
    logLevel: opts.logLevel,
  });
  for (const line of cluster.describe) log(line);
  const { serviceId, slotIds, multiSlotIds } = await setUp(cluster.instances[0]!.port, opts.slots);
  log(
    `service ${serviceId} with ${slotIds.length} slots (${multiSlotIds.length} of ${CHAOS_CAPACITY} places); ` +
      `setup took ${Date.now() - state.started} ms`,
  );

  const trafficStart = Date.now();
  const deadlineMs = trafficStart + opts.durationS * 1000;
  const capMs = trafficStart + opts.maxDurationS * 1000;
  const ctl: TrafficControl = { stopped: false, hardStopMs: 0 };
  state.control = ctl;
  const t = new Traffic({
    serviceId,
    slotIds,
    multiSlotIds,
    ports: cluster.instances.map((i) => i.port),
    clients: opts.clients,
    control: ctl,
    callTimeoutMs: SETTINGS.callTimeoutMs,
    maxAttempts: SETTINGS.maxAttempts,
    holdConfirmMarginMs: SETTINGS.holdConfirmMarginMs,
    maxAppointmentsPerClient: SETTINGS.maxAppointmentsPerClient,
    quarantineMs: SETTINGS.quarantineMs,
    rng: rng.fork(),
    runTag,
    onViolation: (v) => log(`VIOLATION [${v.invariant}] ${v.detail}`),
  });
  state.traffic = t;
  const sampler = setInterval(() => state.samples.push([Date.now() - trafficStart, t.totalOps]), 1_000);
  const progress = setInterval(() => {
    const s = (Date.now() - trafficStart) / 1000;
    log(
      `${s.toFixed(0)} s: ${t.totalOps} ops (${(t.totalOps / s).toFixed(0)}/s), ` +
        `${cluster.instances.reduce((n, i) => n + i.kills, 0)} kills, ` +
        `${cluster.redisRestarts} redis restarts, ${t.violations.length} violations so far`,
    );
  }, 10_000);
  // Traffic runs for --duration, longer while --ops, the kills or the Redis restart are not
  // done yet (a busy machine), never past --max-duration.
  const killCount = (): number => cluster.instances.reduce((n, i) => n + i.kills, 0);
  let redisDone = false;
  let extended = false;
  const stopper = setInterval(() => {
    const now = Date.now();
    if (ctl.stopped || now < deadlineMs) return;
    const owed: string[] = [];
    if (t.totalOps < opts.minOps) owed.push(`operations (${t.totalOps} of ${opts.minOps})`);
    if (killCount() < opts.minKills) owed.push(`kills (${killCount()} of ${opts.minKills})`);
    if (!redisDone) owed.push('the Redis restart');
    if (owed.length === 0 || now >= capMs) {
      if (owed.length > 0) log(`--max-duration reached still waiting for ${owed.join(', ')}`);
      ctl.stopped = true;
      ctl.hardStopMs = now + 30_000;
      state.trafficStoppedMs = now - trafficStart;
    } else if (!extended) {
      extended = true;
      log(`traffic goes on past --duration, waiting for ${owed.join(', ')} (at most ${opts.maxDurationS} s)`);
    }
  }, 100);
  const window = { start: trafficStart + 1_000, end: deadlineMs - 2_000 };
  const chaosRng = rng.fork();
  const redisAt = window.start + (window.end - window.start) * chaosRng.between(0.35, 0.65);
  const redisDownMs = Math.round(chaosRng.between(800, 1_500));
  const redisRestart = (async () => {
    await sleep(redisAt - Date.now());
    const t0 = Date.now();
    log('SIGKILL redis-server');
    await cluster.restartRedis(redisDownMs);
    chaos.redis.push({ at: t0, downMs: Date.now() - t0 });
    log(`redis-server back after ${Date.now() - t0} ms`);
  })()
    .catch((err: unknown) => void chaos.errors.push(`redis restart: ${errorText(err)}`))
    .finally(() => {
      redisDone = true;
    });
  // Between two kills, every client has had about one operation answered.
  const pace = { kills: opts.minKills, opsBetween: opts.clients, ops: () => t.totalOps };
  const kills = killLoop(cluster, chaosRng, window, pace, ctl, chaos).catch(
    (err: unknown) => void chaos.errors.push(`kill loop: ${errorText(err)}`),
  );
  await Promise.all([t.run(), kills, redisRestart]);
  clearInterval(progress);
  clearInterval(sampler);
  state.samples.push([Date.now() - trafficStart, t.totalOps]);
  clearInterval(stopper);
  const trafficEnd = Date.now();
  log(`traffic stopped after ${((trafficEnd - trafficStart) / 1000).toFixed(1)} s: ${t.totalOps} operations`);

  // Every instance up, then give the reconcilers time: grace + a few passes.
  for (const i of cluster.instances.filter((x) => !x.up)) await i.start(60_000);
  const settleStart = Date.now();
  await sleep(SETTINGS.reconcilerGraceMs + 3 * opts.reconcilerIntervalMs);
  const checkOnce = (): Promise<CheckResult> =>
    checkDatabase({
      mongoUri: cluster.mongoUri,
      serviceId,
      truths: t.truths,
      cleanupSlackMs: 2 * opts.reconcilerIntervalMs + 500,
    });
  let check = await checkOnce();
  state.check = check;
  // `projection` is eventually consistent: look again for a while before calling it a violation.
  const convergeBy = Date.now() + Math.max(20_000, 4 * opts.reconcilerIntervalMs);
  while (check.violations.some((v) => v.invariant === 'projection') && Date.now() < convergeBy) {
    await sleep(2_000);
    check = await checkOnce();
    state.check = check;
  }
  state.settleMs = Date.now() - settleStart;

  const killed = killCount();
  if (killed < opts.minKills) {
    state.harnessErrors.push(
      `only ${killed} kills, wanted ${opts.minKills}, by --max-duration (${opts.maxDurationS} s of traffic)`,
    );
  }
  if (chaos.redis.length < 1) state.harnessErrors.push('Redis was not restarted');
  state.harnessErrors.push(...chaos.errors);
}
