/**
 * Helpers of the `npm run dev` test (test/integration/dev-runner.test.ts): the
 * real command in its own process group on a scrubbed environment, its banner,
 * the processes it started (read from /proc), the addresses a port listens on,
 * and `npm run token`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { until } from './watch-client';

const REPO = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 150_000; // may include building FerretDB on a fresh machine
export const TEST_TIMEOUT_MS = 240_000;

/** Variables a developer's shell might have that would change what dev does. */
const SCRUBBED = [
  'MONGODB_URI',
  'REDIS_URL',
  'AUTH_DISABLED',
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_FILE',
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'BIND_HOST',
  'METRICS_HOST',
  'PORT',
  'METRICS_PORT',
];

export function devEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRUBBED) delete env[name];
  return { ...env, BOOKING_DEV_DATA_DIR: dataDir, PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', ...extra };
}

export interface Banner {
  host: string;
  port: number;
  metricsHost: string;
  metricsPort: number;
  adminToken: string;
}

export class DevRun {
  readonly child: ChildProcess;
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private out = '';

  constructor(env: NodeJS.ProcessEnv) {
    // Own process group (detached), like a shell's foreground job.
    this.child = spawn('npm', ['run', 'dev'], {
      cwd: REPO,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.closed = new Promise((resolve) =>
      this.child.once('close', (code, signal) => resolve({ code, signal })),
    );
  }

  get output(): string {
    return this.out;
  }

  get pgid(): number {
    return this.child.pid!;
  }

  /** Waits for the banner's last line and reads the addresses and the admin token from it. */
  async banner(): Promise<Banner> {
    await until(
      () => {
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
          throw new Error(`npm run dev exited during start-up:\n${this.out}`);
        }
        return /\[dev\] Ctrl-C to stop/.test(this.out);
      },
      'the dev banner',
      { timeoutMs: START_TIMEOUT_MS, detail: () => this.out },
    );
    const listening = /\[dev\] booking service listening on (\S+):(\d+)/.exec(this.out);
    const metrics = /\[dev\] metrics on http:\/\/(\S+):(\d+)\/metrics/.exec(this.out);
    const admin = /export ADMIN_TOKEN=(\S+)/.exec(this.out);
    if (!listening || !metrics || !admin) throw new Error(`unexpected banner:\n${this.out}`);
    return {
      host: listening[1]!,
      port: Number(listening[2]),
      metricsHost: metrics[1]!,
      metricsPort: Number(metrics[2]),
      adminToken: admin[1]!,
    };
  }

  /** A signal to the whole process group, as a terminal sends it. */
  signalGroup(signal: NodeJS.Signals): void {
    process.kill(-this.pgid, signal);
  }

  /** Last resort for afterAll: the group, then whatever it started. */
  kill(others: number[]): void {
    for (const pid of [-this.pgid, ...others]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

export interface Proc {
  pid: number;
  name: string;
  /** Start time in clock ticks since boot: with the pid, names one process even if the pid is reused. */
  start: string;
}

function readProc(pid: number): (Proc & { ppid: number }) | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    const name = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return { pid, name, ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root`. */
export function descendants(root: number): Proc[] {
  const all = fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => readProc(Number(d)) ?? []);
  const found: Proc[] = [];
  let frontier = [root];
  while (frontier.length) {
    const children = all.filter((p) => frontier.includes(p.ppid));
    found.push(...children);
    frontier = children.map((p) => p.pid);
  }
  return found;
}

export const stillRunning = (procs: Proc[]): Proc[] =>
  procs.filter((p) => readProc(p.pid)?.start === p.start);

/** The local addresses sockets listening on TCP `port` are bound to ("127.0.0.1", "0.0.0.0", "::"...). */
export function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [hex, portHex] = (local ?? '').split(':');
      if (state !== '0A' || parseInt(portHex ?? '', 16) !== port || !hex) continue;
      if (hex.length === 8) {
        found.push(
          (hex.match(/../g) ?? [])
            .map((b) => parseInt(b, 16))
            .reverse()
            .join('.'),
        );
      } else {
        found.push(/^0+$/.test(hex) ? '::' : /^0{20}FFFF0000/.test(hex) ? `::ffff:${hex.slice(24)}` : hex);
      }
    }
  }
  return found.sort();
}

/** `npm run --silent token -- ...args` with `env`; resolves with stdout, stderr and the exit code. */
export function mintCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'token', '--', ...args], { cwd: REPO, env }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
