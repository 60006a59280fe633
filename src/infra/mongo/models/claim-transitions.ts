import { Schema, type Types } from 'mongoose';
import { schemaOptions } from './schema-options';

/**
 * A decided transition of a claim (collection `claim_transitions`), `_id`
 * `<claim id>:<revision it creates>`. Inserting it is what decides the
 * transition: the unique `_id` admits one transition from each revision,
 * atomically on every MongoDB-wire backend (FerretDB 1.x applies a
 * conditional update as a read followed by a write of the whole document, so
 * two conditional updates of one claim can both "succeed"). Its writer then
 * applies `set` to the claim and deletes it; one left behind (a crash in
 * between) is applied by whoever next touches the claim, or by the reconciler.
 */
export interface TransitionDoc {
  _id: string;
  claimId: Types.ObjectId;
  rev: number;
  set: Record<string, unknown>;
  at: Date;
}

export const transitionSchema = new Schema<TransitionDoc>(
  {
    _id: { type: String, required: true },
    claimId: { type: Schema.Types.ObjectId, required: true },
    rev: { type: Number, required: true },
    set: { type: Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
  },
  { ...schemaOptions, collection: 'claim_transitions' },
);
// The reconciler's scan for transitions left behind.
transitionSchema.index({ at: 1 }, { name: 'at' });
