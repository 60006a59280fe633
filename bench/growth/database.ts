/** The database's own processes, as the growth benchmark watches them. */
import * as fs from 'node:fs';
import { treeCpuMs } from '../lib/db-cpu';
import { sleep } from '../lib/stats';
import { round } from './results';

/**
 * Waits until `pids` (process trees) use less than `fraction` of a core over
 * `windowMs`, at most `maxMs`; seconds waited (the cap, if never quiet).
 */
export async function quiet(
  pids: number[],
  fraction: number,
  windowMs: number,
  maxMs: number,
): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < maxMs) {
    const t0 = Date.now();
    const cpu0 = treeCpuMs(pids);
    await sleep(windowMs);
    if ((treeCpuMs(pids) - cpu0) / (Date.now() - t0) < fraction) break;
  }
  return round((Date.now() - start) / 1000, 0);
}

/** Which FerretDB handler the process listening on the URI's port runs, from its command line. */
export function handlerOf(pid: number): string | undefined {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const flag = args.find((a) => a.startsWith('--handler='));
    if (flag) return flag.slice('--handler='.length);
    if (args.some((a) => a.includes('mongod'))) return 'mongod';
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.find((kv) => kv.startsWith('FERRETDB_HANDLER='))?.slice('FERRETDB_HANDLER='.length);
  } catch {
    return undefined;
  }
}
