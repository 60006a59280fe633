import { ReflectionService } from '@grpc/reflection';
import { fromJson, toBinary, type JsonValue } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import bookingDescriptors from '../gen/descriptors/booking.json';
import healthDescriptors from '../gen/descriptors/health.json';

/**
 * Server reflection, so grpcurl can list and describe the API without .proto
 * files. It serves the descriptor sets `buf build` wrote next to the generated
 * code (scripts/generate.sh), which keep every file's real name and imports.
 * A package definition from proto-loader would merge files per package and
 * drop their imports, and reflection clients then cannot resolve imported
 * types (grpc-node #2958). The sets are read and re-encoded with
 * @bufbuild/protobuf, the runtime the generated code already uses.
 */
export function reflectionService(): ReflectionService {
  const files = [bookingDescriptors, healthDescriptors].flatMap((set) =>
    fromJson(FileDescriptorSetSchema, set as unknown as JsonValue).file.map((file) =>
      Buffer.from(toBinary(FileDescriptorProtoSchema, file)),
    ),
  );
  // @grpc/reflection reads only `fileDescriptorProtos` of each entry.
  const definition = {
    descriptors: { format: 'Protocol Buffer 3 DescriptorProto', type: {}, fileDescriptorProtos: files },
  } as unknown as ConstructorParameters<typeof ReflectionService>[0];
  return new ReflectionService(definition);
}
