/**
 * A unary gRPC call as a promise, and the ErrorInfo reason of a failed call:
 * the bench's load and the tests that drive the service over gRPC (chaos
 * traffic, pool-wedge) call the generated client the same way.
 */
import { Metadata, type CallOptions, type ServiceError } from '@grpc/grpc-js';
import { ErrorInfo } from '../../src/gen/google/rpc/error_details';
import { Status } from '../../src/gen/google/rpc/status';

/** A unary method of a generated client, in its (request, metadata, options, callback) form. */
export type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, res: Res) => void,
) => unknown;

/** Calls `method` of `client`: `unaryCall(c, c.bookSlot, req, md, { deadline })`; rejects with the ServiceError. */
export function unaryCall<Req, Res>(
  client: object,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata = new Metadata(),
  options: Partial<CallOptions> = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadata, options, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** The ErrorInfo reason in a failed call's status details (undefined when there is none or they do not decode). */
export function errorInfoReason(err: Partial<ServiceError>): string | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!raw) return undefined;
  let reason: string | undefined;
  try {
    const status = Status.decode(typeof raw === 'string' ? Buffer.from(raw, 'binary') : raw);
    for (const any of status.details) {
      if (any.typeUrl.endsWith('google.rpc.ErrorInfo')) reason = ErrorInfo.decode(any.value).reason;
    }
  } catch {
    // undecodable details: no reason
  }
  return reason;
}
