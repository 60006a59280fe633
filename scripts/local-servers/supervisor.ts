/**
 * The one process supervisor of the local servers (dev, tests, chaos, bench).
 *
 * Each process runs under a tiny bash supervisor in a session of its own
 * (`detached`: a terminal's Ctrl-C reaches only the Node parent, which stops
 * things in order), whose stdin is a pipe from the parent. The supervisor
 * writes its child's pid to a pid file and stays until the child exits or the
 * pipe reaches EOF: the parent stopped it, or died in any way, even SIGKILL.
 * Then it sends the stop signal (TERM, or INT for PostgreSQL's fast shutdown),
 * SIGKILL after 10 s, and removes the throwaway directory if it was given one
 * (only when told to stop: a child that exits by itself leaves its log to read).
 * A crash is simulated by SIGKILLing the whole process group (the one we
 * spawned: never anything found by name); that leaves the data in place.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type * as net from 'node:net';
import { waitUntil } from './probes';

/** How long a graceful stop may take before the whole group is SIGKILLed. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * Args: pid file, throwaway dir ('' for none), stop signal (TERM|INT), then the command.
 * `read -t 1` returns 0 on a line, > 128 on a timeout or a trapped signal, and
 * 1 on EOF: only EOF (or the child's exit) ends the loop.
 */
const SUPERVISOR = `
pidfile="$1"; cleanup="$2"; sig="$3"; shift 3
"$@" </dev/null &
child=$!
echo "$child" > "$pidfile"
told=0
trap 'told=1; kill -"$sig" "$child" 2>/dev/null' TERM INT HUP
while kill -0 "$child" 2>/dev/null; do
  read -r -t 1 _; rc=$?
  if [ "$rc" -eq 0 ] || [ "$rc" -gt 128 ]; then continue; fi
  told=1
  break
done
kill -"$sig" "$child" 2>/dev/null
i=0
while kill -0 "$child" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$child" 2>/dev/null
wait "$child"; status=$?
if [ -n "$cleanup" ] && [ "$told" = 1 ]; then rm -rf -- "$cleanup"; fi
exit "$status"
`;

export interface SuperviseSpec {
  /** For messages and the supervisor's argv[0]: `supervisor(<name>)`. */
  name: string;
  command: string;
  args: readonly string[];
  /** stdout and stderr of the child, appended. */
  logFile: string;
  /** Where the supervisor writes the child's pid (replaced at every start). */
  pidFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A throwaway directory the supervisor removes when told to stop (EOF, a signal; not after kill()). */
  removeOnExit?: string;
  /** The signal of a graceful stop (default TERM). */
  stopSignal?: 'TERM' | 'INT';
}

/** One supervised child process. */
export class Supervised {
  private constructor(
    readonly name: string,
    private readonly supervisor: ChildProcess,
    /** The child's pid (not the supervisor's). */
    readonly pid: number,
    /** Resolves with the supervisor's exit code when it is gone (null: killed by a signal). */
    readonly exited: Promise<number | null>,
  ) {}

  /** Spawns the supervisor and waits for the child's pid (not for the child to be ready). */
  static async start(spec: SuperviseSpec): Promise<Supervised> {
    fs.rmSync(spec.pidFile, { force: true });
    const logFd = fs.openSync(spec.logFile, 'a');
    let supervisor: ChildProcess;
    try {
      supervisor = spawn(
        'bash',
        [
          '-c',
          SUPERVISOR,
          `supervisor(${spec.name})`,
          spec.pidFile,
          spec.removeOnExit ?? '',
          spec.stopSignal ?? 'TERM',
          spec.command,
          ...spec.args,
        ],
        { stdio: ['pipe', logFd, logFd], env: spec.env ?? process.env, cwd: spec.cwd, detached: true },
      );
    } finally {
      fs.closeSync(logFd);
    }
    // Neither it nor its pipe keeps our event loop alive; the pipe closes when we exit.
    supervisor.unref();
    const lifeline = supervisor.stdin as net.Socket | null; // stdio 'pipe' => a net.Socket
    lifeline?.unref();
    lifeline?.on('error', () => undefined);
    const exited = new Promise<number | null>((resolve) => {
      if (supervisor.exitCode !== null || supervisor.signalCode !== null) resolve(supervisor.exitCode);
      supervisor.once('exit', (code) => resolve(code));
      supervisor.once('error', () => resolve(-1));
    });
    let pid = 0;
    try {
      await waitUntil(
        () => {
          pid = readPid(spec.pidFile);
          if (pid > 0) return true;
          if (supervisor.exitCode !== null || supervisor.signalCode !== null) {
            throw new Error(`${spec.name}: its supervisor exited at once`);
          }
          return false;
        },
        10_000,
        `${spec.name} pid file`,
        20,
      );
    } catch (err) {
      killGroup(supervisor, 'SIGKILL');
      throw err;
    }
    return new Supervised(spec.name, supervisor, pid, exited);
  }

  /** Whether the supervisor still runs (it outlives its child only briefly). */
  get running(): boolean {
    return this.supervisor.exitCode === null && this.supervisor.signalCode === null;
  }

  /** Whether the child (not the supervisor) still runs. */
  alive(): boolean {
    try {
      process.kill(this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends `signal` to the child only; the supervisor exits once the child has. */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(this.pid, signal);
    } catch {
      // gone already
    }
  }

  /**
   * A graceful stop: EOF on the supervisor's stdin (stop signal, SIGKILL after
   * 10 s, throwaway dir removed); the whole group is SIGKILLed if that takes
   * longer than STOP_TIMEOUT_MS.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    (this.supervisor.stdin as net.Socket | null)?.end();
    const timer = setTimeout(() => killGroup(this.supervisor, 'SIGKILL'), STOP_TIMEOUT_MS);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A crash: SIGKILLs the process group (supervisor and child), leaving the data; waits until gone. */
  async kill(): Promise<void> {
    if (this.running) {
      killGroup(this.supervisor, 'SIGKILL');
      this.signal('SIGKILL'); // in case it left the group
    }
    await this.exited;
    // Orphaned by its supervisor's death, the child is reaped by init: bounded, never fatal.
    await waitUntil(() => !this.alive(), 10_000, `${this.name} exit`, 20).catch(() => undefined);
  }
}

function readPid(file: string): number {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
