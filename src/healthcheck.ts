/**
 * Container health probe: asks the gRPC health service of this instance and
 * exits 0 when it answers SERVING, 1 otherwise (Dockerfile HEALTHCHECK). It
 * dials where the server listens (PORT, BIND_HOST; loopback for a wildcard
 * address) and speaks TLS as the server does (TLS_*), see src/health-probe.ts.
 */
import { Metadata } from '@grpc/grpc-js';
import { loadProbeConfig } from './config';
import { HealthCheckResponse_ServingStatus, HealthClient } from './gen/health/v1/health';
import { probeCredentials, probeTarget } from './health-probe';

function finish(serving: boolean, why: string): never {
  process.stdout.write(serving ? 'SERVING\n' : `NOT SERVING: ${why}\n`);
  process.exit(serving ? 0 : 1);
}

let target: string;
let creds: ReturnType<typeof probeCredentials>;
try {
  const config = loadProbeConfig();
  target = probeTarget(config.bindHost, config.port);
  creds = probeCredentials(config.tls);
} catch (err) {
  finish(false, err instanceof Error ? err.message : String(err));
}

const client = new HealthClient(target, creds);
client.check(
  { service: 'booking.v1.BookingService' },
  new Metadata(),
  { deadline: Date.now() + 3_000 },
  (err, res) => {
    client.close();
    const status = res && HealthCheckResponse_ServingStatus[res.status];
    finish(
      !err && res?.status === HealthCheckResponse_ServingStatus.SERVING,
      `${target}: ${err?.message ?? status}`,
    );
  },
);
