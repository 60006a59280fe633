/**
 * The standard services a server offers besides the API (health, server
 * reflection), called like a foreign client would: from their .proto files,
 * loaded with proto-loader, on an insecure channel.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

const REFLECTION_PROTO = path.join(
  path.dirname(require.resolve('@grpc/reflection/package.json')),
  'build/proto/grpc/reflection/v1/reflection.proto',
);

/** The client constructor of the service at `servicePath` (package parts, then the name) in `file`. */
function loadService(file: string, servicePath: string[]): grpc.ServiceClientConstructor {
  let node: unknown = grpc.loadPackageDefinition(
    protoLoader.loadSync(file, { enums: String, defaults: true }),
  );
  for (const key of servicePath) node = (node as Record<string, unknown>)[key];
  return node as grpc.ServiceClientConstructor;
}

/** The status grpc.health.v1.Health/Check answers for `service` ('' for the server as a whole). */
export async function healthStatus(target: string, service: string): Promise<string> {
  const Health = loadService(healthProtoPath, ['grpc', 'health', 'v1', 'Health']);
  const client = new Health(target, grpc.credentials.createInsecure());
  try {
    const check = client['Check'] as (
      req: object,
      options: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
    ) => void;
    return await new Promise<string>((resolve, reject) =>
      check.call(client, { service }, { deadline: Date.now() + 10_000 }, (err, res) =>
        err ? reject(err) : resolve(res!.status),
      ),
    );
  } finally {
    client.close();
  }
}

type ListServicesResponse = { listServicesResponse?: { service: { name: string }[] } };

/** The service names server reflection (v1) lists. */
export async function reflectedServiceNames(target: string): Promise<string[]> {
  const Reflection = loadService(REFLECTION_PROTO, ['grpc', 'reflection', 'v1', 'ServerReflection']);
  const client = new Reflection(target, grpc.credentials.createInsecure());
  try {
    const open = client['ServerReflectionInfo'] as () => grpc.ClientDuplexStream<
      object,
      ListServicesResponse
    >;
    return await new Promise<string[]>((resolve, reject) => {
      const stream = open.call(client);
      stream.on('data', (res: ListServicesResponse) => {
        resolve(res.listServicesResponse?.service.map((s) => s.name) ?? []);
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ listServices: '*' });
    });
  } finally {
    client.close();
  }
}
