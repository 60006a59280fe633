import { Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { isDomainError, type DomainError, type DomainReason } from '../domain/errors';
import type { Any } from '../gen/google/protobuf/any';
import { BadRequest, ErrorInfo } from '../gen/google/rpc/error_details';
import { Status } from '../gen/google/rpc/status';
import { isBackendOutage } from '../infra/backend-outage';
import { TransportError, type TransportReason } from './transport-errors';

export const ERROR_DOMAIN = 'booking.v1';

/** An error whose reason the caller is told: the domain's, or the transport's own. */
export type RpcError = DomainError | TransportError;

const isRpcError = (err: unknown): err is RpcError => isDomainError(err) || err instanceof TransportError;

/** The gRPC code of each domain and transport reason: the one place this mapping lives. */
export function codeOf(reason: DomainReason | TransportReason): Code {
  switch (reason) {
    case 'INVALID_ARGUMENT':
    case 'REQUEST_ID_REUSED':
    case 'MALFORMED_REQUEST':
      return Code.INVALID_ARGUMENT;
    case 'UNAUTHENTICATED':
      return Code.UNAUTHENTICATED;
    case 'SERVICE_NOT_FOUND':
    case 'SLOT_NOT_FOUND':
    case 'APPOINTMENT_NOT_FOUND':
    case 'HOLD_NOT_FOUND':
      return Code.NOT_FOUND;
    case 'SLOT_BUSY':
    case 'SERVICE_CHANGED':
      return Code.ABORTED;
    case 'SLOT_UNAVAILABLE':
    case 'SLOT_IN_PAST':
    case 'SLOT_BOOKED':
    case 'SERVICE_INACTIVE':
    case 'SERVICE_ARCHIVED':
    case 'APPOINTMENT_ALREADY_CANCELLED':
    case 'HOLD_EXPIRED':
    case 'HOLD_ALREADY_USED':
    case 'SLOT_HELD':
    case 'SAME_SLOT':
    case 'DIFFERENT_SERVICE':
    case 'SLOT_FULL':
    case 'NOT_ENOUGH_PLACES':
    case 'PARTY_TOO_LARGE':
    case 'ALREADY_BOOKED':
      return Code.FAILED_PRECONDITION;
    case 'NOT_APPOINTMENT_OWNER':
    case 'ROLE_NOT_ALLOWED':
    case 'NOT_YOUR_USER':
    case 'NOT_SERVICE_OWNER':
      return Code.PERMISSION_DENIED;
    case 'TOO_MANY_STREAMS':
      return Code.RESOURCE_EXHAUSTED;
    case 'LOCK_UNAVAILABLE':
    case 'SHUTTING_DOWN':
    case 'EVENTS_UNAVAILABLE':
      return Code.UNAVAILABLE;
    case 'REVISION_TOO_OLD':
      return Code.OUT_OF_RANGE;
    case 'SUBSCRIBER_TOO_SLOW':
      return Code.RESOURCE_EXHAUSTED;
    default: {
      const unreachable: never = reason;
      return unreachable;
    }
  }
}

/** How an error is reported: the status sent, and how loudly it is logged. */
export interface ClassifiedError {
  error: ServiceError;
  reason: string;
  /** expected: the caller's doing; transient: an outage; bug: INTERNAL. */
  kind: 'expected' | 'transient' | 'bug';
}

/**
 * Turns anything a handler threw into a gRPC error. Domain and transport
 * errors keep their message and carry a google.rpc.Status (ErrorInfo, and
 * BadRequest for invalid arguments) in `grpc-status-details-bin`. Anything
 * else is reported as UNAVAILABLE (an outage, as `isOutage` tells: the
 * infrastructure knows its drivers' errors) or INTERNAL (a bug) with a
 * generic message: the internal message stays in the logs.
 */
export function classifyError(
  err: unknown,
  isOutage: (err: unknown) => boolean = isBackendOutage,
): ClassifiedError {
  if (isRpcError(err)) {
    const code = codeOf(err.reason);
    const details: Any[] = [
      {
        typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo',
        value: Buffer.from(
          ErrorInfo.encode({
            reason: err.reason,
            domain: ERROR_DOMAIN,
            metadata: { ...err.metadata },
          }).finish(),
        ),
      },
    ];
    if (err.violations.length > 0) {
      details.push({
        typeUrl: 'type.googleapis.com/google.rpc.BadRequest',
        value: Buffer.from(BadRequest.encode({ fieldViolations: [...err.violations] }).finish()),
      });
    }
    return {
      error: statusError(code, err.message, err.reason, details),
      reason: err.reason,
      kind: code === Code.UNAVAILABLE ? 'transient' : 'expected',
    };
  }
  if (isOutage(err)) {
    return {
      error: statusError(Code.UNAVAILABLE, 'a backing service is unavailable; retry', 'BACKEND_UNAVAILABLE'),
      reason: 'BACKEND_UNAVAILABLE',
      kind: 'transient',
    };
  }
  return {
    error: statusError(Code.INTERNAL, 'internal error', 'INTERNAL'),
    reason: 'INTERNAL',
    kind: 'bug',
  };
}

function statusError(
  code: Code,
  message: string,
  reason: string,
  details: Any[] = [
    {
      typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo',
      value: Buffer.from(ErrorInfo.encode({ reason, domain: ERROR_DOMAIN, metadata: {} }).finish()),
    },
  ],
): ServiceError {
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(Status.encode({ code, message, details }).finish()));
  return Object.assign(new Error(message), { code, details: message, metadata });
}
