/** The chaos itself: instances SIGKILLed and restarted at a pace that follows the traffic. */
import type { Cluster, Instance } from './cluster';
import type { TrafficControl } from './traffic';
import { errorText, type Rng, sleep } from './util';

export interface ChaosLog {
  kills: { at: number; instance: number; downMs: number; restartMs: number }[];
  redis: { at: number; downMs: number }[];
  errors: string[];
}

/**
 * SIGKILLs a random running instance and restarts it after a short pause
 * (restarts run in the background, so a slow start-up does not delay the
 * next kill; at least one instance stays up). The first `kills` are planned
 * one in each of `kills` equal parts of `window`, and go on at the same pace
 * after it while the traffic runs. The pace follows the run's progress, not
 * the clock alone: a kill is due at its planned moment, but only once two
 * instances are up and the traffic has started `opsBetween` operations since
 * the previous kill. So on a busy machine, where a restart takes 20 s and
 * operations crawl, kills come later rather than piling onto a stalled
 * cluster, and the traffic waits for them (see main).
 */
export async function killLoop(
  cluster: Cluster,
  rng: Rng,
  window: { start: number; end: number },
  pace: { kills: number; opsBetween: number; ops: () => number },
  control: TrafficControl,
  record: ChaosLog,
): Promise<void> {
  if (pace.kills === 0) return;
  const gap = (window.end - window.start) / pace.kills;
  const restarts = new Set<Promise<void>>();
  const killAndRestart = async (victim: Instance): Promise<void> => {
    const t0 = Date.now();
    await victim.sigkill();
    await sleep(rng.between(200, 1_500));
    try {
      const restartMs = await victim.start(60_000);
      record.kills.push({ at: t0, instance: victim.index, downMs: Date.now() - t0, restartMs });
    } catch (err) {
      record.errors.push(`restart of ${victim.name} failed: ${errorText(err)}`);
      record.kills.push({ at: t0, instance: victim.index, downMs: Date.now() - t0, restartMs: -1 });
      // Once more; the run reports the failure either way.
      await victim.start(60_000).catch((e: unknown) => void record.errors.push(errorText(e)));
    }
  };
  let opsAtLastKill = pace.ops();
  for (let k = 0; !control.stopped; k++) {
    const at = window.start + gap * (k + rng.between(0.15, 0.85));
    const due = (): boolean =>
      Date.now() >= at &&
      // Never the last one standing, and never before the traffic got going again.
      cluster.instances.filter((i) => i.up).length >= 2 &&
      pace.ops() - opsAtLastKill >= pace.opsBetween;
    while (!control.stopped && !due()) await sleep(Math.min(100, Math.max(10, at - Date.now())));
    if (control.stopped) break;
    opsAtLastKill = pace.ops();
    const victim: Instance = rng.pick(cluster.instances.filter((i) => i.up));
    const restart = killAndRestart(victim);
    restarts.add(restart);
    void restart.finally(() => restarts.delete(restart));
  }
  await Promise.all([...restarts]);
}
