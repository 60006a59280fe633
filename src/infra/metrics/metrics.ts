import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, on a registry of its own (several apps
 * can live in one process, as in tests).
 */
export class Metrics {
  readonly registry = new Registry();

  readonly calls = new Counter({
    name: 'booking_grpc_server_handled_total',
    help: 'RPCs completed, by method, status code and error reason (OK for success)',
    labelNames: ['method', 'code', 'reason'] as const,
    registers: [this.registry],
  });

  readonly callSeconds = new Histogram({
    name: 'booking_grpc_server_handling_seconds',
    help: 'RPC latency, by method and status code',
    labelNames: ['method', 'code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly bookingOutcomes = new Counter({
    name: 'booking_outcomes_total',
    help: 'Outcomes of booking operations: booked, held, cancelled, rescheduled, released, or the refusal reason (slot_busy, slot_unavailable, ...)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly lockSeconds = new Histogram({
    name: 'booking_lock_acquire_seconds',
    help: 'Time to try the per-slot lock, by outcome (acquired, busy, unavailable)',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly lockFailures = new Counter({
    name: 'booking_lock_failures_total',
    help: 'Lock attempts that did not acquire: busy (held by another request) or unavailable (Redis down)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly watchDeliveryLagSeconds = new Histogram({
    name: 'booking_watch_delivery_lag_seconds',
    help: 'From a slot change being written to its event being handed to the first subscriber stream of this instance (once per change and instance)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly watchStreamsEnded = new Counter({
    name: 'booking_watch_streams_ended_total',
    help: 'Watch streams ended by the server, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly reconcilerRepairs = new Counter({
    name: 'booking_reconciler_repairs_total',
    help: 'Repairs made by the reconciler, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge read when scraped, e.g. the number of open watch streams. */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}

/** Serves /metrics (Prometheus text format) on its own HTTP port. */
export async function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
