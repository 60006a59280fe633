import { ReasonedError } from '../domain/errors';

/**
 * Refusals that belong to the transport, not to the domain: who is calling,
 * whether the bytes are a message at all, and the limits and lifecycle of
 * streams. Mapped to gRPC codes with the domain reasons, in error-status.ts.
 */
export const TRANSPORT_REASONS = [
  'UNAUTHENTICATED',
  'MALFORMED_REQUEST',
  'TOO_MANY_STREAMS',
  'SHUTTING_DOWN',
] as const;

export type TransportReason = (typeof TRANSPORT_REASONS)[number];

/** A refusal of the transport: no field violations, ever. */
export class TransportError extends ReasonedError<TransportReason> {
  override readonly name = 'TransportError';

  constructor(reason: TransportReason, message: string, metadata: Readonly<Record<string, string>> = {}) {
    super(reason, message, metadata);
  }
}

export const unauthenticated = (why: string, message: string): TransportError =>
  new TransportError('UNAUTHENTICATED', message, { why });

export const malformedRequest = (): TransportError =>
  new TransportError('MALFORMED_REQUEST', 'the request is not a valid protobuf message');

export const shuttingDown = (): TransportError =>
  new TransportError('SHUTTING_DOWN', 'the server is shutting down; resume on another instance');

export const tooManyStreams = (limit: number): TransportError =>
  new TransportError('TOO_MANY_STREAMS', 'this principal has too many open watch streams', {
    limit: String(limit),
  });
