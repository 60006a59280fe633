/**
 * Helpers of the idempotency tests (test/integration/idempotency/), on the
 * app of test/support/file-app.ts: users, the stored slots, claims and
 * request log, and a BookSlot whose caller hangs up.
 */
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import * as pb from '../../src/gen/booking/v1/booking_service';
import type { Appointment } from '../../src/gen/booking/v1/resources';
import type { ClaimDoc, IdempotencyDoc, SlotDoc } from '../../src/infra/mongo/models';
import { api, t } from './file-app';
import { newUser, oid } from './ids';

export { newUser, oid };
export const slots = () => t.db.collection<SlotDoc>('slots');
export const claims = () => t.db.collection<ClaimDoc>('appointments');
export const requestLog = () => t.db.collection<IdempotencyDoc>('request_log');
export const storedSlot = async (id: string): Promise<SlotDoc> => (await slots().findOne({ _id: oid(id) }))!;
export const claimsOfSlot = (slotId: string) =>
  claims()
    .find({ slotId: oid(slotId) })
    .toArray();
export const confirmedOfSlot = (slotId: string) =>
  claims()
    .find({ slotId: oid(slotId), status: 'CONFIRMED' })
    .toArray();

export async function book(slotId: string, userId: string, requestId = ''): Promise<Appointment> {
  return (await api.bookSlot({ slotId, userId, requestId })).appointment!;
}

/**
 * Sends BookSlot and hangs up as soon as the server has begun handling it
 * (the server sends its response headers first): the caller never sees the
 * response, the server finishes the work anyway.
 */
export function bookAndHangUp(request: pb.DeepPartial<pb.BookSlotRequest>): Promise<ServiceError | null> {
  return new Promise((resolve) => {
    const callObj = t.client.bookSlot(
      pb.BookSlotRequest.fromPartial(request),
      new Metadata(),
      { deadline: Date.now() + 30_000 },
      (err) => resolve(err),
    );
    callObj.on('metadata', () => callObj.cancel());
  });
}
