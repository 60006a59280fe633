/** Reading a finished chaos run: percentiles, throughput by tenth, the instances' logs, plain tables. */
import * as fs from 'node:fs';
import type { Instance } from './cluster';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Warn/error lines of the instances' logs, by message; and the reconciler's slot repairs, by reason. */
export function scanLogs(instances: readonly Instance[]): {
  repairs: number;
  repairsByWhy: Record<string, number>;
  warnings: Record<string, number>;
  errors: Record<string, number>;
} {
  const out = {
    repairs: 0,
    repairsByWhy: {} as Record<string, number>,
    warnings: {} as Record<string, number>,
    errors: {} as Record<string, number>,
  };
  for (const i of instances) {
    let text = '';
    try {
      text = fs.readFileSync(i.logFile, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      let entry: { level?: number; msg?: string; reason?: string; code?: string; err?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      const msg = entry.msg ?? '';
      if (msg.startsWith('reconciler repaired a slot')) {
        out.repairs += 1;
        const why = msg.replace(/^reconciler repaired a slot: /, '');
        out.repairsByWhy[why] = (out.repairsByWhy[why] ?? 0) + 1;
        continue;
      }
      const err =
        typeof entry.err === 'string' ? entry.err : (entry.err as { message?: string } | undefined)?.message;
      const detail = err
        ? ` (${err
            .replace(/[0-9a-f]{24}/g, '<id>')
            .replace(/\d+/g, 'N')
            .slice(0, 100)})`
        : '';
      const key =
        msg === 'call' ? `call ${entry.code ?? ''} ${entry.reason ?? ''}${detail}`.trim() : `${msg}${detail}`;
      if ((entry.level ?? 0) >= 50) out.errors[key] = (out.errors[key] ?? 0) + 1;
      else if ((entry.level ?? 0) >= 40) out.warnings[key] = (out.warnings[key] ?? 0) + 1;
    }
  }
  return out;
}

export function table(rows: (string | number)[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]!) : String(cell).padStart(widths[c]!)))
        .join('  '),
    )
    .join('\n');
}

/** A two-column table of `counts`, the largest first. */
export function countsTable(counts: Record<string, number>, header: [string, string]): string {
  return table(
    Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => [k, n]),
    header,
  );
}

/**
 * Operations answered per second in each tenth of the traffic time, from the
 * once-a-second samples: whether the service slows down as data piles up
 * (issue 13 asks the last tenth to keep at least half the first one's rate).
 */
export function tenthRates(
  samples: [number, number][],
): { first: number; last: number; all: number[] } | null {
  const end = samples[samples.length - 1]?.[0] ?? 0;
  if (samples.length < 20 || end <= 0) return null;
  const opsAt = (ms: number): number => {
    // The latest sample at or before `ms` (samples are in time order).
    let ops = 0;
    for (const [at, n] of samples) {
      if (at > ms) break;
      ops = n;
    }
    return ops;
  };
  const all = Array.from({ length: 10 }, (_, i) => {
    const from = (end * i) / 10;
    const to = (end * (i + 1)) / 10;
    return (opsAt(to) - opsAt(from)) / ((to - from) / 1000);
  });
  return { first: all[0]!, last: all[9]!, all };
}
