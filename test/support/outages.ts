/**
 * Helpers of the outage tests (test/integration/outages/): calls with a
 * deadline, outcomes instead of throws, and a race of bookings for one slot.
 */
import { Metadata } from '@grpc/grpc-js';
import type { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import { call, decodeError, type Rpc, type UnaryMethod } from './harness';

/** A unary call with a deadline `ms` from now. */
export function callWithin<Req, Res>(
  client: BookingServiceClient,
  method: UnaryMethod<Req, Res>,
  request: Req,
  ms: number,
): Promise<Res> {
  return call(client, method, request, new Metadata(), { deadline: Date.now() + ms });
}

/** The outcome of a call instead of a throw: the response, or the decoded status. */
export async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: T } | { err: ReturnType<typeof decodeError> }> {
  try {
    return { ok: await promise };
  } catch (err) {
    return { err: decodeError(err) };
  }
}

export async function race(api: Rpc, slotId: string, racers: number) {
  const results = await Promise.all(
    Array.from({ length: racers }, (_, i) => settle(api.bookSlot({ slotId, userId: `racer-${i}` }))),
  );
  const winners = results.flatMap((r) => ('ok' in r ? [r.ok.appointment!] : []));
  const losers = results.flatMap((r) => ('err' in r ? [r.err] : []));
  return { winners, losers };
}
