/**
 * The instruments added to the server from outside, installed on import:
 * MongoDB command monitoring on every connection the app opens, every Redis
 * command by name, and each unary gRPC handler in its own attribution
 * context (so both are also charged to the call that caused them).
 */
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import {
  als,
  clients,
  commandCounts,
  commitLog,
  methods,
  redisCounts,
  wallNow,
  type CallContext,
} from './state';

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
    if (commitLog.recording && e.commandName === 'findAndModify' && e.command.findAndModify === 'slots') {
      commitLog.pending.set(e.requestId, String(e.command.query?._id));
    }
  });
  client.on('commandSucceeded', (e) => {
    const slotId = commitLog.pending.get(e.requestId);
    if (slotId === undefined) return;
    commitLog.pending.delete(e.requestId);
    if (e.reply?.value) commitLog.times.set(slotId, wallNow());
  });
  client.on('commandFailed', (e) => void commitLog.pending.delete(e.requestId));
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
