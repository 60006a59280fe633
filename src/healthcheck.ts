/**
 * Container health probe: asks the gRPC health service of this instance and
 * exits 0 when it answers SERVING, 1 otherwise (Dockerfile HEALTHCHECK). It
 * dials where the server listens (PORT, BIND_HOST; loopback for a wildcard
 * address) and speaks TLS as the server does (TLS_*), see src/health-probe.ts.
 */
import { loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import { loadProbeConfig } from './config';
import { probeCredentials, probeTarget } from './health-probe';

type HealthClient = Client & {
  check(
    req: { service: string },
    opts: { deadline: number },
    cb: (err: ServiceError | null, res?: { status: string }) => void,
  ): void;
};

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

const pkg = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
  grpc: { health: { v1: { Health: new (target: string, creds: unknown) => HealthClient } } };
};
const client = new pkg.grpc.health.v1.Health(target, creds);
client.check({ service: 'booking.v1.BookingService' }, { deadline: Date.now() + 3_000 }, (err, res) => {
  client.close();
  finish(!err && res?.status === 'SERVING', `${target}: ${err?.message ?? res?.status}`);
});
