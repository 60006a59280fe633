/**
 * The server around the API: gRPC health, and server reflection with complete
 * file descriptors.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { t, useFileApp } from '../../support/file-app';

useFileApp({});

/** A client of a service loaded with proto-loader from `protoFile`. */
function clientFor(protoFile: string, servicePath: string[], target: string): grpc.Client {
  const definition = protoLoader.loadSync(protoFile, { enums: String, defaults: true, longs: Number });
  let node: unknown = grpc.loadPackageDefinition(definition);
  for (const key of servicePath) node = (node as Record<string, unknown>)[key];
  const Ctor = node as grpc.ServiceClientConstructor;
  expect(typeof Ctor).toBe('function');
  return new Ctor(target, grpc.credentials.createInsecure());
}

// Generous: only a hung server should hit it, not a busy CI machine.
const deadline = () => Date.now() + 20_000;

/** A unary method of a dynamically loaded client. */
type UnaryFn<Req, Res> = (
  request: Req,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, res?: Res) => void,
) => grpc.ClientUnaryCall;

describe('gRPC health', () => {
  let health: grpc.Client;
  beforeAll(() => {
    health = clientFor(healthProtoPath, ['grpc', 'health', 'v1', 'Health'], t.target);
  });
  afterAll(() => health.close());

  const check = (service: string) =>
    new Promise<{ status: string }>((resolve, reject) => {
      const method = (health as unknown as Record<string, UnaryFn<{ service: string }, { status: string }>>)
        .Check!;
      method.call(health, { service }, { deadline: deadline() }, (err, res) =>
        err ? reject(err) : resolve(res!),
      );
    });

  it.each(['', 'booking.v1.BookingService'])('reports %j as SERVING', async (service) => {
    await expect(check(service)).resolves.toEqual({ status: 'SERVING' });
  });

  it('answers NOT_FOUND for a service it does not know', async () => {
    const err = await check('no.such.Service').then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(err?.code).toBe(grpc.status.NOT_FOUND);
  });
});

describe('server reflection (v1)', () => {
  const reflectionProto = path.join(
    path.dirname(require.resolve('@grpc/reflection/package.json')),
    'build/proto/grpc/reflection/v1/reflection.proto',
  );
  let reflection: grpc.Client;

  beforeAll(() => {
    reflection = clientFor(reflectionProto, ['grpc', 'reflection', 'v1', 'ServerReflection'], t.target);
  });
  afterAll(() => reflection.close());

  interface ReflectionResponse {
    listServicesResponse?: { service: { name: string }[] };
    fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
    errorResponse?: { errorCode: number; errorMessage: string };
  }

  /** Sends the requests on one ServerReflectionInfo stream and collects one response per request. */
  function reflect(requests: object[]): Promise<ReflectionResponse[]> {
    return new Promise((resolve, reject) => {
      const open = (reflection as unknown as Record<string, unknown>).ServerReflectionInfo as (
        opts: grpc.CallOptions,
      ) => grpc.ClientDuplexStream<object, ReflectionResponse>;
      const stream = open.call(reflection, { deadline: deadline() });
      const responses: ReflectionResponse[] = [];
      stream.on('data', (res: ReflectionResponse) => {
        responses.push(res);
        if (responses.length === requests.length) stream.end();
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(responses));
      for (const r of requests) stream.write(r);
    });
  }

  const decode = (buf: Buffer): FileDescriptorProto => fromBinary(FileDescriptorProtoSchema, buf);

  it('lists the booking service and health', async () => {
    const [res] = await reflect([{ listServices: '*' }]);
    const names = res!.listServicesResponse!.service.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['booking.v1.BookingService', 'grpc.health.v1.Health']));
  });

  it('describes booking.v1.BookingService with its file and every file it imports, transitively', async () => {
    const [res] = await reflect([{ fileContainingSymbol: 'booking.v1.BookingService' }]);
    expect(res!.errorResponse).toBeUndefined();
    const files = res!.fileDescriptorResponse!.fileDescriptorProto.map(decode);
    const byName = new Map(files.map((f) => [f.name, f]));

    const main = files[0]!;
    expect(main.name).toBe('booking/v1/booking_service.proto');
    expect(main.package).toBe('booking.v1');
    expect(main.dependency).toEqual(expect.arrayContaining(['google/type/date.proto']));
    const service = main.service.find((s) => s.name === 'BookingService');
    expect(service?.method?.map((m) => m.name)).toEqual(
      expect.arrayContaining([
        'CreateService',
        'GetService',
        'ListServices',
        'GenerateSlots',
        'ListSlots',
        'SetSlotStatus',
        'BookSlot',
        'CancelAppointment',
        'GetAppointment',
        'ListAppointments',
      ]),
    );

    // Every import, and every import of an import, came along (non-empty).
    const seen = new Set<string>();
    const pending = [main.name];
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (seen.has(name)) continue;
      seen.add(name);
      const file = byName.get(name);
      expect({ name, present: file !== undefined }).toEqual({ name, present: true });
      pending.push(...(file!.dependency ?? []));
    }
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'booking/v1/booking_service.proto',
        'booking/v1/resources.proto',
        'google/protobuf/timestamp.proto',
        'google/type/date.proto',
        'google/type/timeofday.proto',
      ]),
    );
    // The imported types are really there: google.type.Date is defined in date.proto.
    expect(byName.get('google/type/date.proto')!.messageType.map((m) => m.name)).toContain('Date');
  });

  it('answers several requests on one stream, and reports an unknown symbol as NOT_FOUND', async () => {
    const [list, unknown] = await reflect([
      { listServices: '*' },
      { fileContainingSymbol: 'no.such.Symbol' },
    ]);
    expect(list!.listServicesResponse).toBeDefined();
    expect(unknown!.errorResponse?.errorCode).toBe(grpc.status.NOT_FOUND);
  });
});
