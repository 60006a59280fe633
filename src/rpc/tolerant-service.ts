import type { ServiceDefinition } from '@grpc/grpc-js';

const MALFORMED = Symbol('malformed request');

/**
 * The service definition with request decoders that never throw: grpc-js
 * answers a decoder's exception with INTERNAL, but bytes that are not a valid
 * message are the caller's fault. They decode to a marker the handler
 * refuses with INVALID_ARGUMENT. Responses that are already encoded (a
 * Buffer: a watch event shared by many subscribers) are sent as they are.
 */
export function tolerantService<T extends ServiceDefinition>(definition: T): T {
  const methods = Object.entries(definition).map(([name, method]) => [
    name,
    {
      ...method,
      responseSerialize: (value: unknown): Buffer =>
        Buffer.isBuffer(value) ? value : method.responseSerialize(value),
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
