/**
 * The short chaos run (test/chaos/run.ts --quick): three instances on private
 * FerretDB and Redis servers of its own (not the global setup's), randomized
 * traffic with retries, SIGKILLed instances, one Redis restart, then the
 * invariants checked from the database. Its output is printed on failure.
 * It fails on any invariant violation, and on a run that could not do its
 * kills (an instance that does not come back); the machine's load only makes
 * it take longer.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
// Generous, so that a busy machine makes the run slower, never red: the runner waits for its
// kills (within 80 s of traffic, --quick's --max-duration), and every instance restart may take
// up to 60 s before the run calls it a failure. A typical run takes under a minute.
const TIMEOUT_MS = 300_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runQuickChaos(): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/chaos/run.ts', '--quick'], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    // SIGTERM lets the runner stop its processes; SIGKILL if it does not within 15 s.
    const term = setTimeout(() => child.kill('SIGTERM'), TIMEOUT_MS - 20_000);
    const kill = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS - 5_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ code, signal, output });
    });
  });
}

describe('chaos (quick)', () => {
  it(
    'keeps every invariant through instance kills and a Redis restart',
    async () => {
      const run = await runQuickChaos();
      if (run.code !== 0) {
        process.stdout.write(
          `--- test/chaos/run.ts --quick (exit ${run.code ?? run.signal}) ---\n${run.output}\n`,
        );
      }
      expect(run.output).toMatch(/CHAOS_RESULT \{.*"verdict":"PASS"/);
      expect(run.code).toBe(0);
    },
    TIMEOUT_MS,
  );
});
