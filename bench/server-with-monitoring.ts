/**
 * Starts the built server (dist/main.js) unchanged, with instruments added from
 * outside, and a control endpoint on 127.0.0.1:$BENCH_CONTROL_PORT for the
 * orchestrator (bench/run.ts). bench/run.ts transpiles this file to plain
 * JavaScript and runs it with `node`, so the server runs as `npm start` does
 * (no tsx loader, no source maps).
 *
 * Instruments:
 *  - MongoDB command monitoring: `monitorCommands: true` is added to every
 *    mongoose connection, and every `commandStarted` is counted by command
 *    name (GET /counters).
 *  - Per-call attribution: each unary gRPC handler runs in an
 *    AsyncLocalStorage context, so every MongoDB command (and Redis command)
 *    is also charged to the call that caused it; per method and status code:
 *    calls, commands, calls with no command; per client (metadata
 *    `x-bench-client`): attempts, commands, whether one succeeded
 *    (GET /rpc, GET /clients).
 *  - Commit times: while enabled, when a findAndModify of a slot succeeds
 *    (the moment the server learns the booking is committed), its wall-clock
 *    time by slot id (GET /commits?start=1, GET /commits).
 *  - Event-loop delay (GET /eventloop?reset=1), memory (GET /memory, after
 *    a full GC: node runs with --expose-gc), watch
 *    subscribers of this instance (GET /watch), CPU profiles on demand
 *    (GET /profile/start, GET /profile/stop?file=...).
 *  - Reconciler passes: each pass the app's Reconciler runs (on its own
 *    timer, as configured) is timed, with the MongoDB and Redis commands it
 *    sent (GET /reconciler?since=<epoch ms>).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';

interface CallContext {
  ops: number;
  redisOps: number;
  client: string | null;
}

/** Per gRPC method, what its calls cost (served on the control endpoint's /rpc). */
export interface MethodStats {
  calls: number;
  ops: number;
  redisOps: number;
  zeroOpCalls: number;
  /** Number of calls by how many MongoDB commands each made. */
  opsPerCall: Record<string, number>;
  byCode: Record<string, { calls: number; ops: number; zeroOpCalls: number }>;
}

interface ClientStats {
  attempts: number;
  ops: number;
  won: boolean;
}

const distDir = path.resolve(process.env.BENCH_DIST_DIR ?? path.join(__dirname, '..', '..', '..', 'dist'));
const controlPort = Number(process.env.BENCH_CONTROL_PORT ?? 0);
const wallNow = (): number => performance.timeOrigin + performance.now();

const als = new AsyncLocalStorage<CallContext>();
const commandCounts: Record<string, number> = {};
const redisCounts: Record<string, number> = {};
const methods = new Map<string, MethodStats>();
const clients = new Map<string, ClientStats>();
let recordingCommits = false;
const pendingCommits = new Map<number, string>();
const commits = new Map<string, number>();

// ---------------------------------------------------------------------------
// MongoDB: command monitoring on every connection the app opens.

interface CommandStarted {
  commandName: string;
  requestId: number;
  command: { findAndModify?: unknown; query?: { _id?: unknown } };
}
interface CommandDone {
  requestId: number;
  reply?: { value?: unknown };
}
interface MonitoredClient {
  on(event: 'commandStarted', fn: (e: CommandStarted) => void): void;
  on(event: 'commandSucceeded' | 'commandFailed', fn: (e: CommandDone) => void): void;
}

function monitor(client: MonitoredClient): void {
  client.on('commandStarted', (e) => {
    commandCounts[e.commandName] = (commandCounts[e.commandName] ?? 0) + 1;
    const ctx = als.getStore();
    if (ctx) ctx.ops += 1;
    if (recordingCommits && e.commandName === 'findAndModify' && e.command.findAndModify === 'slots') {
      pendingCommits.set(e.requestId, String(e.command.query?._id));
    }
  });
  client.on('commandSucceeded', (e) => {
    const slotId = pendingCommits.get(e.requestId);
    if (slotId === undefined) return;
    pendingCommits.delete(e.requestId);
    if (e.reply?.value) commits.set(slotId, wallNow());
  });
  client.on('commandFailed', (e) => void pendingCommits.delete(e.requestId));
}

type CreateConnection = typeof mongoose.createConnection;
const originalCreateConnection: CreateConnection = mongoose.createConnection.bind(mongoose);
mongoose.createConnection = ((uri: string, options?: mongoose.ConnectOptions) => {
  const conn = originalCreateConnection(uri, { ...options, monitorCommands: true });
  conn.asPromise().then(
    () => monitor(conn.getClient() as unknown as MonitoredClient),
    () => undefined,
  );
  return conn;
}) as CreateConnection;

// ---------------------------------------------------------------------------
// Redis: every command, by name, charged to the current call too.

const redisProto = Redis.prototype as unknown as {
  sendCommand: (cmd: { name: string }, ...rest: unknown[]) => unknown;
};
const originalSendCommand = redisProto.sendCommand;
redisProto.sendCommand = function (this: unknown, cmd: { name: string }, ...rest: unknown[]) {
  redisCounts[cmd.name] = (redisCounts[cmd.name] ?? 0) + 1;
  const ctx = als.getStore();
  if (ctx) ctx.redisOps += 1;
  return originalSendCommand.call(this, cmd, ...rest);
};

// ---------------------------------------------------------------------------
// gRPC: each unary handler in its own attribution context.

const CODE_NAMES = Object.fromEntries(
  Object.entries(grpc.status)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => [String(v), k]),
) as Record<string, string>;

function finish(method: string, ctx: CallContext, err: unknown): void {
  const code = err ? (CODE_NAMES[String((err as { code?: number }).code ?? 2)] ?? 'UNKNOWN') : 'OK';
  let m = methods.get(method);
  if (!m) {
    m = { calls: 0, ops: 0, redisOps: 0, zeroOpCalls: 0, opsPerCall: {}, byCode: {} };
    methods.set(method, m);
  }
  m.calls += 1;
  m.ops += ctx.ops;
  m.redisOps += ctx.redisOps;
  if (ctx.ops === 0) m.zeroOpCalls += 1;
  m.opsPerCall[String(ctx.ops)] = (m.opsPerCall[String(ctx.ops)] ?? 0) + 1;
  const c = (m.byCode[code] ??= { calls: 0, ops: 0, zeroOpCalls: 0 });
  c.calls += 1;
  c.ops += ctx.ops;
  if (ctx.ops === 0) c.zeroOpCalls += 1;
  if (ctx.client !== null) {
    const cl = clients.get(ctx.client) ?? { attempts: 0, ops: 0, won: false };
    cl.attempts += 1;
    cl.ops += ctx.ops;
    if (!err) cl.won = true;
    clients.set(ctx.client, cl);
  }
}

type AnyHandler = (
  this: unknown,
  call: grpc.ServerUnaryCall<unknown, unknown>,
  callback: grpc.sendUnaryData<unknown>,
) => void;
const serverProto = grpc.Server.prototype as unknown as {
  addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void;
};
const originalAddService = serverProto.addService;
// BENCH_CALL_ATTRIBUTION=off (the fan-out bench): no AsyncLocalStorage context ever, so
// Node's async hooks stay off and every write costs what it costs in production.
if (process.env.BENCH_CALL_ATTRIBUTION !== 'off')
  serverProto.addService = function (this: unknown, service, implementation) {
    const wrapped: grpc.UntypedServiceImplementation = { ...implementation };
    for (const [name, def] of Object.entries(service)) {
      const handler = implementation[name] as AnyHandler | undefined;
      if (!handler || def.requestStream || def.responseStream) continue;
      wrapped[name] = function (this: unknown, call, callback) {
        const sent = call.metadata.get('x-bench-client')[0];
        const ctx: CallContext = { ops: 0, redisOps: 0, client: typeof sent === 'string' ? sent : null };
        als.run(ctx, () =>
          handler.call(this, call, (err, value, trailer, flags) => {
            finish(name, ctx, err);
            callback(err, value, trailer, flags);
          }),
        );
      } as AnyHandler;
    }
    originalAddService.call(this, service, wrapped);
  };

// ---------------------------------------------------------------------------
// Watch subscribers: the app's event log instance, seen on its first subscribe.

interface EventLog {
  stats(): { tails: number; subscribers: number };
}
const load = createRequire(__filename);
/** The first of `candidates` (paths under dist/) that exists: checkouts before and after a move. */
const firstIn = (...candidates: string[][]): string =>
  candidates.map((c) => path.join(distDir, ...c)).find((f) => existsSync(f)) ??
  path.join(distDir, ...candidates[0]!);
const eventLogModule = load(
  firstIn(['infra', 'redis', 'event-log', 'index.js'], ['infra', 'redis', 'slot-event-log.js']),
) as {
  RedisSlotEventLog: { prototype: { subscribe: (...args: unknown[]) => unknown } };
};
const eventLogs = new Set<EventLog>();
const originalSubscribe = eventLogModule.RedisSlotEventLog.prototype.subscribe;
eventLogModule.RedisSlotEventLog.prototype.subscribe = function (this: EventLog, ...args: unknown[]) {
  eventLogs.add(this);
  return originalSubscribe.apply(this, args);
};

// ---------------------------------------------------------------------------
// Reconciler passes: the private `pass` of dist/use-cases/reconciler.js, wrapped
// so that each pass is timed and its commands are charged to it (not to a call).

/** One reconciler pass as the server ran it. */
export interface PassRecord {
  /** Wall-clock epoch ms when the pass started. */
  startedAt: number;
  ms: number;
  ops: number;
  redisOps: number;
  /** Whether the reconciler still had start-up backlog after this pass. */
  backlog: boolean;
  error?: string;
}
const passes: PassRecord[] = [];
const reconcilerModule = load(firstIn(['use-cases', 'reconciler.js'], ['services', 'reconciler.js'])) as {
  Reconciler?: { prototype: { pass?: (...args: unknown[]) => Promise<unknown> } };
};
const originalPass = reconcilerModule.Reconciler?.prototype.pass;
const reconcilerHooked = typeof originalPass === 'function';
if (originalPass && reconcilerModule.Reconciler) {
  reconcilerModule.Reconciler.prototype.pass = function (this: unknown, ...args: unknown[]) {
    const ctx: CallContext = { ops: 0, redisOps: 0, client: null };
    const startedAt = wallNow();
    const record = (error?: string): void => {
      const reconciler = this as { hasBacklog?: () => boolean };
      passes.push({
        startedAt,
        ms: wallNow() - startedAt,
        ops: ctx.ops,
        redisOps: ctx.redisOps,
        backlog: reconciler.hasBacklog?.() ?? false,
        ...(error ? { error } : {}),
      });
      if (passes.length > 10_000) passes.shift();
    };
    return als
      .run(ctx, () => originalPass.apply(this, args))
      .then(
        (counts) => {
          record();
          return counts;
        },
        (err: unknown) => {
          record(err instanceof Error ? err.message : String(err));
          throw err;
        },
      );
  };
}

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
  let winners = 0;
  let winnerOps = 0;
  let losers = 0;
  let loserOps = 0;
  let loserAttempts = 0;
  let losersWithoutOps = 0;
  const loserOpsHistogram: Record<string, number> = {};
  for (const c of clients.values()) {
    if (c.won) {
      winners += 1;
      winnerOps += c.ops;
    } else {
      losers += 1;
      loserOps += c.ops;
      loserAttempts += c.attempts;
      if (c.ops === 0) losersWithoutOps += 1;
      const k = c.ops >= 4 ? '4+' : String(c.ops);
      loserOpsHistogram[k] = (loserOpsHistogram[k] ?? 0) + 1;
    }
  }
  return {
    clients: clients.size,
    winners,
    winnerOps,
    losers,
    loserAttempts,
    loserOps,
    losersWithoutOps,
    loserOpsHistogram,
  };
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
        commits.clear();
        pendingCommits.clear();
        recordingCommits = true;
        return { recording: true };
      }
      recordingCommits = false;
      return Object.fromEntries(commits);
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

const control = createServer((req, res) => {
  handle(new URL(req.url ?? '/', 'http://127.0.0.1')).then(
    (body) => reply(res, 200, body),
    (err: unknown) => reply(res, 500, { error: err instanceof Error ? err.message : String(err) }),
  );
});
control.listen(controlPort, '127.0.0.1');
control.unref();

// The parent's stdin pipe is our lifeline: if the orchestrator dies, stop.
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();

load(path.join(distDir, 'main.js'));
