/** The chaos run's command line (see run.ts for what each option means) and its fixed settings. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Options {
  durationS: number;
  maxDurationS: number;
  minOps: number;
  reconcilerIntervalMs: number;
  clients: number;
  minKills: number;
  slots: number;
  instances: number;
  seed: number;
  logLevel: string;
  keep: boolean;
  quick: boolean;
}

export const SETTINGS = {
  reconcilerGraceMs: 3_000,
  holdConfirmMarginMs: 200,
  callTimeoutMs: 8_000,
  maxAttempts: 10,
  quarantineMs: 60_000,
  maxAppointmentsPerClient: 3,
};

export function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const full = argv.includes('--full');
  if (quick && full) throw new Error('--quick and --full exclude each other');
  const opts: Options = {
    durationS: quick ? 20 : full ? 240 : 60,
    maxDurationS: -1,
    minOps: full ? 20_000 : 0,
    reconcilerIntervalMs: full ? 5_000 : 1_000,
    clients: quick ? 24 : 32,
    minKills: -1,
    slots: 64,
    instances: 3,
    seed: Math.floor(Math.random() * 2 ** 31),
    logLevel: 'warn',
    keep: false,
    quick,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const int = (min: number, max: number): number => {
      const raw = value();
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new Error(`${arg} must be an integer from ${min} to ${max}, got ${raw}`);
      }
      return n;
    };
    switch (arg) {
      case '--quick':
      case '--full':
        break;
      case '--duration':
        opts.durationS = int(5, 3_600);
        break;
      case '--ops':
        opts.minOps = int(0, 10_000_000);
        break;
      case '--max-duration':
        opts.maxDurationS = int(5, 7_200);
        break;
      case '--reconciler-interval':
        opts.reconcilerIntervalMs = int(100, 60_000);
        break;
      case '--clients':
        opts.clients = int(1, 1_000);
        break;
      case '--kills':
        opts.minKills = int(0, 1_000);
        break;
      case '--slots':
        opts.slots = int(4, 2_000);
        break;
      case '--instances':
        opts.instances = int(2, 10);
        break;
      case '--seed':
        opts.seed = int(0, 2 ** 31 - 1);
        break;
      case '--log-level':
        opts.logLevel = value();
        break;
      case '--keep':
        opts.keep = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${fs.readFileSync(path.join(__dirname, 'run.ts'), 'utf8').split('*/')[0]}*/\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  if (opts.maxDurationS < 0) {
    opts.maxDurationS = opts.minOps > 0 ? Math.max(opts.durationS * 4, 3_600) : opts.durationS * 4;
  }
  if (opts.maxDurationS < opts.durationS) throw new Error('--max-duration is shorter than --duration');
  if (opts.minKills < 0) {
    opts.minKills = quick ? 3 : full ? 16 : Math.max(10, Math.round(opts.durationS / 8));
  }
  return opts;
}
