import { Schema } from 'mongoose';
import { schemaOptions } from './schema-options';

/** What a request with a request_id returned (collection `request_log`). */
export interface IdempotencyDoc {
  _id: string;
  fingerprint: string;
  resultId: string;
  createdAt: Date;
  /** `createdAt` in minute buckets (see ../buckets.ts), what the purge selects by. */
  createdBucket?: number;
}

export const idempotencySchema = new Schema<IdempotencyDoc>(
  {
    _id: { type: String, required: true },
    fingerprint: { type: String, required: true },
    resultId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    createdBucket: { type: Number },
  },
  { ...schemaOptions, collection: 'request_log' },
);
idempotencySchema.index({ createdBucket: 1 }, { name: 'created_bucket' });
