import type { IdempotencyRecord, IdempotencyStore } from '../../use-cases/ports';
import type { IdempotencyDoc, Models } from './models';
import { CREATED_BUCKET_MS, createdBucketOf, wholeBucketsBefore } from './buckets';
import { isDuplicateKeyError } from './object-ids';

export class MongoIdempotencyStore implements IdempotencyStore {
  constructor(private readonly models: Pick<Models, 'requests'>) {}

  async find(key: string): Promise<IdempotencyRecord | null> {
    const doc = await this.models.requests.findById(key).lean<IdempotencyDoc>().exec();
    return doc ? toRecord(doc) : null;
  }

  async save(record: IdempotencyRecord): Promise<IdempotencyRecord | null> {
    try {
      await this.models.requests.insertMany(
        [
          {
            _id: record.key,
            fingerprint: record.fingerprint,
            resultId: record.resultId,
            createdAt: record.createdAt,
            createdBucket: createdBucketOf(record.createdAt),
          },
        ],
        { lean: true },
      );
      return null;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return this.find(record.key);
    }
  }

  /** One `{createdBucket}` delete per whole minute bucket in [from, cutoff). */
  async deleteCreatedBefore(opts: { from: Date; cutoff: Date }): Promise<number> {
    let deleted = 0;
    for (const bucket of wholeBucketsBefore(opts.from, opts.cutoff, CREATED_BUCKET_MS)) {
      deleted += (await this.models.requests.deleteMany({ createdBucket: bucket }).exec()).deletedCount;
    }
    return deleted;
  }
}

const toRecord = (doc: IdempotencyDoc): IdempotencyRecord => ({
  key: doc._id,
  fingerprint: doc.fingerprint,
  resultId: doc.resultId,
  createdAt: doc.createdAt,
});
