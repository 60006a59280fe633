import { ReflectionService } from '@grpc/reflection';
import type { PackageDefinition } from '@grpc/proto-loader';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import bookingDescriptors from '../gen/descriptors/booking.json';
import healthDescriptors from '../gen/descriptors/health.json';

/**
 * Server reflection, so grpcurl can list and describe the API without .proto
 * files. It serves the descriptor sets `buf build` wrote next to the generated
 * code (scripts/generate.sh), which keep every file's real name and imports.
 * A package definition from proto-loader would merge files per package and
 * drop their imports, and reflection clients then cannot resolve imported
 * types (grpc-node #2958).
 */
export function reflectionService(): ReflectionService {
  const files = [bookingDescriptors, healthDescriptors].flatMap((set) =>
    set.file.map((file) =>
      Buffer.from(FileDescriptorProto.encode(FileDescriptorProto.fromObject(file)).finish()),
    ),
  );
  // @grpc/reflection reads only `fileDescriptorProtos` of each entry.
  const definition = {
    descriptors: { format: 'Protocol Buffer 3 DescriptorProto', type: {}, fileDescriptorProtos: files },
  } as unknown as PackageDefinition;
  return new ReflectionService(definition);
}
