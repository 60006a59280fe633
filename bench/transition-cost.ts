/**
 * What claim transitions cost (`npx tsx bench/transition-cost.ts [-- --appointments=N --concurrency=C]`).
 *
 * Starts its own database and Redis (scripts/local-servers/backing-services.ts, as `npm run bench` does; or
 * MONGODB_URI/REDIS_URL), one service instance in this process, and measures, through the gRPC API:
 *   - cancel:  CancelAppointment of N booked appointments, C at a time;
 *   - confirm: BookSlot with the hold token of N held slots, C at a time;
 *   - move:    RescheduleAppointment of N appointments to free slots, C at a time.
 * Each phase starts from the same state. Prints calls/s and latency percentiles as one JSON line.
 * Meant to be run on two commits back to back (the same file copied into the other checkout).
 */
import { performance } from 'node:perf_hooks';
import { createService } from '../test/factories';
import { obtainBackingServices } from '../scripts/local-servers';

interface Options {
  appointments: number;
  concurrency: number;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { appointments: 200, concurrency: 8 };
  for (const arg of argv) {
    const [name, value] = arg.split('=');
    const n = Number(value);
    if (name === '--appointments' && Number.isInteger(n) && n > 0) opts.appointments = n;
    else if (name === '--concurrency' && Number.isInteger(n) && n > 0) opts.concurrency = n;
    else throw new Error(`unknown or invalid option ${arg}`);
  }
  return opts;
}

async function timed<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<unknown>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const t0 = performance.now();
        await fn(item);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!);
  return {
    calls: items.length,
    perSecond: Math.round((items.length / seconds) * 10) / 10,
    p50: at(0.5),
    p99: at(0.99),
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2).filter((a) => a !== '--'));
  const backing = await obtainBackingServices({
    env: { ...process.env, BOOKING_BACKING: process.env.BOOKING_BACKING ?? 'local' },
  });
  process.env.MONGODB_URI = backing.mongoUri;
  process.env.REDIS_URL = backing.redisUrl;
  // Loaded after the environment is set: the harness reads it.
  const { rpc, startTestApp } = await import('../test/support/harness');
  const t = await startTestApp({ RECONCILER_ENABLED: 'false' });
  try {
    const api = rpc(t.client);
    const n = opts.appointments;
    const days = Math.ceil((3 * n) / 16) + 1;
    // 9:00-17:00 in 30-minute slots: 16 a day.
    const service = await createService(api, { name: 'transition cost', timeZone: 'UTC' });
    const date = (d: Date) => ({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
    const first = new Date(Date.now() + 7 * 86_400_000);
    await api.generateSlots({
      serviceId: service.id,
      startDate: date(first),
      endDate: date(new Date(first.getTime() + (days - 1) * 86_400_000)),
    });
    const slotIds: string[] = [];
    let pageToken = '';
    do {
      const page = await api.listSlots({
        serviceId: service.id,
        startTime: undefined,
        endTime: undefined,
        status: 0,
        pageSize: 500,
        pageToken,
      });
      slotIds.push(...page.slots.map((s) => s.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    const [forCancel, forConfirm, forMove] = [0, 1, 2].map((k) => slotIds.slice(k * n, (k + 1) * n));
    const freeTargets = slotIds.slice(3 * n);
    if (freeTargets.length < 1 || forMove!.length < n) throw new Error('not enough slots');

    const booked = [];
    for (const slotId of [...forCancel!, ...forMove!]) {
      booked.push((await api.bookSlot({ slotId, userId: 'u' })).appointment!);
    }
    const holds = [];
    for (const slotId of forConfirm!)
      holds.push({ slotId, token: (await api.holdSlot({ slotId, userId: 'u', ttlSeconds: 600 })).holdToken });

    const cancel = await timed(booked.slice(0, n), opts.concurrency, (a) =>
      api.cancelAppointment({ appointmentId: a.id, userId: 'u', reason: '' }),
    );
    const confirm = await timed(holds, opts.concurrency, (h) =>
      api.bookSlot({ slotId: h.slotId, userId: 'u', holdToken: h.token }),
    );
    // Each move goes to a slot cancelled above (now free), so targets never collide.
    const moves = booked.slice(n).map((a, i) => ({ id: a.id, to: forCancel![i]! }));
    const move = await timed(moves, opts.concurrency, (m) =>
      api.rescheduleAppointment({ appointmentId: m.id, userId: 'u', newSlotId: m.to }),
    );
    process.stdout.write(
      `${JSON.stringify({ appointments: n, concurrency: opts.concurrency, cancel, confirm, move })}\n`,
    );
  } finally {
    await t.stop();
    await backing.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
