/** A remembered result of a request carrying a request_id (AIP-155). */
export interface IdempotencyRecord {
  key: string;
  fingerprint: string;
  resultId: string;
  createdAt: Date;
}

export interface IdempotencyStore {
  find(key: string): Promise<IdempotencyRecord | null>;
  /** Saves a record; returns the one already stored under that key, if any. */
  save(record: IdempotencyRecord): Promise<IdempotencyRecord | null>;
  /** Deletes records created from about `from` to before `cutoff`, as deleteVoidCreatedBefore. */
  deleteCreatedBefore(opts: { from: Date; cutoff: Date }): Promise<number>;
}
