/**
 * Coarse time buckets: how periodic work finds what changed recently with
 * equality lookups only (FerretDB on PostgreSQL pushes top-level equality down
 * to SQL, served by an index; a range on a date is decoded and filtered in Go
 * over the whole collection). A bucket is written in the same write as the
 * time it is derived from, so a time range is exactly the union of a few
 * buckets, each one indexed equality query.
 */

/** `updatedBucket` of slots and claims: 10-second buckets of `updatedAt`. */
export const UPDATE_BUCKET_MS = 10_000;
/**
 * `createdBucket` of request_log entries and `voidBucket` of VOID claims:
 * minute buckets of `createdAt`. Purges delete whole buckets, so an entry is
 * kept between the retention and the retention plus a minute.
 */
export const CREATED_BUCKET_MS = 60_000;

export const updatedBucketOf = (at: Date): number => Math.floor(at.getTime() / UPDATE_BUCKET_MS);
export const createdBucketOf = (at: Date): number => Math.floor(at.getTime() / CREATED_BUCKET_MS);

/** The buckets of `width` that the times [from, to] fall in, oldest first. */
export function bucketsBetween(from: Date, to: Date, width: number): number[] {
  const first = Math.floor(from.getTime() / width);
  const last = Math.floor(to.getTime() / width);
  const out: number[] = [];
  for (let b = first; b <= last; b++) out.push(b);
  return out;
}

/** The buckets of `width` that lie wholly in [from, before): what a purge up to `before` may delete. */
export function wholeBucketsBefore(from: Date, before: Date, width: number): number[] {
  const first = Math.floor(from.getTime() / width);
  const end = Math.floor(before.getTime() / width); // the bucket `before` falls in is not whole yet
  const out: number[] = [];
  for (let b = first; b < end; b++) out.push(b);
  return out;
}

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight, results
 * in the order of `items`. `stop`, checked as results come in order, ends the
 * run early (no further calls are started).
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
  stop: (resultsSoFar: R[]) => boolean = () => false,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += concurrency) {
    const chunk = await Promise.all(items.slice(i, i + concurrency).map(fn));
    results.push(...chunk);
    if (stop(results)) break;
  }
  return results;
}

/** Point reads of each id once (an `$in` is not pushed down by FerretDB), 8 at once; missing ids left out. */
export async function readEach<T>(
  ids: readonly string[],
  read: (id: string) => Promise<T | null>,
): Promise<T[]> {
  const found = await mapBounded([...new Set(ids)], 8, read);
  return found.filter((x): x is T => x !== null);
}

/**
 * Looks records changed in [from, to] up one `updatedBucket` at a time
 * (`lookup`), a few at once, oldest first, until `limit` rows are found;
 * keeps those whose `updatedAt` is in [from, to], oldest change first.
 */
export async function inBuckets<T extends { updatedAt: Date }>(
  from: Date,
  to: Date,
  limit: number,
  lookup: (bucket: number) => Promise<T[]>,
): Promise<{ rows: T[]; through: Date }> {
  if (to < from) return { rows: [], through: to };
  const buckets = bucketsBetween(from, to, UPDATE_BUCKET_MS);
  const perBucket = await mapBounded(
    buckets,
    4,
    lookup,
    (sofar) => sofar.reduce((n, rows) => n + rows.length, 0) >= limit,
  );
  const rows = perBucket
    .flat()
    .filter((r) => r.updatedAt >= from && r.updatedAt <= to)
    .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
  const complete = perBucket.length === buckets.length;
  const lastRead = buckets[perBucket.length - 1]!;
  return { rows, through: complete ? to : new Date((lastRead + 1) * UPDATE_BUCKET_MS - 1) };
}
