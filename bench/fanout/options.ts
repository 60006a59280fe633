/**
 * The arguments of `npm run bench -- --fanout` (see bench/fanout/index.ts): the sizes (subscribers x
 * changes per second, each for --seconds), the baseline checkout, and the server settings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Size {
  subscribers: number;
  perSecond: number;
  /** Measured: the latencies reported are of changes published in these seconds. */
  seconds: number;
  /** Published before the measured seconds, at the same rate, and delivered too (a cold server's first passes). */
  warmupSeconds: number;
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
  /** HTTP/2 flow-control window of a subscriber connection, bytes (grpc-node.flow_control_window). */
  clientWindow: number;
}

export function parse(argv: string[]): Options {
  const quick = argv.includes('--quick');
  let seconds = quick ? 5 : 20;
  let warmupSeconds = quick ? 1 : 3;
  let pairs = quick ? '200x20' : '1000x50,10000x10';
  let baseline: string | null = null;
  let windowMs: number | null = null;
  let clientWindow = 1 << 20;
  for (const a of argv) {
    if (a.startsWith('--seconds=')) seconds = Number(a.slice(10));
    else if (a.startsWith('--window=')) windowMs = Number(a.slice(9));
    else if (a.startsWith('--warmup=')) warmupSeconds = Number(a.slice(9));
    else if (a.startsWith('--client-window=')) clientWindow = Number(a.slice(16));
    else if (a.startsWith('--sizes=')) pairs = a.slice(8);
    else if (a.startsWith('--baseline=')) baseline = path.resolve(a.slice(11));
    else if (!['--fanout', '--quick', '--profile', '--no-build', '--full-decode'].includes(a))
      throw new Error(`--fanout: unknown argument ${a}`);
  }
  const sizes = pairs.split(',').map((p) => {
    const [n, r] = p.split('x').map(Number);
    if (!Number.isInteger(n) || !Number.isInteger(r) || n! < 1 || r! < 1)
      throw new Error(`--sizes: expected NxR pairs (subscribers x changes/s), got ${p}`);
    return { subscribers: n!, perSecond: r!, seconds, warmupSeconds };
  });
  if (!(seconds > 0)) throw new Error('--seconds: expected a positive number');
  if (!(Number.isInteger(clientWindow) && clientWindow >= 65_535 && clientWindow < 2 ** 31))
    throw new Error('--client-window: expected bytes, from 65535 (the HTTP/2 default) to 2^31-1');
  if (!(warmupSeconds >= 0)) throw new Error('--warmup: expected a number of seconds, 0 or more');
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
    clientWindow,
  };
}
