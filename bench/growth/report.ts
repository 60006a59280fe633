/** The growth benchmark's tables: scenarios against their floor, then every operation by size. */
import type { Table } from '../lib/table';
import { HISTORY_USER, OPS, type GrowthOptions } from './options';
import type { R, SizeResult } from './results';

/** A table with its title (Markdown heading and notes). */
export interface TitledTable extends Table {
  title: string;
}

const ms = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1);
const k = (n: number): string => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

export function growthTables(opts: GrowthOptions, results: Record<string, R>): TitledTable[] {
  const tables: TitledTable[] = [];
  for (const [backend, res] of Object.entries(results)) {
    if (res.error || res.capped) {
      tables.push({ title: `## ${backend}`, head: ['failed'], rows: [[String(res.error ?? res.capped)]] });
      continue;
    }
    const sc = res.scenarios as R | undefined;
    if (sc) {
      const rows: string[][] = [];
      for (const [key, v] of Object.entries(sc).filter(([x]) => x.startsWith('spread_'))) {
        const s = v as R;
        if (s.error) {
          rows.push([
            `spread, ${key.slice(7)} clients`,
            'FAILED',
            JSON.stringify(s.error).slice(0, 80),
            '',
            '',
            '',
          ]);
          continue;
        }
        const fl = s.floor as R;
        const ratio = Number(s.ratioToFloor);
        rows.push([
          `spread, ${String(s.clients)} clients (bookings/s)`,
          String(s.bookingsPerS),
          String(fl.bookingsPerS),
          ratio.toFixed(2),
          '>= 0.90 x floor',
          ratio >= 0.9 ? 'yes' : 'NO',
        ]);
      }
      const h = sc.hot as R | undefined;
      if (h?.error) rows.push(['hot slots', 'FAILED', JSON.stringify(h.error).slice(0, 80), '', '', '']);
      else if (h) {
        const fl = h.floor as R;
        rows.push([
          `hot slots, ${String(h.slots)} x ${String(h.clientsPerSlot)} (requests/s)`,
          String(h.requestsPerS),
          String(fl.requestsPerS),
          Number(h.ratioToFloor).toFixed(2),
          `exactly ${String(h.slots)} winners`,
          h.exactlyOnePerSlot === true ? 'yes' : 'NO',
        ]);
      }
      if (sc.capped) rows.push(['(time cap)', JSON.stringify(sc.capped), '', '', '', '']);
      tables.push({
        title: `## ${backend}: spread and hot slots against the bare-driver floor (reconciler on)`,
        head: ['scenario', 'ours', 'floor', 'ratio', 'target', 'met'],
        rows,
      });
    }
    const sizes = (res.sizes as SizeResult[] | undefined) ?? [];
    if (sizes.length === 0) continue;
    const first = sizes[0]!;
    const last = sizes[sizes.length - 1]!;
    const head = [
      'operation',
      ...sizes.map((s) => `${k(s.size)}: p50 / p90 ms (cmds)`),
      `p50 ${k(last.size)}/${k(first.size)}`,
      '<= 2x',
    ];
    const rows: string[][] = [];
    for (const op of OPS) {
      const cells = sizes.map((s) => {
        const o = s.ops[op];
        if (!o) return s.capped ? 'skipped (cap)' : '-';
        if (!o.latencyMs) return o.n === 0 ? 'none' : '-';
        const fails = Object.values(o.failures).reduce((a, b) => a + b, 0);
        return `${ms(o.latencyMs.p50)} / ${ms(o.latencyMs.p90)} (${o.commandsPerOp === null ? '?' : o.commandsPerOp.toFixed(1)})${o.n < opts.reps[op] ? ` n=${o.n}` : ''}${fails ? ` ${fails} failed` : ''}`;
      });
      const a = first.ops[op]?.latencyMs?.p50;
      const b = sizes.length > 1 ? last.ops[op]?.latencyMs?.p50 : undefined;
      const ratio = a && b !== undefined ? b / a : undefined;
      rows.push([
        op,
        ...cells,
        ratio === undefined ? '-' : ratio.toFixed(2),
        ratio === undefined ? '-' : ratio <= 2 ? 'yes' : 'NO',
      ]);
    }
    rows.push([
      'idle database CPU (fraction of a core)',
      ...sizes.map((s) =>
        s.idle ? `${s.idle.fractionOfCore} (${s.idle.reconcilerPassesDuring} passes)` : '-',
      ),
      '',
      last.idle ? (last.idle.fractionOfCore < 0.02 ? 'yes (< 0.02)' : 'NO (>= 0.02)') : '-',
    ]);
    if (last.idleSettled) {
      rows.push([
        `idle database CPU, settled (${last.idleSettled.afterServerStartS} s after the server started)`,
        ...sizes.map((s) =>
          s.idleSettled
            ? `${s.idleSettled.fractionOfCore} (${s.idleSettled.reconcilerPassesDuring} passes)`
            : '-',
        ),
        '',
        last.idleSettled.fractionOfCore < 0.02 ? 'yes (< 0.02)' : 'NO (>= 0.02)',
      ]);
    }
    rows.push([
      'documents: slots / appointments / request_log',
      ...sizes.map((s) => `${s.counts.slots} / ${s.counts.appointments} / ${s.counts.request_log}`),
      '',
      '',
    ]);
    rows.push(['seeding s (added this step)', ...sizes.map((s) => s.seeded.seconds.toFixed(0)), '', '']);
    tables.push({
      title:
        `## ${backend}: the same operations as the database grows (per collection), one client, ` +
        `p50 / p90 ms and MongoDB commands per op; ListAppointments lists ${HISTORY_USER}'s fixed ` +
        `${opts.historyClaims} appointments while the collection grows with other users'`,
      head,
      rows,
    });
    const capped = sizes.find((s) => s.capped);
    if (capped) tables[tables.length - 1]!.title += `\n(${capped.capped})`;
  }
  return tables;
}
