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
import { SlotPlaces } from './use-cases/slot-places';
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
import { AppointmentQueryService } from './use-cases/appointment-query.service';
import { BookingService } from './use-cases/booking.service';
import { CatalogService } from './use-cases/catalog.service';
import { DeleteService } from './use-cases/catalog/delete-service';
import { SlotAvailability } from './use-cases/catalog/slot-availability';
import { UpdateService } from './use-cases/catalog/update-service';
import { HoldService } from './use-cases/hold.service';
import { Idempotency } from './use-cases/idempotency';
import { Reconciler } from './use-cases/reconciler';
import { CachedServiceRepository } from './use-cases/service-cache';
import { SlotClaims } from './use-cases/slot-claims';
import { WatchService } from './use-cases/watch.service';

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

    // The catalog RPCs read and write services as stored; the use cases that only need a
    // service alongside their own work (a booking's check, a reply's fill-in) read it cached.
    const services = new CachedServiceRepository(new MongoServiceRepository(models), {
      ttlMs: config.serviceCacheTtlMs,
      maxEntries: 10_000,
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
    const idempotency = new Idempotency(requests, clock);
    const placesLedger = new MongoPlacesLedger(models);
    const places = new SlotPlaces({
      ledger: placesLedger,
      slots,
      claims,
      gate,
      events,
      clock,
    });
    const slotClaims = new SlotClaims({
      slots,
      services,
      claims,
      gate,
      events,
      clock,
      lockFailureMode: config.lock.failureMode,
      repairWaitMs: config.lock.repairWaitMs,
      placesWaitMs: config.lock.placesWaitMs,
      places,
      logger,
    });
    reconciler = new Reconciler({
      slots,
      claims,
      requests,
      slotClaims,
      placesLedger,
      republish: (changed) => events.republish(changed),
      clock,
      logger: logger.child({ component: 'reconciler' }),
      settings: {
        graceMs: config.reconciler.graceMs,
        lookbackMs: config.reconciler.lookbackMs,
        requestRetentionMs: config.reconciler.requestRetentionMs,
        batchSize: 500,
        republishWindowMs: config.events.republishWindowMs,
      },
      onPass: (counts) => {
        for (const [kind, n] of Object.entries(counts) as [string, number][]) {
          if (n > 0) metrics.reconcilerRepairs.inc({ kind }, n);
        }
      },
    });

    let verifier: JwtVerifier | null = null;
    try {
      verifier = config.auth ? new JwtVerifier(config.auth) : null;
    } catch (err) {
      throw authStartupError(err, config.auth!);
    }
    // Catalog changes read and write services as stored; an update drops this instance's cache entry.
    const availability = new SlotAvailability({
      services: services.stored,
      slots,
      events,
      clock,
      logger: logger.child({ component: 'catalog' }),
    });
    const rpc = await startRpcServer({
      services: {
        catalog: new CatalogService(
          services.stored,
          slots,
          clock,
          { maxSlotsPerGeneration: config.maxSlotsPerGeneration },
          events,
          availability,
        ),
        updateService: new UpdateService({ services: services.stored, availability, clock }),
        deleteService: new DeleteService({ services: services.stored, availability, clock }),
        booking: new BookingService({
          services,
          slots,
          claims,
          slotClaims,
          idempotency,
          clock,
          newId,
          holdConfirmMarginMs: config.holds.confirmMarginMs,
        }),
        holds: new HoldService({
          services,
          slots,
          claims,
          slotClaims,
          idempotency,
          clock,
          newId,
          limits: config.holds,
        }),
        queries: new AppointmentQueryService(claims, services, slots, clock),
        watch: new WatchService({ services, slots, log: events, clock }),
      },
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
