import type { ServiceDefinition } from '@grpc/grpc-js';

const MALFORMED = Symbol('malformed request');

/**
 * The service definition with request decoders that never throw: grpc-js
 * answers a decoder's exception with INTERNAL, but bytes that are not a valid
 * message are the caller's fault. They decode to a marker the handler
 * refuses with INVALID_ARGUMENT.
 */
export function tolerantService<T extends ServiceDefinition>(definition: T): T {
  const methods = Object.entries(definition).map(([name, method]) => [
    name,
    {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return method.requestDeserialize(bytes);
        } catch {
          return { [MALFORMED]: true };
        }
      },
    },
  ]);
  return Object.fromEntries(methods) as T;
}

export const isMalformed = (request: unknown): boolean =>
  typeof request === 'object' && request !== null && MALFORMED in request;
