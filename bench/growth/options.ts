/** The growth benchmark's command line: sizes, backends, repetitions per operation, time cap. */
import type { Config } from '../scenarios';

export const BACKENDS = ['sqlite', 'postgresql'] as const;
export type Backend = (typeof BACKENDS)[number];

export const OPS = [
  'BookSlot',
  'CancelAppointment',
  'HoldSlot',
  'BookSlot (confirm hold)',
  'GetAppointment',
  'ListSlots (one day)',
  'ListAppointments (page of 50)',
  'reconciler pass',
] as const;
export type Op = (typeof OPS)[number];
/** Short names for --reps. */
const OP_KEYS: Record<string, Op> = {
  book: 'BookSlot',
  cancel: 'CancelAppointment',
  hold: 'HoldSlot',
  confirm: 'BookSlot (confirm hold)',
  get: 'GetAppointment',
  listslots: 'ListSlots (one day)',
  history: 'ListAppointments (page of 50)',
  reconcile: 'reconciler pass',
};

export interface GrowthOptions {
  quick: boolean;
  sizes: number[];
  backends: Backend[];
  reps: Record<Op, number>;
  maxMinutes: number;
  build: boolean;
  scenarios: boolean;
  idleSeconds: number;
  /** At the largest size: wait this long after the first idle window, then measure idle again (settled). */
  settleSeconds: number;
  services: number;
  historyClaims: number;
}

export const HISTORY_USER = 'history-user';
const USAGE = `npm run bench -- --growth [--quick] [--sizes=1000,20000,100000] [--backends=sqlite,postgresql]
    [--reps=30 | --reps=book:30,cancel:30,hold:30,confirm:30,get:30,listslots:30,history:30,reconcile:3]
    [--max-minutes=N] [--idle-seconds=20] [--settle-seconds=0] [--no-scenarios] [--no-build]
`;

export function parse(argv: string[]): GrowthOptions {
  const quick = argv.includes('--quick');
  const reps = Object.fromEntries(OPS.map((op) => [op, quick ? 10 : 30])) as Record<Op, number>;
  reps['reconciler pass'] = quick ? 2 : 3;
  const o: GrowthOptions = {
    quick,
    sizes: quick ? [200, 1_000, 2_000] : [1_000, 20_000, 100_000],
    // the backend dev and the tests use (BOOKING_FERRETDB_BACKEND; PostgreSQL unless it says sqlite)
    backends: [
      process.env.BOOKING_FERRETDB_BACKEND?.trim().toLowerCase() === 'sqlite' ? 'sqlite' : 'postgresql',
    ],
    reps,
    maxMinutes: quick ? 8 : 240,
    build: true,
    scenarios: true,
    idleSeconds: quick ? 10 : 20,
    settleSeconds: 0,
    services: 20,
    historyClaims: quick ? 100 : 200,
  };
  const ints = (a: string, v: string, min: number): number[] => {
    const xs = v.split(',').map(Number);
    if (!v || xs.some((x) => !Number.isInteger(x) || x < min))
      throw new Error(`${a}: expected integers >= ${min} separated by commas`);
    return xs;
  };
  for (const a of argv) {
    const [flag, value = ''] = a.split(/=(.*)/s, 2) as [string, string?];
    if (flag === '--growth' || flag === '--quick') continue;
    else if (flag === '--no-build') o.build = false;
    else if (flag === '--no-scenarios') o.scenarios = false;
    else if (flag === '--sizes') o.sizes = ints(a, value, 1);
    else if (flag === '--max-minutes') o.maxMinutes = ints(a, value, 1)[0]!;
    else if (flag === '--idle-seconds') o.idleSeconds = ints(a, value, 1)[0]!;
    else if (flag === '--settle-seconds') o.settleSeconds = ints(a, value, 0)[0]!;
    else if (flag === '--backends') {
      const names = value.split(',');
      for (const n of names)
        if (!(BACKENDS as readonly string[]).includes(n))
          throw new Error(`unknown backend "${n}" in ${a}; known: ${BACKENDS.join(', ')}`);
      o.backends = names as Backend[];
    } else if (flag === '--reps') {
      if (/^\d+$/.test(value)) {
        for (const op of OPS) if (op !== 'reconciler pass') o.reps[op] = ints(a, value, 1)[0]!;
      } else {
        for (const part of value.split(',')) {
          const [k = '', n = ''] = part.split(':');
          const op = OP_KEYS[k.toLowerCase()];
          if (!op)
            throw new Error(`${a}: unknown operation "${k}"; one of ${Object.keys(OP_KEYS).join(', ')}`);
          o.reps[op] = ints(a, n, 1)[0]!;
        }
      }
    } else if (flag === '--help' || flag === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} for --growth (try --growth --help)`);
  }
  if (o.sizes.some((s, i) => i > 0 && s <= o.sizes[i - 1]!))
    throw new Error('--sizes must increase (the database grows from one size to the next)');
  if (o.sizes[0]! < o.historyClaims * 2) o.historyClaims = Math.max(1, Math.floor(o.sizes[0]! / 2));
  return o;
}

export const SCENARIO_CONFIG = (quick: boolean): Config => ({
  spread: quick
    ? { clients: 64, slotsPerClient: 10, durationMs: 5_000, clientPoints: [1, 16, 64] }
    : { clients: 64, slotsPerClient: 40, durationMs: 30_000, clientPoints: [1, 16, 64] },
  hot: quick
    ? { slots: 10, perSlot: 50, retries: 3, backoffMs: 50, floorMaxMs: 60_000 }
    : { slots: 100, perSlot: 500, retries: 3, backoffMs: 50, floorMaxMs: 240_000 },
  // Not run by --growth (its scenarios are spread, hot and history); required by the type.
  places: { slots: 10, capacity: 5, perSlot: 50, retries: 3, backoffMs: 50 },
  fanout: [],
  generation: { days: 30 },
  history: { appointments: 1_000, pageSize: 50, rounds: 1 },
});
