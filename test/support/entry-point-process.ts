/**
 * Runs one of the repository's TypeScript entry points (src/main.ts,
 * src/healthcheck.ts) as a process of its own, as an operator or a container
 * would: with `env` and PATH only, until it exits.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const REPO = path.resolve(__dirname, '../..');

export interface EntryPointExit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` (relative to the repository) with `env`; SIGKILLed if still up after `killAfterMs`, if given. */
export function runEntryPoint(
  script: string,
  env: Record<string, string>,
  killAfterMs?: number,
): Promise<EntryPointExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const guard =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}
