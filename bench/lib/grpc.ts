/** The gRPC side of the load: clients, a promise wrapper, and error reasons. */
import { credentials, Metadata, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { BookingServiceClient, ListServicesRequest } from '../../src/gen/booking/v1/booking_service';
import { errorInfoReason, unaryCall, type UnaryMethod } from './grpc-calls';
import { sleep } from './stats';

export { BookingServiceClient };

/**
 * A client with its own connection (`use_local_subchannel_pool`), so that
 * several clients in one process spread calls over several HTTP/2 connections.
 */
export function newClient(target: string, tag = 0, options: ChannelOptions = {}): BookingServiceClient {
  return new BookingServiceClient(target, credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    'grpc.bench_tag': tag,
    ...options,
  });
}

/** Calls a unary method of `client`: `call(c, c.bookSlot, req)`. */
export function call<Req, Res>(
  client: BookingServiceClient,
  method: UnaryMethod<Req, Res>,
  request: Req,
  opts: { metadata?: Record<string, string>; deadlineMs?: number } = {},
): Promise<Res> {
  const md = new Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  return unaryCall(client, method, request, md, {
    deadline: new Date(Date.now() + (opts.deadlineMs ?? 120_000)),
  });
}

export interface Failure {
  code: number;
  reason: string;
}

/** gRPC code and the ErrorInfo reason of a failed call ("" when there is none). */
export function failureOf(err: unknown): Failure {
  const e = err as Partial<ServiceError>;
  if (typeof e?.code !== 'number') return { code: -1, reason: String(err) };
  return { code: e.code, reason: errorInfoReason(e) ?? '' };
}

/** "ABORTED/SLOT_BUSY", "INTERNAL", ... */
export function failureLabel(f: Failure): string {
  const names: Record<number, string> = {
    1: 'CANCELLED',
    2: 'UNKNOWN',
    3: 'INVALID_ARGUMENT',
    4: 'DEADLINE_EXCEEDED',
    5: 'NOT_FOUND',
    8: 'RESOURCE_EXHAUSTED',
    9: 'FAILED_PRECONDITION',
    10: 'ABORTED',
    13: 'INTERNAL',
    14: 'UNAVAILABLE',
  };
  const name = names[f.code] ?? `code ${f.code}`;
  return f.reason ? `${name}/${f.reason}` : name;
}

/** Waits until the server answers a call. */
export async function waitForServer(rpc: BookingServiceClient, deadline: number): Promise<void> {
  for (;;) {
    try {
      await call(rpc, rpc.listServices, ListServicesRequest.fromPartial({ pageSize: 1 }), {
        deadlineMs: 2_000,
      });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}
