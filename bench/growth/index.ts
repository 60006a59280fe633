/**
 * `npm run bench -- --growth [--quick] [--sizes=...] [--backends=...] [--reps=...] [--max-minutes=N]`
 *
 * The same operations, through the real gRPC API against the real server
 * (bench/server-with-monitoring.ts, reconciler on with default settings), as
 * the database grows in place from the first size to the last (documents per
 * collection: slots, appointments, request_log), once per FerretDB backend;
 * plus the spread and hot-slot scenarios with their bare-driver floor, and
 * the database's CPU while the service is idle. See bench/README.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beginRun, Cleanups, gitFacts, headerStart, hostFacts, loadAverage } from '../lib/harness';
import { log, RESULTS, ROOT } from '../lib/server';
import { markdownTable, textTable } from '../lib/table';
import { runBackend } from './backend';
import { parse } from './options';
import { growthTables } from './report';
import type { R } from './results';

export async function growthMain(argv: string[]): Promise<void> {
  const opts = parse(argv);
  const command = `npm run bench -- ${argv.join(' ')}`;
  const { stamp, outDir, startedAt, cleanups, watchdog, buildS, wrapper } = beginRun(
    command,
    // A hard bound past the cap, for anything that hangs.
    { ms: (opts.maxMinutes + 15) * 60_000, message: `run exceeded its time cap by 15 minutes; stopping` },
    opts.build,
    () => {
      log(
        `growth: sizes ${opts.sizes.join(', ')} per collection; backends ${opts.backends.join(', ')}; ` +
          `repetitions ${JSON.stringify(opts.reps)}; time cap ${opts.maxMinutes} min`,
      );
      if (process.env.MONGODB_URI && process.env.REDIS_URL && opts.backends.length > 1)
        throw new Error('with MONGODB_URI and REDIS_URL set there is one database: pass one backend');
    },
  );
  const deadline = startedAt.getTime() + opts.maxMinutes * 60_000;

  const results: Record<string, R> = {};
  for (const backend of opts.backends) {
    if (Date.now() > deadline) {
      results[backend] = { capped: `time cap of ${opts.maxMinutes} min reached before this backend started` };
      continue;
    }
    // This backend's servers stop before the next one starts (or with the run, if it is cut short).
    const mine = new Cleanups();
    cleanups.push(() => mine.run());
    try {
      results[backend] = await runBackend(backend, opts, { wrapper, outDir, stamp, deadline }, mine);
    } catch (err) {
      log(`${backend} FAILED: ${err instanceof Error ? err.message : String(err)}`);
      results[backend] = { error: err instanceof Error ? err.message : String(err) };
    }
    await mine.run();
  }

  const finishedAt = new Date();
  const git = gitFacts(false);
  const machine = { ...hostFacts(), loadAverageAtEnd: loadAverage() };
  const tables = growthTables(opts, results);
  const report = {
    command,
    mode: 'growth',
    date: startedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    buildS,
    machine,
    git,
    serverEnv:
      'LOG_LEVEL=warn AUTH_DISABLED=true WATCH_MAX_STREAMS_PER_PRINCIPAL=100000 METRICS_HOST=127.0.0.1 METRICS_PORT=0; reconciler and every other setting default; MongoDB command monitoring on',
    options: opts,
    results,
    tables,
  };
  const jsonFile = path.join(RESULTS, `${stamp}.json`);
  fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  const header = [
    ...headerStart(report.date, report.durationS, command, git),
    `machine: ${machine.cpu}, ${machine.memoryGiB} GiB RAM, ${machine.os}, node ${machine.node}; load average ${machine.loadAverageAtEnd.join(' ')} at end`,
    `server: ${report.serverEnv}`,
  ];
  fs.writeFileSync(
    path.join(RESULTS, `${stamp}.md`),
    `${header.map((l) => `${l}  `).join('\n')}\n\n${tables.map((t) => `${t.title}\n\n${markdownTable(t)}`).join('\n\n')}\n`,
  );
  process.stdout.write(
    `\n${header.join('\n')}\n\n${tables.map((t) => `${t.title}\n${textTable(t)}`).join('\n\n')}\n\nresults: ${path.relative(ROOT, jsonFile)}\n`,
  );
  await cleanups.run();
  clearTimeout(watchdog);
  const failed = Object.values(results).some((r) => r.error);
  const capped = JSON.stringify(results).includes('time cap of');
  if (capped) log(`the time cap of ${opts.maxMinutes} min cut the run short; the tables say where`);
  process.exit(failed ? 1 : capped ? 2 : 0);
}
