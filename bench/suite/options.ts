/** The suite's command line, and the sizes of its full and --quick runs. */
import type { Config } from '../scenarios';

export const FULL: Config = {
  spread: { clients: 64, slotsPerClient: 40, durationMs: 30_000, clientPoints: [1, 16, 64] },
  hot: { slots: 100, perSlot: 500, retries: 3, backoffMs: 50, floorMaxMs: 240_000 },
  places: { slots: 100, capacity: 20, perSlot: 500, retries: 3, backoffMs: 50 },
  fanout: [
    { subscribers: 1_000, durationMs: 10_000, intervalMs: 10 },
    { subscribers: 10_000, durationMs: 5_000, intervalMs: 10 },
  ],
  generation: { days: 365 },
  history: { appointments: 10_000, pageSize: 50, rounds: 1 },
};

export const QUICK: Config = {
  spread: { clients: 64, slotsPerClient: 10, durationMs: 5_000, clientPoints: [64] },
  hot: { slots: 10, perSlot: 50, retries: 3, backoffMs: 50, floorMaxMs: 60_000 },
  places: { slots: 10, capacity: 5, perSlot: 50, retries: 3, backoffMs: 50 },
  fanout: [{ subscribers: 100, durationMs: 3_000, intervalMs: 10 }],
  generation: { days: 30 },
  history: { appointments: 1_000, pageSize: 50, rounds: 1 },
};

export const SCENARIOS = ['generation', 'spread', 'hot', 'places', 'history', 'fanout'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Options {
  quick: boolean;
  profile: boolean;
  build: boolean;
  only: Set<ScenarioName>;
  fanoutSubscribers: number[] | null;
  spreadClients: number[] | null;
}

/** "1,16,64" -> [1, 16, 64]; refuses anything but positive integers. */
function counts(arg: string, list: string): number[] {
  const xs = list.split(',').map(Number);
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1))
    throw new Error(`${arg}: expected positive integers separated by commas`);
  return xs;
}

export function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const opts: Options = {
    quick,
    profile: !quick,
    build: true,
    only: new Set(SCENARIOS),
    fanoutSubscribers: null,
    spreadClients: null,
  };
  for (const a of argv) {
    if (a === '--quick') continue;
    else if (a === '--profile') opts.profile = true;
    else if (a === '--no-profile') opts.profile = false;
    else if (a === '--no-build') opts.build = false;
    else if (a.startsWith('--only=')) {
      const names = a.slice(7).split(',');
      for (const n of names)
        if (!(SCENARIOS as readonly string[]).includes(n))
          throw new Error(`unknown scenario ${n}; one of ${SCENARIOS.join(', ')}`);
      opts.only = new Set(names as ScenarioName[]);
    } else if (a.startsWith('--fanout=')) opts.fanoutSubscribers = a.slice(9).split(',').map(Number);
    else if (a.startsWith('--spread-clients=')) opts.spreadClients = counts(a, a.slice(17));
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'npm run bench [-- --quick] [--profile|--no-profile] [--only=generation,spread,hot,places,history,fanout] [--fanout=1000,10000] [--spread-clients=1,16,64] [--no-build]\n' +
          '       npm run bench -- --growth [--quick] [--sizes=1000,20000,100000] [--backends=sqlite,postgresql] ... (--growth --help)\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return opts;
}
