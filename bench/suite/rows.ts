/** The suite's results table: one row a measured figure, against its floor and target. */
import type { Summary } from '../lib/stats';
import type { Table } from '../lib/table';
import { SCENARIOS } from './options';

export interface Row {
  scenario: string;
  metric: string;
  value: string;
  floor: string;
  ratio: string;
  target: string;
  met: string;
}

const f1 = (x: unknown): string =>
  typeof x === 'number' && Number.isFinite(x)
    ? Math.abs(x) >= 100
      ? x.toFixed(0)
      : x.toFixed(1)
    : typeof x === 'string'
      ? x
      : JSON.stringify(x ?? '-');
const f2 = (x: unknown): string =>
  typeof x === 'number' && Number.isFinite(x)
    ? x.toFixed(2)
    : typeof x === 'string'
      ? x
      : JSON.stringify(x ?? '-');
const yes = (b: boolean): string => (b ? 'yes' : 'NO');
export type R = Record<string, unknown>;

export function rows(results: R): Row[] {
  const out: Row[] = [];
  const add = (
    scenario: string,
    metric: string,
    value: string,
    floor = '',
    ratio = '',
    target = '',
    met = '',
  ): void => void out.push({ scenario, metric, value, floor, ratio, target, met });
  const p50p99 = (s: Summary): string => `${f1(s.p50)} / ${f1(s.p99)}`;
  /** Our p50 / p99 latency against the floor's. */
  const latencyVsFloor = (scenario: string, metric: string, r: R, ratio = ''): void =>
    add(scenario, metric, p50p99(r.latencyMs as Summary), p50p99((r.floor as R).latencyMs as Summary), ratio);
  /** The results of a scenario that ran and did not fail (a failure gets its own row, below). */
  const succeeded = (name: string): R | undefined => {
    const r = results[name] as R | undefined;
    return r?.error ? undefined : r;
  };
  /** A rate of ours against the floor's, and whether it reaches `min` times the floor's. */
  const vsFloor = (scenario: string, metric: string, r: R, key: string, target: string, min: number): void =>
    add(
      scenario,
      metric,
      f1(r[key]),
      f1((r.floor as R)[key]),
      f2(r.ratioToFloor),
      target,
      yes(Number(r.ratioToFloor) >= min),
    );
  for (const key of Object.keys(results).filter((k) => /^spread(_\d+)?$/.test(k))) {
    const s = results[key] as R;
    if (s.error) {
      add('1 spread', `FAILED (${key})`, JSON.stringify(s.error).slice(0, 100));
      continue;
    }
    vsFloor(
      '1 spread',
      `bookings/s (${String(s.clients)} clients, ${f1(s.durationS)} s)`,
      s,
      'bookingsPerS',
      '>= 0.70 x floor',
      0.7,
    );
    latencyVsFloor('1 spread', 'p50 / p99 ms', s);
    add('1 spread', 'DB ops per booking', f2(s.dbOpsPerBooking), '2');
  }
  const h = succeeded('hot');
  if (h) {
    const fl = h.floor as R;
    add(
      '2 hot slots',
      `successes (${String(h.slots)} slots x ${String(h.clientsPerSlot)})`,
      String(h.successes),
      String(fl.successes),
      '',
      `exactly ${String(h.slots)}`,
      yes(h.exactlyOnePerSlot === true),
    );
    vsFloor('2 hot slots', 'requests/s (all BookSlot calls)', h, 'requestsPerS', '>= 5 x floor', 5);
    latencyVsFloor('2 hot slots', 'p50 / p99 ms per call', h);
    const pc = h.perClientAttribution as R;
    add(
      '2 hot slots',
      'losing calls answered with 0 DB ops',
      `${f1(100 * Number(h.losingAttemptsWithoutDbOps))}% of ${String(h.losingAttempts)}`,
      '0%',
      '',
      '>= 95%',
      yes(Number(h.losingAttemptsWithoutDbOps) >= 0.95),
    );
    add(
      '2 hot slots',
      'losing clients (all retries) with 0 DB ops',
      `${String(pc.losersWithoutOps)} / ${String(pc.losers)} (${f1(100 * Number(h.losersAnsweredWithoutDbOps))}%)`,
      '0%',
      '',
      '>= 95%',
      yes(Number(h.losersAnsweredWithoutDbOps) >= 0.95),
    );
    add(
      '2 hot slots',
      'DB ops caused by losers',
      `${String(h.loserDbOpsGlobal)} (${f2(h.loserDbOpsPerLoser)}/loser)`,
      String(fl.loserDbOps),
    );
  }
  for (const [key, fo] of Object.entries(results).filter(([k]) => k.startsWith('fanout'))) {
    const f = fo as R;
    if (f.error) {
      add(`4 ${key}`, 'failed', JSON.stringify(f.error).slice(0, 60));
      continue;
    }
    const d = f.commitToDeliveryMs as Summary;
    const n = Number(f.subscribers);
    const mem = (f.serverMemory as R).perSubscriberBytes as R;
    add(
      `4 fan-out ${n}`,
      'commit->delivery p50 / p99 ms',
      `${f1(d.p50)} / ${f1(d.p99)}`,
      '',
      '',
      n <= 1000 ? 'p99 < 100 ms' : 'report',
      n <= 1000 ? yes(d.p99 < 100) : '-',
    );
    add(
      `4 fan-out ${n}`,
      'delivered / expected',
      `${String(f.deliveries)} / ${String(f.deliveriesExpected)}`,
    );
    add(`4 fan-out ${n}`, 'commits/s achieved (target 100)', f1(f.commitsPerS));
    add(
      `4 fan-out ${n}`,
      'server bytes per subscriber (heap / rss)',
      `${String(mem.heapUsed)} / ${String(mem.rss)}`,
    );
  }
  const g = succeeded('generation');
  if (g) {
    const fl = g.floor as R;
    add(
      '5 generation',
      `seconds (${String(g.created)} slots)`,
      f2(g.seconds),
      f2(fl.seconds),
      f2(g.ratioToFloor),
      '>= 0.80 x floor',
      yes(Number(g.ratioToFloor) >= 0.8),
    );
  }
  const hi = succeeded('history');
  if (hi) {
    vsFloor(
      '6 history',
      `pages/s (${String(hi.appointments)} appts, pages of ${String(hi.pageSize)})`,
      hi,
      'pagesPerS',
      '>= 0.80 x floor',
      0.8,
    );
    latencyVsFloor('6 history', 'p50 / p99 ms', hi, f2(hi.p99RatioToFloor));
    add(
      '6 history',
      'DB queries per call',
      `${f2(hi.queriesPerCall)} ${JSON.stringify(hi.queriesPerCallDistribution)}`,
      f2((hi.floor as R).queriesPerCall),
      '',
      'constant',
      yes(hi.constantQueriesPerPage === true),
    );
  }
  for (const name of SCENARIOS.filter((n) => n !== 'spread')) {
    const r = results[name] as R | undefined;
    if (r?.error) add(name, 'FAILED', JSON.stringify(r.error).slice(0, 100));
  }
  return out;
}

export const asTable = (rs: Row[]): Table => ({
  head: ['scenario', 'metric', 'ours', 'floor', 'ratio', 'target', 'met'],
  rows: rs.map((r) => [r.scenario, r.metric, r.value, r.floor, r.ratio, r.target, r.met]),
});
