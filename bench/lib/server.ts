/** What every bench mode shares: logging, git facts, the monitored server process. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { control, freePort } from './procs';
import { sleep } from './stats';

export const ROOT = path.resolve(__dirname, '..', '..');
export const RESULTS = path.join(ROOT, 'bench', 'results');

export const log = (line: string): void =>
  void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

export function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

/**
 * The monitoring wrapper (bench/server-with-monitoring.ts and the modules of
 * bench/monitoring/ it imports) as plain JavaScript, so the server runs under
 * plain node; returns the wrapper's file.
 */
export function transpileWrapper(): string {
  // Under .tmp/ (git-, lint- and prettier-ignored); node_modules resolves from there.
  const dir = path.join(ROOT, '.tmp', 'bench');
  const sources = [
    'server-with-monitoring.ts',
    ...fs
      .readdirSync(path.join(ROOT, 'bench', 'monitoring'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join('monitoring', f)),
  ];
  for (const rel of sources) {
    const source = fs.readFileSync(path.join(ROOT, 'bench', rel), 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    const file = path.join(dir, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, out.outputText);
  }
  return path.join(dir, 'server-with-monitoring.js');
}

export interface Server {
  child: ChildProcess;
  target: string;
  controlPort: number;
  stop(): Promise<void>;
}

export async function startServer(
  wrapper: string,
  env: Record<string, string>,
  logFile: string,
  /** The app to run: dist/ of this checkout, or of another one (a baseline). */
  distDir = path.join(ROOT, 'dist'),
): Promise<Server> {
  const port = await freePort();
  const controlPort = await freePort();
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--expose-gc', wrapper], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...env,
      PORT: String(port),
      BIND_HOST: '127.0.0.1',
      BENCH_CONTROL_PORT: String(controlPort),
      BENCH_DIST_DIR: distDir,
    },
    stdio: ['pipe', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited during start-up; see ${logFile}`);
    try {
      await control(controlPort, '/ready', 1_000);
      break;
    } catch {
      if (Date.now() > deadline)
        throw new Error(`the server's control endpoint did not come up; see ${logFile}`);
      await sleep(200);
    }
  }
  return {
    child,
    target: `127.0.0.1:${port}`,
    controlPort,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
