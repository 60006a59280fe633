import { Schema, type Types } from 'mongoose';
import { schemaOptions } from './schema-options';

/**
 * One update of a service (collection `service_changes`), `_id`
 * `<service id>:<revision it creates>`. Inserting it decides the update: the
 * unique `_id` admits one update from each revision, atomically on every
 * MongoDB-wire backend (a conditional update cannot decide it on FerretDB
 * 1.x). Its writer then writes `set` to the service; an entry whose writer
 * crashed before that is written by the next update that finds it. Kept: the
 * service's change history (who, when, which fields).
 */
export interface ServiceChangeDoc {
  _id: string;
  serviceId: Types.ObjectId;
  revision: number;
  set: Record<string, unknown>;
  by: string;
  paths: string[];
  at: Date;
}

export const serviceChangeSchema = new Schema<ServiceChangeDoc>(
  {
    _id: { type: String, required: true },
    serviceId: { type: Schema.Types.ObjectId, required: true },
    revision: { type: Number, required: true },
    set: { type: Schema.Types.Mixed, required: true },
    by: { type: String, required: true },
    paths: { type: [String], required: true },
    at: { type: Date, required: true },
  },
  { ...schemaOptions, collection: 'service_changes' },
);
