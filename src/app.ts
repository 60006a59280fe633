import type { Connection } from 'mongoose';
import type { Redis } from 'ioredis';
import { redactUri, type AppConfig } from './config';
import { connectMongo } from './infra/mongo/connection';
import { ensureIndexes, registerModels } from './infra/mongo/models';
import { MongoClaimRepository } from './infra/mongo/claim.repository';
import { MongoIdempotencyStore } from './infra/mongo/idempotency.repository';
import { newId } from './infra/mongo/object-ids';
import { MongoServiceRepository } from './infra/mongo/service.repository';
import { MongoSlotRepository } from './infra/mongo/slot.repository';
import { JwtVerifier } from './infra/auth/jwt-verifier';
import { Metrics, startMetricsServer } from './infra/metrics/metrics';
import { connectRedis, waitForRedis } from './infra/redis/connection';
import { OpenSlotGate, RedlockSlotGate } from './infra/redis/slot-gate';
import { MongoPlacesLedger } from './infra/mongo/places.repository';
import { RedisSlotEventLog } from './infra/redis/event-log';
import { createLogger, type Logger } from './logger';
import {
  authStartupError,
  metricsStartupError,
  mongoStartupError,
  redisStartupError,
  rpcStartupError,
} from './startup-error';
import { CallGuard } from './rpc/call-guard';
import { startRpcServer } from './rpc/server';
import { buildUseCases } from './use-cases';
import type { Reconciler } from './use-cases/reconcile/reconciler';

export interface RunningApp {
  port: number;
  address: string;
  logger: Logger;
  /** The repair loop; tests and tools can run a pass with `runOnce()`. */
  reconciler: Reconciler;
  /** The port /metrics is served on, or null when metrics are off. */
  metricsPort: number | null;
  /** Live watch readers and subscribers of this instance (tests, metrics). */
  watchStats(): { tails: number; subscribers: number; streams: number };
  /** Stops taking calls, drains, then closes Redis and MongoDB. Idempotent. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * The composition root: connects to MongoDB and Redis, builds repositories and
 * services with plain constructors, and serves them over gRPC.
 */
export async function startApp(config: AppConfig, opts: { logger?: Logger } = {}): Promise<RunningApp> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = (): Date => new Date();

  let mongo: Connection | undefined;
  let redis: Redis | undefined;
  let reconciler: Reconciler | undefined;
  let metricsServer: { port: number; close(): Promise<void> } | undefined;
  const extraClients: Redis[] = [];
  const metrics = new Metrics();
  try {
    if (config.metrics) {
      const { host, port } = config.metrics;
      metricsServer = await startMetricsServer(metrics.registry, host, port).catch((err: unknown) => {
        throw metricsStartupError(err, host, port);
      });
    }
    mongo = await connectMongo(config.mongo).catch((err: unknown) => {
      throw mongoStartupError(err, config.mongo, 'connect');
    });
    const models = registerModels(mongo);
    await ensureIndexes(models).catch((err: unknown) => {
      throw mongoStartupError(err, config.mongo, 'indexes');
    });

    let lastRedisError = '';
    redis = connectRedis(config.redis, (err) => {
      // ioredis reports every failed reconnect; log each distinct failure once.
      if (err.message !== lastRedisError) logger.warn({ err: err.message }, 'redis connection error');
      lastRedisError = err.message;
    });
    redis.on('ready', () => {
      if (lastRedisError) logger.info('redis connection restored');
      lastRedisError = '';
    });
    const redisWaitMs = 10_000;
    await waitForRedis(redis, redisWaitMs).catch(() => {
      throw redisStartupError(config.redis.url, redisWaitMs, lastRedisError);
    });

    const slots = new MongoSlotRepository(models);
    const claims = new MongoClaimRepository(models);
    const requests = new MongoIdempotencyStore(models);
    const events = new RedisSlotEventLog(
      redis,
      { ...config.events, blockMs: 5_000, batchWindowMs: config.watch.batchWindowMs },
      (err, change) =>
        logger.warn(
          { err: err instanceof Error ? err.message : String(err), slotId: change?.after.id },
          'could not publish a slot event; retrying until Redis takes it',
        ),
      undefined,
      {
        onRepublished: (slots, published) =>
          logger.info({ slots, published }, 'slot events published after a failed publish'),
        onDropped: (slots) =>
          logger.error({ slots }, 'too many unpublished slot events; the reconciler will announce these'),
      },
    );
    // The lock's Redlock quorum: REDIS_URL's client, or independent nodes of their own.
    const lockClients =
      config.redis.lockUrls.length === 1 && config.redis.lockUrls[0] === config.redis.url
        ? [redis]
        : config.redis.lockUrls.map((url) =>
            connectRedis({ url, commandTimeoutMs: config.redis.commandTimeoutMs }, (err) =>
              logger.debug({ err: err.message, url: redactUri(url) }, 'lock node connection error'),
            ),
          );
    extraClients.push(...lockClients.filter((c) => c !== redis));
    const gate = config.lock.enabled
      ? new RedlockSlotGate(
          lockClients,
          config.lock.ttlMs,
          redis,
          config.lock.takenMarkerTtlMs,
          (outcome, seconds) => {
            metrics.lockSeconds.observe({ outcome }, seconds);
            if (outcome !== 'acquired') metrics.lockFailures.inc({ reason: outcome });
          },
        )
      : new OpenSlotGate();
    const built = buildUseCases(
      {
        services: new MongoServiceRepository(models),
        slots,
        claims,
        requests,
        placesLedger: new MongoPlacesLedger(models),
        gate,
        events,
        eventLog: events,
        republish: (changed) => events.republish(changed),
        clock,
        newId,
        logger,
      },
      {
        serviceCache: { ttlMs: config.serviceCacheTtlMs, maxEntries: 10_000 },
        gate: config.lock,
        holds: config.holds,
        maxSlotsPerGeneration: config.maxSlotsPerGeneration,
        reconciler: {
          graceMs: config.reconciler.graceMs,
          lookbackMs: config.reconciler.lookbackMs,
          requestRetentionMs: config.reconciler.requestRetentionMs,
          batchSize: 500,
          republishWindowMs: config.events.republishWindowMs,
        },
        onReconcilerPass: (counts) => {
          for (const [kind, n] of Object.entries(counts) as [string, number][]) {
            if (n > 0) metrics.reconcilerRepairs.inc({ kind }, n);
          }
        },
      },
    );
    reconciler = built.reconciler;

    let verifier: JwtVerifier | null = null;
    try {
      verifier = config.auth ? new JwtVerifier(config.auth) : null;
    } catch (err) {
      throw authStartupError(err, config.auth!);
    }
    const rpc = await startRpcServer({
      services: built.useCases,
      watch: config.watch,
      guard: new CallGuard(verifier),
      tls: config.tls,
      metrics,
      logger,
      host: config.bindHost,
      port: config.port,
      maxReceiveMessageBytes: config.grpcMaxReceiveMessageBytes,
    }).catch((err: unknown) => {
      throw rpcStartupError(err, config);
    });
    if (config.reconciler.enabled) reconciler.start(config.reconciler.intervalMs);
    const address = `${config.bindHost}:${rpc.port}`;
    if (!config.auth) {
      logger.warn(
        'AUTHENTICATION IS SWITCHED OFF (AUTH_DISABLED=true): anyone who can reach the port is admin',
      );
    }
    logger.info(
      {
        address,
        lock: config.lock,
        auth: config.auth ? 'jwt' : 'off',
        tls: config.tls ? (config.tls.clientCaFile ? 'mutual' : 'server') : 'off',
      },
      'booking service listening',
    );

    const mongoConnection = mongo;
    const redisClient = redis;
    const runningReconciler = reconciler;
    let stopping: Promise<void> | undefined;
    const shutdown = (reason = 'shutdown'): Promise<void> =>
      (stopping ??= (async () => {
        logger.info({ reason }, 'shutting down: draining calls');
        await rpc.shutdown(config.shutdownGraceMs);
        await runningReconciler.stop();
        await metricsServer?.close();
        events.close();
        redisClient.disconnect();
        for (const c of extraClients) c.disconnect();
        await claims.close();
        await mongoConnection.close();
        logger.info('shut down');
      })());

    const watchStats = (): { tails: number; subscribers: number; streams: number } => ({
      ...events.stats(),
      streams: rpc.watches.size,
    });
    metrics.gauge(
      'booking_watch_subscribers',
      "Subscribers of this instance's event readers",
      () => events.stats().subscribers,
    );
    metrics.gauge(
      'booking_slot_events_unpublished',
      'Slot states whose publish failed, waiting to be published again (retried until Redis takes them)',
      () => events.unpublishedCount,
    );
    return {
      port: rpc.port,
      address,
      logger,
      reconciler,
      watchStats,
      metricsPort: metricsServer?.port ?? null,
      shutdown,
    };
  } catch (err) {
    await metricsServer?.close();
    for (const c of extraClients) c.disconnect();
    await reconciler?.stop();
    redis?.disconnect();
    await mongo?.close().catch(() => undefined);
    throw err;
  }
}
