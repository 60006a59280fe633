/**
 * A local server on a fixed 127.0.0.1 port with a data directory, run by the
 * supervisor (supervisor.ts): started, and started again after a crash or a
 * stop, on the same port and the same data. The backing services, the outage
 * tests' killable servers and the chaos run's processes are all one of these.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorText, portFree, sleep, tailOf, waitUntil } from './probes';
import { Supervised } from './supervisor';

export interface LocalServerSpec {
  name: string;
  port: number;
  /** Its data; kept across restarts. */
  dir: string;
  /** Default `<dir>/server.log`. */
  logFile?: string;
  /** Default `<dir>/server.pid`. */
  pidFile?: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Whether it answers (a probe); a throw fails the start at once. */
  ready: () => Promise<boolean>;
  /** Default 60 s. */
  readyTimeoutMs?: number;
  /** `dir` is removed when the server is stopped or its owner dies (not after kill()). */
  throwaway?: boolean;
  stopSignal?: 'TERM' | 'INT';
}

/** The start failed because the process exited (a port taken meanwhile, say), not because it was slow. */
export class ExitedDuringStartup extends Error {
  override name = 'ExitedDuringStartup';
}

export class LocalServer {
  private proc: Supervised | undefined;

  constructor(private readonly spec: LocalServerSpec) {}

  get name(): string {
    return this.spec.name;
  }
  get port(): number {
    return this.spec.port;
  }
  get dir(): string {
    return this.spec.dir;
  }
  get logFile(): string {
    return this.spec.logFile ?? path.join(this.spec.dir, 'server.log');
  }
  /** The server process's pid while it runs. */
  get pid(): number | undefined {
    return this.running ? this.proc?.pid : undefined;
  }
  get running(): boolean {
    return this.proc !== undefined && this.proc.alive();
  }

  /**
   * Starts it (again: same port, same data) and waits until `ready`. On failure
   * it is stopped and the error carries the tail of its log.
   */
  async start(timeoutMs = this.spec.readyTimeoutMs ?? 60_000): Promise<void> {
    if (this.running) return;
    const { spec } = this;
    fs.mkdirSync(spec.dir, { recursive: true });
    const proc = await Supervised.start({
      name: spec.name,
      command: spec.command,
      args: spec.args,
      env: spec.env,
      cwd: spec.cwd,
      logFile: this.logFile,
      pidFile: spec.pidFile ?? path.join(spec.dir, 'server.pid'),
      removeOnExit: spec.throwaway ? spec.dir : undefined,
      stopSignal: spec.stopSignal,
    });
    this.proc = proc;
    try {
      await waitUntil(
        async () => {
          if (!proc.alive()) throw new ExitedDuringStartup(`${spec.name} exited during start-up`);
          return spec.ready();
        },
        timeoutMs,
        `${spec.name} on 127.0.0.1:${spec.port}`,
      );
    } catch (err) {
      const tail = tailOf(this.logFile); // first: a throwaway dir goes with the stop
      // Gently (a persistent PostgreSQL may be mid-recovery); once stopped, its port is free for a retry.
      await this.stop();
      const message = `${errorText(err)}${tail ? `\n--- ${this.logFile} (tail) ---\n${tail}` : ''}`;
      throw err instanceof ExitedDuringStartup ? new ExitedDuringStartup(message) : new Error(message);
    }
  }

  /** A crash: SIGKILL, data left as it is; waits until it is gone and its port is free. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    await proc.kill();
    this.proc = undefined;
    await this.untilPortFree();
  }

  /** A graceful stop (its stop signal); a throwaway dir is removed with it. */
  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
    // the supervisor removed it, unless the server had exited by itself
    if (this.spec.throwaway) fs.rmSync(this.spec.dir, { recursive: true, force: true });
  }

  /** Sends `signal` to the server process (not its supervisor). */
  signal(signal: NodeJS.Signals): void {
    this.proc?.signal(signal);
  }

  /** Its processes are gone once their group is; the port may linger a moment (bounded). */
  private async untilPortFree(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await portFree(this.port)) && Date.now() < deadline) await sleep(50);
  }
}
