/** The google.rpc.Status a call failed with, decoded: code, message, ErrorInfo and BadRequest. */
import type { ServiceError } from '@grpc/grpc-js';
import { BadRequest, ErrorInfo } from '../../src/gen/google/rpc/error_details';
import { Status } from '../../src/gen/google/rpc/status';

export interface DecodedError {
  code: number;
  message: string;
  reason: string | undefined;
  metadata: Record<string, string>;
  fieldViolations: { field: string; description: string }[];
}

/** Decodes the google.rpc.Status a call failed with. */
export function decodeError(err: unknown): DecodedError {
  const e = err as ServiceError;
  if (typeof e?.code !== 'number' || !e.metadata) throw err;
  const raw = e.metadata.get('grpc-status-details-bin')[0];
  const decoded: DecodedError = {
    code: e.code,
    message: e.details,
    reason: undefined,
    metadata: {},
    fieldViolations: [],
  };
  if (!raw) return decoded;
  const status = Status.decode(typeof raw === 'string' ? Buffer.from(raw, 'binary') : raw);
  for (const any of status.details) {
    if (any.typeUrl.endsWith('google.rpc.ErrorInfo')) {
      const info = ErrorInfo.decode(any.value);
      decoded.reason = info.reason;
      decoded.metadata = info.metadata;
    } else if (any.typeUrl.endsWith('google.rpc.BadRequest')) {
      decoded.fieldViolations = BadRequest.decode(any.value).fieldViolations;
    }
  }
  return decoded;
}

/** Awaits a call expected to fail and returns its decoded status. */
export async function failure(promise: Promise<unknown>): Promise<DecodedError> {
  try {
    await promise;
  } catch (err) {
    return decodeError(err);
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** The sorted list of fields a BadRequest named. */
export const violatedFields = (e: DecodedError): string[] => e.fieldViolations.map((v) => v.field).sort();
