/** Processes of the bench: load workers, the server's control endpoint, CPU accounting. */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { get } from 'node:http';
import * as path from 'node:path';
import type { PassRecord } from '../monitoring/state';
import type { Job } from '../jobs/types';

export { freePort } from '../../scripts/local-servers';

/** A load process running `script` (bench/worker.ts unless given), taking jobs of type `J`. */
export class Worker<J extends { kind: string } = Job> {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    readonly name: string,
    script = path.join(__dirname, '..', 'worker.ts'),
  ) {
    // Inherits our execArgv: the tsx loader that runs this file runs the worker too.
    this.child = fork(script, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(`${this.name}: ${m.error}`));
      else w.resolve(m.result);
    });
    this.child.on('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(new Error(`${this.name} exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  run<T>(job: J, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new Error(`${this.name}: ${job.kind} did not finish within ${Math.round(timeoutMs / 1000)} s`),
        );
        this.kill();
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, job });
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Disconnecting makes the worker exit by itself. */
  stop(): void {
    if (this.child.connected) this.child.disconnect();
    setTimeout(() => this.kill(), 5_000).unref();
  }
}

/** `n` workers, ready to take jobs. */
export function workers(n: number, prefix: string): Worker[] {
  return Array.from({ length: n }, (_, i) => new Worker(`${prefix}${i}`));
}

/** GET http://127.0.0.1:port/path, as JSON. */
export function control<T>(port: number, pathAndQuery: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path: pathAndQuery, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        try {
          const parsed = JSON.parse(body) as T & { error?: string };
          if (res.statusCode !== 200) reject(new Error(`${pathAndQuery}: ${parsed.error ?? res.statusCode}`));
          else resolve(parsed);
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${pathAndQuery}: timed out`)));
    req.on('error', reject);
  });
}

/** The server's reconciler passes that started at or after `since` (epoch ms). */
export async function passesSince(port: number, since: number): Promise<PassRecord[]> {
  return (await control<{ passes: PassRecord[] }>(port, `/reconciler?since=${Math.floor(since)}`)).passes;
}

/**
 * Waits until a reconciler pass of the server ends with no start-up backlog
 * left (the lookback window before the server started, which it works
 * through in passes 250 ms apart): that is start-up cost, not what a
 * measurement of steady operation should include. Returns when that pass
 * ended (epoch ms).
 */
export async function startupBacklog(port: number, since: number, timeoutMs = 15 * 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = (await passesSince(port, since)).find((p) => !p.backlog && !p.error);
    if (done) return done.startedAt + done.ms;
    if (Date.now() > deadline)
      throw new Error(`the reconciler's start-up backlog was not through in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

// ---------------------------------------------------------------------------
// CPU time from /proc (Linux): who used the two cores during a scenario.

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** User + system CPU milliseconds of a process, or 0 if it is gone. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** Busy and total CPU milliseconds of the whole machine (all cores). */
export function machineCpuMs(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

/** The pid of the process whose command line contains every one of `parts` (reading /proc only). */
export function findPid(parts: readonly string[]): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (parts.every((p) => cmd.includes(p)) && !cmd.startsWith('bash')) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

export interface CpuSample {
  at: number;
  byRole: Record<string, number>;
  machine: { busy: number; total: number };
}

/** Samples CPU time of named groups of pids; `since` gives the use between two samples. */
export class CpuMeter {
  constructor(private readonly roles: () => Record<string, number[]>) {}

  sample(): CpuSample {
    const byRole: Record<string, number> = {};
    for (const [role, pids] of Object.entries(this.roles()))
      byRole[role] = pids.reduce((a, p) => a + cpuMsOf(p), 0);
    return { at: Date.now(), byRole, machine: machineCpuMs() };
  }

  /** CPU seconds per role, and of the rest of the machine (other users of the shared cores). */
  since(before: CpuSample): Record<string, number> {
    const now = this.sample();
    const out: Record<string, number> = {};
    let ours = 0;
    for (const [role, ms] of Object.entries(now.byRole)) {
      const d = Math.max(0, ms - (before.byRole[role] ?? 0));
      out[role] = Math.round(d / 10) / 100;
      ours += d;
    }
    const busy = now.machine.busy - before.machine.busy;
    out['other processes'] = Math.round(Math.max(0, busy - ours) / 10) / 100;
    out['wall s'] = Math.round((now.at - before.at) / 10) / 100;
    out['machine idle s'] = Math.round((now.machine.total - before.machine.total - busy) / 10) / 100;
    return out;
  }
}
