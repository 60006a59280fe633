/**
 * Sending any bytes as the request of an RPC, whatever they encode, and
 * seeing how the call ended.
 */
import * as grpc from '@grpc/grpc-js';
import * as pb from '../../../src/gen/booking/v1/booking_service';

export type Method = keyof typeof pb.BookingServiceService;
export const METHODS = Object.keys(pb.BookingServiceService) as Method[];
const pathOf = (m: Method): string => pb.BookingServiceService[m].path;

export interface Result {
  code: grpc.status;
  details: string;
}

/** Sends `bytes` as the request of a unary method; resolves with the status (0 when OK). */
export function sendUnary(
  client: grpc.Client,
  method: Method,
  bytes: Buffer,
  metadata = new grpc.Metadata(),
): Promise<Result> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      pathOf(method),
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadata,
      { deadline: Date.now() + 10_000 },
      (err) =>
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' }),
    );
  });
}

/**
 * Opens WatchSlotAvailability with `bytes`: its status if it ends within
 * 100 ms (or after its first message, when it is then cancelled), else OK
 * (accepted and streaming; cancelled).
 */
function sendWatch(client: grpc.Client, bytes: Buffer, metadata = new grpc.Metadata()): Promise<Result> {
  return new Promise((resolve) => {
    const call = client.makeServerStreamRequest(
      pathOf('watchSlotAvailability'),
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      metadata,
      { deadline: Date.now() + 10_000 },
    );
    let accepted = false;
    const accept = (): void => {
      accepted = true;
      call.cancel();
    };
    const timer = setTimeout(accept, 100);
    call.on('data', accept);
    call.on('error', () => undefined);
    call.on('status', (s: grpc.StatusObject) => {
      clearTimeout(timer);
      resolve(
        accepted && s.code === grpc.status.CANCELLED
          ? { code: grpc.status.OK, details: '' }
          : { code: s.code, details: s.details },
      );
    });
  });
}

/** Sends `bytes` as the request of `method`, unary or the watch. */
export const send = (
  client: grpc.Client,
  method: Method,
  bytes: Buffer,
  metadata?: grpc.Metadata,
): Promise<Result> =>
  method === 'watchSlotAvailability'
    ? sendWatch(client, bytes, metadata)
    : sendUnary(client, method, bytes, metadata);
