/** The summary of `npm run bench -- --fanout`: rounding, and the table printed after the runs. */

export const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

export function table(runs: Record<string, Record<string, unknown>>): string {
  const lines = [
    'size          checkout  open s  p50 / p99 / max ms         warm-up p99  delivered/expected   per msg  µs CPU/deliv  RSS B/sub',
  ];
  for (const [key, byCo] of Object.entries(runs)) {
    for (const [label, r] of Object.entries(byCo) as [string, Record<string, unknown>][]) {
      if ('error' in r) {
        lines.push(`${key.padEnd(14)}${label.padEnd(10)}FAILED ${String(r.error)}`);
        continue;
      }
      const d = r.commitToDeliveryMs as { p50: number; p99: number; max: number };
      const w = r.warmupCommitToDeliveryMs as { p99: number } | undefined;
      const s = (k: string): string => String(r[k]);
      lines.push(
        `${key.padEnd(14)}${label.padEnd(10)}${s('openStreamsS').padEnd(8)}` +
          `${`${d.p50} / ${d.p99} / ${d.max}`.padEnd(27)}${String(w?.p99 ?? '-').padEnd(13)}` +
          `${`${s('delivered')}/${s('expected')}`.padEnd(21)}` +
          `${String(round(Number(r.delivered) / Math.max(1, Number(r.messages)), 2)).padEnd(9)}` +
          `${s('serverCpuUsPerDelivery').padEnd(14)}${s('rssBytesPerSubscriber')}`,
      );
    }
  }
  return lines.join('\n');
}
