import type { AnyBulkWriteOperation, Document } from 'mongodb';
import type { ClaimDoc, IdempotencyDoc, Models, SlotDoc } from './models';
import { createdBucketOf, updatedBucketOf } from './buckets';
import { isDuplicateKeyError } from './object-ids';
import { serviceDayOf, widenSlotDays } from './slot-days';

/** The migration that fills the query fields; recorded in `migrations` once done. */
export const QUERY_FIELDS_MIGRATION = 'query-fields-v1';
const BATCH = 500;

/**
 * Fills the fields the queries select by in documents written before they
 * existed (a MongoDB database of an earlier version): slots' `serviceDay`,
 * `hold` and `updatedBucket`, services' `slotDays`, claims' `updatedBucket`
 * (and VOID claims' `voidBucket`), request_log's `createdBucket`. Runs at
 * start-up, in batches, and only once per database (a `migrations` entry
 * records it, so later starts cost one point read). Each write sets values
 * derived from the document itself, so instances running it at once agree.
 * Instances of an earlier version still writing during a rolling upgrade
 * write documents without these fields: upgrade them all before relying on it,
 * or delete the `migrations` entry and restart one instance to run it again.
 */
export async function backfillQueryFields(models: Models): Promise<void> {
  if (await models.migrations.exists({ _id: QUERY_FIELDS_MIGRATION })) return;

  // Slots written before `serviceDay` existed, and each service's first and last day among them
  // (slots written since widened their service's `slotDays` themselves).
  const ranges = new Map<string, { service: SlotDoc['serviceId']; first: string; last: string }>();
  await inBatches<SlotDoc>(
    models.slots.collection.find(
      {
        $or: [
          { serviceDay: { $exists: false } },
          { updatedBucket: { $exists: false } },
          { hold: { $exists: false } },
        ],
      },
      { batchSize: BATCH },
    ),
    (s) => {
      const day = s.startTime.toISOString().slice(0, 10);
      const range = ranges.get(s.serviceId.toHexString());
      if (!range) ranges.set(s.serviceId.toHexString(), { service: s.serviceId, first: day, last: day });
      else {
        if (day < range.first) range.first = day;
        if (day > range.last) range.last = day;
      }
      return {
        updateOne: {
          filter: { _id: s._id },
          update: {
            $set: {
              serviceDay: serviceDayOf(s.serviceId, s.startTime),
              hold: s.status === 'LOCKED' && s.holdId !== null,
              updatedBucket: updatedBucketOf(s.updatedAt),
            },
          },
        },
      };
    },
    (ops) => models.slots.collection.bulkWrite(ops, { ordered: false }),
  );
  for (const { service: id, first, last } of ranges.values()) await widenSlotDays(models, id, first, last);

  await inBatches<ClaimDoc>(
    models.claims.collection.find(
      { $or: [{ updatedBucket: { $exists: false } }, { status: 'VOID', voidBucket: { $exists: false } }] },
      { batchSize: BATCH },
    ),
    (c) => ({
      updateOne: {
        filter: { _id: c._id },
        update: {
          $set: {
            updatedBucket: updatedBucketOf(c.updatedAt ?? c.createdAt),
            ...(c.status === 'VOID' ? { voidBucket: createdBucketOf(c.createdAt) } : {}),
          },
        },
      },
    }),
    (ops) => models.claims.collection.bulkWrite(ops, { ordered: false }),
  );

  await inBatches<IdempotencyDoc>(
    models.requests.collection.find({ createdBucket: { $exists: false } }, { batchSize: BATCH }),
    (r) => ({
      updateOne: {
        filter: { _id: r._id } as Document,
        update: { $set: { createdBucket: createdBucketOf(r.createdAt) } },
      },
    }),
    (ops) => models.requests.collection.bulkWrite(ops, { ordered: false }),
  );

  await models.migrations
    .updateOne({ _id: QUERY_FIELDS_MIGRATION }, { $set: { at: new Date() } }, { upsert: true })
    .exec()
    .catch((err: unknown) => {
      // Two instances upserting at once: the other one recorded it.
      if (!isDuplicateKeyError(err)) throw err;
    });
}

async function inBatches<D>(
  docs: AsyncIterable<unknown>,
  op: (doc: D) => AnyBulkWriteOperation,
  write: (ops: AnyBulkWriteOperation[]) => Promise<unknown>,
): Promise<void> {
  let ops: AnyBulkWriteOperation[] = [];
  for await (const doc of docs) {
    ops.push(op(doc as D));
    if (ops.length >= BATCH) {
      await write(ops);
      ops = [];
    }
  }
  if (ops.length > 0) await write(ops);
}
