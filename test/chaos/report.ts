/** The chaos run's report: operations, chaos, the database at the end, the invariants, and the verdict. */
import * as path from 'node:path';
import type { Cluster } from './cluster';
import type { RunState } from './drive';
import { SETTINGS, type Options } from './options';
import { countsTable, percentile, scanLogs, table, tenthRates } from './run-stats';
import { OP_KINDS, type Violation } from './traffic';
import { tailOf } from './util';

export type Verdict = 'PASS' | 'FAIL' | 'ERROR';

/** The report's lines (the last one the CHAOS_RESULT summary) and the verdict. */
export function report(
  cluster: Cluster,
  opts: Options,
  dir: string,
  state: RunState,
): { out: string[]; verdict: Verdict } {
  const { chaos, check, settleMs, harnessErrors, samples, trafficStoppedMs, traffic, started } = state;
  const violations: Violation[] = [...(traffic?.violations ?? []), ...(check?.violations ?? [])];
  const verdict: Verdict = harnessErrors.length > 0 ? 'ERROR' : violations.length > 0 ? 'FAIL' : 'PASS';
  const logs = scanLogs(cluster.instances);
  const s = traffic?.stats;
  const out: string[] = [];
  if (s) {
    const rows: (string | number)[][] = OP_KINDS.map((k) => {
      const failed = Object.entries(s.failures)
        .filter(([key]) => key.startsWith(`${k} `))
        .reduce((a, [, n]) => a + n, 0);
      const lat = s.latencyMs[k] ?? [];
      return [
        k,
        s.ops[k] ?? 0,
        s.successes[k] ?? 0,
        failed,
        s.unknown[k] ?? 0,
        percentile(lat, 50),
        percentile(lat, 99),
      ];
    });
    const sum = (i: number): number => rows.reduce((a, r) => a + Number(r[i]), 0);
    rows.push(['total', sum(1), sum(2), sum(3), sum(4), '', '']);
    out.push('', '=== chaos: operations ===');
    out.push(table(rows, ['kind', 'ops', 'ok', 'failed', 'unknown', 'p50 ms', 'p99 ms']));
    out.push('', '=== failures by reason (definitive answers) ===');
    out.push(countsTable(s.failures, ['kind reason', 'count']));
    const retried = Object.values(s.retries).reduce((a, b) => a + b, 0);
    out.push('', `=== attempts: ${s.attempts} (${retried} retried) ===`);
    out.push(countsTable(s.retries, ['retried after', 'count']));
    out.push(
      '',
      `holds confirmed on purpose after expiry: ${s.lateConfirms.tried} tried, ${s.lateConfirms.refused} refused ` +
        `(${s.lateConfirms.tried - s.lateConfirms.refused} succeeded: allowed only when the first attempt was sent in time)`,
    );
    const unknownTotal = Object.values(s.unknown).reduce((a, b) => a + b, 0);
    if (unknownTotal > 0) {
      out.push('', `=== unknown outcomes: ${unknownTotal} (left out of the strict checks) ===`);
      out.push(countsTable(s.unknownLast, ['kind, last answer', 'count']));
      out.push(
        `resolved later by listing (after ${SETTINGS.quarantineMs / 1000} s): ${s.resolved.adopted} appointments ` +
          `found and adopted, ${s.resolved.absent} found absent`,
      );
    }
  }
  const restarts = chaos.kills.filter((k) => k.restartMs >= 0).map((k) => k.restartMs);
  out.push('', '=== chaos ===');
  out.push(
    `instance kills (SIGKILL): ${cluster.instances.reduce((n, i) => n + i.kills, 0)} [${cluster.instances.map((i) => `${i.name}: ${i.kills}`).join(', ')}]; ` +
      `restart to ready p50 ${percentile(restarts, 50)} ms, max ${Math.max(0, ...restarts)} ms`,
  );
  out.push(
    `redis restarts (SIGKILL, same port): ${chaos.redis.length}${chaos.redis[0] ? `, down ${chaos.redis[0].downMs} ms` : ''}`,
  );
  const tenths = tenthRates(
    samples.filter(([at]) => trafficStoppedMs === undefined || at <= trafficStoppedMs),
  );
  if (tenths) {
    out.push(
      `throughput: first tenth of the traffic ${tenths.first.toFixed(1)} ops/s, last tenth ${tenths.last.toFixed(1)} ops/s ` +
        `(last / first ${(tenths.last / tenths.first).toFixed(2)}); by tenth: ${tenths.all.map((r) => r.toFixed(0)).join(' ')}`,
    );
  }
  out.push(`reconciler slot repairs (log lines): ${logs.repairs}`);
  for (const [why, n] of Object.entries(logs.repairsByWhy)) out.push(`  ${n}  ${why}`);
  if (Object.keys(logs.warnings).length) {
    out.push('instance warnings:');
    for (const [msg, n] of Object.entries(logs.warnings).sort((a, b) => b[1] - a[1]))
      out.push(`  ${n}  ${msg}`);
  }
  if (Object.keys(logs.errors).length) {
    out.push('instance errors:');
    for (const [msg, n] of Object.entries(logs.errors).sort((a, b) => b[1] - a[1]))
      out.push(`  ${n}  ${msg}`);
  }
  if (check) {
    const c = check.counts;
    out.push('', '=== database at the end ===');
    out.push(
      `slots: ${c.slots} ${JSON.stringify(c.slotsByStatus)}; claims: ${c.claims} ${JSON.stringify(c.claimsByStatus)}; request_log: ${c.requestLog}`,
    );
    out.push(
      `checked: ${c.acknowledgedChecked} acknowledged appointments, ${c.cancelledChecked} acknowledged cancellations, ` +
        `${c.confirmedFromHolds} confirmed holds; skipped as unknown: ${c.uncertainSkipped}; settled after ${settleMs} ms`,
    );
  }
  out.push('', '=== invariants ===');
  const invariants = [
    ['exclusive', 'no slot of one place has more than one active appointment'],
    ['capacity', 'no slot of several places has more places taken than its capacity'],
    ['projection', 'every BOOKED slot has exactly one active appointment, pointing back'],
    ['acknowledged', 'every acknowledged booking exists and is active, unless cancelled/moved'],
    ['hold expiry', 'no hold is honoured past its expiry'],
  ] as const;
  const online = violations.filter((v) => !invariants.some(([k]) => k === v.invariant));
  for (const [key, text] of invariants) {
    const n = violations.filter((v) => v.invariant === key).length;
    out.push(
      `${n === 0 && check ? 'ok  ' : 'FAIL'}  ${key.padEnd(12)} ${text}${n ? `: ${n} violations` : ''}`,
    );
  }
  if (online.length) out.push(`FAIL  responses    malformed answers: ${online.length}`);
  if (violations.length) {
    out.push('', '=== violations (first 40) ===');
    for (const v of violations.slice(0, 40)) out.push(`[${v.invariant}] ${v.detail}`);
  }
  if (harnessErrors.length) {
    out.push('', '=== run errors ===', ...harnessErrors);
  }
  if (verdict !== 'PASS') {
    for (const f of [
      ...cluster.instances.map((i) => i.logFile),
      path.join(dir, 'ferretdb.log'),
      path.join(dir, 'redis.log'),
    ]) {
      const tail = tailOf(f, 15)
        .split('\n')
        .map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l))
        .join('\n');
      if (tail) out.push('', `--- ${f} (tail) ---`, tail);
    }
  }
  const elapsedS = (Date.now() - started) / 1000;
  const summary = {
    verdict,
    seed: opts.seed,
    durationS: opts.durationS,
    clients: opts.clients,
    instances: opts.instances,
    slots: opts.slots,
    elapsedS: Math.round(elapsedS),
    operations: traffic?.totalOps ?? 0,
    ops: s?.ops ?? {},
    successes: s?.successes ?? {},
    unknown: s?.unknown ?? {},
    unknownResolved: s?.resolved ?? {},
    attempts: s?.attempts ?? 0,
    kills: cluster.instances.reduce((n, i) => n + i.kills, 0),
    redisRestarts: chaos.redis.length,
    repairs: logs.repairs,
    violations: violations.length,
    opsPerSecondByTenth: tenths?.all.map((r) => Math.round(r * 10) / 10) ?? [],
  };
  out.push('', `verdict: ${verdict} (${elapsedS.toFixed(0)} s, seed ${opts.seed})`);
  out.push(`CHAOS_RESULT ${JSON.stringify(summary)}`);
  return { out, verdict };
}
