/**
 * Helpers of the reconciler tests (test/integration/reconciler/): the settings
 * they start apps with, and raw access to an app's database for crafting the
 * leftovers of a crash and checking their repair.
 */
import type { Types } from 'mongoose';
import { updatedBucketOf } from '../../src/infra/mongo/buckets';
import type { ClaimDoc, IdempotencyDoc, SlotDoc } from '../../src/infra/mongo/models';
import { claimDocument } from '../factories';
import type { TestApp } from './harness';
import { oid } from './ids';

export const RECONCILER_ENV = {
  RECONCILER_ENABLED: 'false',
  RECONCILER_GRACE_MS: '0',
  REQUEST_ID_RETENTION_MS: '60000',
};

export const secondsAgo = (s: number): Date => new Date(Date.now() - s * 1_000);

/** Raw access to an app's database, for crafting leftovers and checking repairs. */
export function storeOf(t: TestApp) {
  const slots = t.db.collection<SlotDoc>('slots');
  const claims = t.db.collection<ClaimDoc>('appointments');
  const store = {
    slots,
    claims,
    requests: t.db.collection<IdempotencyDoc>('request_log'),
    slot: async (id: string | Types.ObjectId): Promise<SlotDoc> =>
      (await slots.findOne({ _id: typeof id === 'string' ? oid(id) : id }))!,
    claim: async (id: Types.ObjectId): Promise<ClaimDoc> => (await claims.findOne({ _id: id }))!,
    /** Sets a slot's projection as a crashed write left it (changed `changedAt`, a second ago by default). */
    async setSlot(
      slotId: string,
      to: Partial<Pick<SlotDoc, 'status' | 'appointmentId' | 'holdId' | 'holdExpiresAt'>>,
      changedAt = secondsAgo(1),
    ): Promise<SlotDoc> {
      await slots.updateOne(
        { _id: oid(slotId) },
        {
          $set: {
            appointmentId: null,
            holdId: null,
            holdExpiresAt: null,
            ...to,
            // The query fields the service writes in the same write (src/infra/mongo/buckets.ts).
            hold: to.status === 'LOCKED' && (to.holdId ?? null) !== null,
            updatedAt: changedAt,
            updatedBucket: updatedBucketOf(changedAt),
          },
          $inc: { revision: 1 },
        },
      );
      return store.slot(slotId);
    },
    /** Inserts a claim on the slot (see claimDocument). */
    async insertClaim(slotId: string, overrides: Partial<ClaimDoc> = {}): Promise<ClaimDoc> {
      const doc = claimDocument(await store.slot(slotId), overrides);
      await claims.insertOne(doc);
      return doc;
    },
  };
  return store;
}
