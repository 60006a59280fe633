import { Schema } from 'mongoose';
import { schemaOptions } from './schema-options';

/** A one-off data migration that has run on this database (collection `migrations`). */
export interface MigrationDoc {
  _id: string;
  at: Date;
}

export const migrationSchema = new Schema<MigrationDoc>(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { ...schemaOptions, collection: 'migrations' },
);
