/** Runs test/support/backing-child.ts as a separate owner process of local servers, for tests that SIGKILL it. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { waitUntil } from '../../scripts/local-servers';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Owner<T> {
  /** What the child printed once its servers ran. */
  started: T;
  /** SIGKILLs the owner and waits for its exit. */
  sigkill(): Promise<void>;
}

/**
 * Runs `fn` with a started owner (`mode`: see backing-child.ts) and makes sure
 * the owner is gone afterwards, whatever happens.
 */
export async function withOwner<T, R>(
  mode: 'backing' | 'redis',
  env: NodeJS.ProcessEnv,
  fn: (owner: Owner<T>) => Promise<R>,
): Promise<R> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/backing-child.ts', mode], {
    cwd: ROOT,
    env: { ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitUntil(() => output.includes('\n') || child.exitCode !== null, 120_000, 'the owner process');
    if (child.exitCode !== null) throw new Error(`the owner process failed:\n${output}`);
    return await fn({
      started: JSON.parse(output.split('\n')[0]!) as T,
      sigkill: async () => {
        child.kill('SIGKILL');
        await exited;
      },
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
