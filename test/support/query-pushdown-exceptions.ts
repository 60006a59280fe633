/** The exceptions of test/integration/query-pushdown.test.ts. */
import { isEquality, type Query } from './query-pushdown';

/**
 * The deliberate scans. Each must still occur (an exception nothing needs is
 * removed), and only these queries may go without an indexed lookup.
 */
export const EXCEPTIONS: { collection: string; applies: (q: Query) => boolean; reason: string }[] = [
  {
    collection: 'services',
    // MongoServiceRepository.list: `{}` or `{active: true}`, `_id: {$gt: after}`, sorted by `_id`, limited.
    applies: (q) => q.command === 'find' && q.sent.sort !== undefined && !isEquality(q.filter._id),
    reason:
      'ListServices pages through the catalog of services (providers: tens, not thousands) ' +
      'by an `_id` range, which FerretDB does not push down; `active` is not worth an index there',
  },
  {
    collection: 'claim_transitions',
    // MongoClaimRepository.settleTransitions: `{at: {$lte}}`, sorted by `at`, limited.
    applies: (q) => q.command === 'find' && 'at' in q.filter,
    reason:
      'the reconciler reads the transitions left behind: every entry is deleted by its writer ' +
      'as soon as it is applied, so the collection only holds transitions in flight',
  },
];
