/**
 * Hooks into the app's own built modules (dist/), installed on import: the
 * watch event log instances (seen on their first subscribe) and the
 * reconciler's private `pass`, timed with the commands it sent.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { als, distDir, load, passes, wallNow, type CallContext } from './state';

// ---------------------------------------------------------------------------
// Watch subscribers: the app's event log instance, seen on its first subscribe.

interface EventLog {
  stats(): { tails: number; subscribers: number };
}
/** The first of `candidates` (paths under dist/) that exists: checkouts before and after a move (--baseline). */
const firstIn = (...candidates: string[][]): string =>
  candidates.map((c) => path.join(distDir, ...c)).find((f) => existsSync(f)) ??
  path.join(distDir, ...candidates[0]!);

const eventLogModule = load(
  firstIn(['infra', 'redis', 'event-log', 'index.js'], ['infra', 'redis', 'slot-event-log.js']),
) as {
  RedisSlotEventLog: { prototype: { subscribe: (...args: unknown[]) => unknown } };
};
export const eventLogs = new Set<EventLog>();
const originalSubscribe = eventLogModule.RedisSlotEventLog.prototype.subscribe;
eventLogModule.RedisSlotEventLog.prototype.subscribe = function (this: EventLog, ...args: unknown[]) {
  eventLogs.add(this);
  return originalSubscribe.apply(this, args);
};

// ---------------------------------------------------------------------------
// Reconciler passes: the private `pass` of the built Reconciler, wrapped
// so that each pass is timed and its commands are charged to it (not to a call).

const reconcilerModule = load(
  firstIn(
    ['use-cases', 'reconcile', 'reconciler.js'],
    ['use-cases', 'reconciler.js'],
    ['services', 'reconciler.js'],
  ),
) as {
  Reconciler?: { prototype: { pass?: (...args: unknown[]) => Promise<unknown> } };
};
const originalPass = reconcilerModule.Reconciler?.prototype.pass;
export const reconcilerHooked = typeof originalPass === 'function';
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
