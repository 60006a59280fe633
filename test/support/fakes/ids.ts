/**
 * Ids shaped like the database's (24 hex characters, increasing in creation
 * order, as ObjectIds are within one process): request parsing and hold
 * tokens insist on that shape, and listings order by it.
 */
export class IdSource {
  private n = 0;

  constructor(private readonly prefix: string) {
    if (!/^[0-9a-f]{1,8}$/.test(prefix)) throw new Error(`id prefix must be hex: ${prefix}`);
  }

  readonly next = (): string => {
    this.n += 1;
    return this.prefix + this.n.toString(16).padStart(24 - this.prefix.length, '0');
  };
}

/** Deep copies: a fake hands out and keeps its own records, as a database does. */
export const copy = <T>(value: T): T => structuredClone(value);

/** Whether `at` lies in [from, to]. */
export const within = (at: Date, from: Date, to: Date): boolean => at >= from && at <= to;

/**
 * Whether `createdAt` falls in a whole minute bucket of [from, before): what a
 * purge by minute buckets deletes (see src/infra/mongo/buckets.ts).
 */
export function inWholeMinutesBefore(createdAt: Date, from: Date, before: Date): boolean {
  const minute = (d: Date): number => Math.floor(d.getTime() / 60_000);
  return minute(createdAt) >= minute(from) && minute(createdAt) < minute(before);
}
