/**
 * The control endpoint on 127.0.0.1:$BENCH_CONTROL_PORT: what the
 * instruments recorded, event-loop delay, memory, watch subscribers,
 * reconciler passes and CPU profiles on demand, as JSON.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { eventLogs, reconcilerHooked } from './app-hooks';
import { clients, commandCounts, commitLog, controlPort, methods, passes, redisCounts } from './state';

// ---------------------------------------------------------------------------
// CPU profiles on demand.

let session: Session | undefined;
function post<T>(method: string, params?: object): Promise<T> {
  session ??= (() => {
    const s = new Session();
    s.connect();
    return s;
  })();
  return new Promise((resolve, reject) =>
    session!.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))),
  );
}

// ---------------------------------------------------------------------------
// Control endpoint.

const gc = (globalThis as { gc?: () => void }).gc;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function clientSummary(): object {
  const summary = {
    clients: clients.size,
    winners: 0,
    winnerOps: 0,
    losers: 0,
    loserAttempts: 0,
    loserOps: 0,
    losersWithoutOps: 0,
    loserOpsHistogram: {} as Record<string, number>,
  };
  for (const c of clients.values()) {
    if (c.won) {
      summary.winners += 1;
      summary.winnerOps += c.ops;
    } else {
      summary.losers += 1;
      summary.loserOps += c.ops;
      summary.loserAttempts += c.attempts;
      if (c.ops === 0) summary.losersWithoutOps += 1;
      const k = c.ops >= 4 ? '4+' : String(c.ops);
      summary.loserOpsHistogram[k] = (summary.loserOpsHistogram[k] ?? 0) + 1;
    }
  }
  return summary;
}

async function handle(url: URL): Promise<unknown> {
  switch (url.pathname) {
    case '/ready':
      return { pid: process.pid };
    case '/counters':
      return { mongo: commandCounts, redis: redisCounts };
    case '/rpc': {
      const out = Object.fromEntries(methods);
      if (url.searchParams.has('reset')) methods.clear();
      return out;
    }
    case '/clients': {
      const out = clientSummary();
      if (url.searchParams.has('reset')) clients.clear();
      return out;
    }
    case '/commits': {
      if (url.searchParams.has('start')) {
        commitLog.times.clear();
        commitLog.pending.clear();
        commitLog.recording = true;
        return { recording: true };
      }
      commitLog.recording = false;
      return Object.fromEntries(commitLog.times);
    }
    case '/memory':
      if (url.searchParams.has('gc') && gc) {
        gc();
        await new Promise((r) => setTimeout(r, 50));
        gc();
      }
      return process.memoryUsage();
    case '/eventloop': {
      const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
      const out = {
        meanMs: ms(loopDelay.mean),
        p50Ms: ms(loopDelay.percentile(50)),
        p99Ms: ms(loopDelay.percentile(99)),
        maxMs: ms(loopDelay.max),
      };
      if (url.searchParams.has('reset')) loopDelay.reset();
      return out;
    }
    case '/watch': {
      let subscribers = 0;
      let tails = 0;
      for (const log of eventLogs) {
        const s = log.stats();
        subscribers += s.subscribers;
        tails += s.tails;
      }
      return { subscribers, tails };
    }
    case '/reconciler': {
      const since = Number(url.searchParams.get('since') ?? 0);
      return { hooked: reconcilerHooked, passes: passes.filter((p) => p.startedAt >= since) };
    }
    case '/profile/start':
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: Number(url.searchParams.get('us') ?? 1000) });
      await post('Profiler.start');
      return { profiling: true };
    case '/profile/stop': {
      const { profile } = await post<{ profile: unknown }>('Profiler.stop');
      const file = url.searchParams.get('file');
      if (file) writeFileSync(file, JSON.stringify(profile));
      return { written: file };
    }
    default:
      throw new Error(`unknown path ${url.pathname}`);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function startControl(): void {
  const control = createServer((req, res) => {
    handle(new URL(req.url ?? '/', 'http://127.0.0.1')).then(
      (body) => reply(res, 200, body),
      (err: unknown) => reply(res, 500, { error: err instanceof Error ? err.message : String(err) }),
    );
  });
  control.listen(controlPort, '127.0.0.1');
  control.unref();
}
