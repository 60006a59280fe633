/**
 * The arguments of `npm run bench -- --fanout` (see bench/fanout/index.ts): the sizes (subscribers x
 * changes per second, each for --seconds), the baseline checkout, and the server settings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Size {
  subscribers: number;
  perSecond: number;
  seconds: number;
}
export interface Checkout {
  label: 'before' | 'after';
  root: string;
}

export interface Options {
  sizes: Size[];
  baseline: string | null;
  profile: boolean;
  build: boolean;
  /** WATCH_BATCH_WINDOW_MS for the servers; null: their default. */
  windowMs: number | null;
  /** Subscribers decode every message with the generated code (default: only the revisions). */
  fullDecode: boolean;
}

export function parse(argv: string[]): Options {
  const quick = argv.includes('--quick');
  let seconds = quick ? 5 : 20;
  let pairs = quick ? '200x20' : '1000x50,10000x10';
  let baseline: string | null = null;
  let windowMs: number | null = null;
  for (const a of argv) {
    if (a.startsWith('--seconds=')) seconds = Number(a.slice(10));
    else if (a.startsWith('--window=')) windowMs = Number(a.slice(9));
    else if (a.startsWith('--sizes=')) pairs = a.slice(8);
    else if (a.startsWith('--baseline=')) baseline = path.resolve(a.slice(11));
    else if (!['--fanout', '--quick', '--profile', '--no-build', '--full-decode'].includes(a))
      throw new Error(`--fanout: unknown argument ${a}`);
  }
  const sizes = pairs.split(',').map((p) => {
    const [n, r] = p.split('x').map(Number);
    if (!Number.isInteger(n) || !Number.isInteger(r) || n! < 1 || r! < 1)
      throw new Error(`--sizes: expected NxR pairs (subscribers x changes/s), got ${p}`);
    return { subscribers: n!, perSecond: r!, seconds };
  });
  if (!(seconds > 0)) throw new Error('--seconds: expected a positive number');
  if (windowMs !== null && !(Number.isInteger(windowMs) && windowMs >= 0))
    throw new Error('--window: expected a whole number of milliseconds, 0 or more');
  if (baseline && !fs.existsSync(path.join(baseline, 'src', 'main.ts')))
    throw new Error(`--baseline=${baseline}: not a checkout of this project`);
  return {
    sizes,
    baseline,
    profile: argv.includes('--profile'),
    build: !argv.includes('--no-build'),
    windowMs,
    fullDecode: argv.includes('--full-decode'),
  };
}
