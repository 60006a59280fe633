/**
 * Domain errors: a closed set of reasons, each mapped to exactly one gRPC
 * status code in `src/rpc/error-status.ts`. Use cases throw only these;
 * anything else that escapes is a bug (or an outage) and is reported without
 * detail. The transport's own refusals (authentication, malformed bytes,
 * stream limits, shutdown) are in `src/rpc/transport-errors.ts`.
 */
export type FieldViolation = { field: string; description: string };

export const DOMAIN_REASONS = [
  'INVALID_ARGUMENT',
  'SERVICE_NOT_FOUND',
  'SLOT_NOT_FOUND',
  'APPOINTMENT_NOT_FOUND',
  'SLOT_BUSY',
  'SLOT_UNAVAILABLE',
  'SLOT_IN_PAST',
  'SLOT_BOOKED',
  'SERVICE_INACTIVE',
  'SERVICE_ARCHIVED',
  'SERVICE_CHANGED',
  'NOT_SERVICE_OWNER',
  'APPOINTMENT_ALREADY_CANCELLED',
  'NOT_APPOINTMENT_OWNER',
  'LOCK_UNAVAILABLE',
  'REQUEST_ID_REUSED',
  'HOLD_NOT_FOUND',
  'HOLD_EXPIRED',
  'HOLD_ALREADY_USED',
  'SLOT_HELD',
  'SAME_SLOT',
  'DIFFERENT_SERVICE',
  'REVISION_TOO_OLD',
  'SUBSCRIBER_TOO_SLOW',
  'EVENTS_UNAVAILABLE',
  'ROLE_NOT_ALLOWED',
  'NOT_YOUR_USER',
  'SLOT_FULL',
  'NOT_ENOUGH_PLACES',
  'PARTY_TOO_LARGE',
  'ALREADY_BOOKED',
] as const;

export type DomainReason = (typeof DOMAIN_REASONS)[number];

/**
 * An error whose reason the caller is told, with metadata (and field
 * violations) for its details: a DomainError, or the transport's own
 * TransportError (src/rpc/transport-errors.ts).
 */
export abstract class ReasonedError<R extends string> extends Error {
  constructor(
    readonly reason: R,
    message: string,
    readonly metadata: Readonly<Record<string, string>> = {},
    readonly violations: readonly FieldViolation[] = [],
  ) {
    super(message);
  }
}

export class DomainError extends ReasonedError<DomainReason> {
  override readonly name = 'DomainError';
}

export const isDomainError = (err: unknown): err is DomainError => err instanceof DomainError;

export const invalidArgument = (violations: readonly FieldViolation[]): DomainError =>
  new DomainError(
    'INVALID_ARGUMENT',
    `invalid request: ${violations.map((v) => `${v.field}: ${v.description}`).join('; ')}`,
    {},
    violations,
  );

export const serviceNotFound = (serviceId: string): DomainError =>
  new DomainError('SERVICE_NOT_FOUND', `service ${serviceId} not found`, { serviceId });

export const slotNotFound = (slotId: string): DomainError =>
  new DomainError('SLOT_NOT_FOUND', `slot ${slotId} not found`, { slotId });

export const appointmentNotFound = (appointmentId: string): DomainError =>
  new DomainError('APPOINTMENT_NOT_FOUND', `appointment ${appointmentId} not found`, {
    appointmentId,
  });

export const serviceArchived = (serviceId: string): DomainError =>
  new DomainError('SERVICE_ARCHIVED', `service ${serviceId} is archived`, { serviceId });

export const serviceChanged = (serviceId: string): DomainError =>
  new DomainError(
    'SERVICE_CHANGED',
    `service ${serviceId} was changed by another request meanwhile; read it again and retry`,
    { serviceId },
  );
