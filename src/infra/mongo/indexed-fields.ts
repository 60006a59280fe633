/**
 * The top-level fields each collection is looked up by: every query on a
 * request path or in periodic work selects by equality on one of these
 * (FerretDB on PostgreSQL pushes top-level equality down to SQL as
 * `_jsonb->'field' @> value`, which only a GIN expression index on that field
 * serves; MongoDB serves them with the indexes declared in models/). What
 * the PostgreSQL provisioning indexes, and what
 * test/integration/query-pushdown.test.ts holds every captured query to: one
 * list, so that a new lookup field cannot ship without its index.
 *
 * Not listed: the migrations' one-off scans at start-up (backfill.ts), and
 * the two deliberate scans named in that test (the services catalog listing,
 * the claim_transitions scan of pending entries).
 */
export const EQUALITY_FIELDS = {
  services: ['_id'],
  slots: ['_id', 'serviceDay', 'updatedBucket', 'hold'],
  appointments: ['_id', 'slotClaim', 'userId', 'status', 'updatedBucket', 'voidBucket'],
  claim_transitions: ['_id'],
  service_changes: ['_id'],
  slot_places: ['_id', 'updatedBucket'],
  request_log: ['_id', 'createdBucket'],
  migrations: ['_id'],
} as const satisfies Record<string, readonly string[]>;

export type CollectionName = keyof typeof EQUALITY_FIELDS;

/**
 * Equality conditions that only ever come with an `_id` equality (the
 * conditions of a conditional write of one document): checked on the row the
 * `_id` lookup finds, so not indexed (an index on them would only cost
 * writes). BookSlot's `service_id` (slots `serviceId`), unblocking a slot
 * (`status`, `holdId: null`), the reconciler's repair (`revision`), a claim
 * transition (`rev`), a service's block of its slots (`blockedBy`), a service update
 * (`revision`).
 */
export const CONDITION_FIELDS: Partial<Record<CollectionName, readonly string[]>> = {
  services: ['revision'],
  slots: ['serviceId', 'status', 'holdId', 'revision', 'blockedBy', 'capacity', 'placesRev'],
  appointments: ['rev'],
};
