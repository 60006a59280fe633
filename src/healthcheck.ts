/**
 * Container health probe: asks the gRPC health service on this host and exits
 * 0 when it answers SERVING, 1 otherwise. Used by the Dockerfile HEALTHCHECK.
 */
import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

type HealthClient = Client & {
  check(
    req: { service: string },
    opts: { deadline: number },
    cb: (err: ServiceError | null, res?: { status: string }) => void,
  ): void;
};

const port = process.env.PORT ?? '50051';
const pkg = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
  grpc: { health: { v1: { Health: new (target: string, creds: unknown) => HealthClient } } };
};
const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, credentials.createInsecure());
client.check({ service: 'booking.v1.BookingService' }, { deadline: Date.now() + 3_000 }, (err, res) => {
  client.close();
  const serving = !err && res?.status === 'SERVING';
  process.stdout.write(serving ? 'SERVING\n' : `NOT SERVING: ${err?.message ?? res?.status}\n`);
  process.exit(serving ? 0 : 1);
});
