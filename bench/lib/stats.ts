/**
 * A mergeable latency histogram (milliseconds) with ~1% relative precision:
 * workers send theirs to the orchestrator, which merges them and reads
 * percentiles over every sample without shipping the samples.
 */
const BASE = 0.001; // 1 µs: values below land in the first bucket
const GROWTH = Math.log(1.01);

export interface HistogramJson {
  n: number;
  sum: number;
  min: number;
  max: number;
  negatives: number;
  buckets: [number, number][];
}

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class Histogram {
  private readonly counts = new Map<number, number>();
  n = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Samples below zero (recorded as zero), e.g. a delivery seen before its commit was timed. */
  negatives = 0;

  record(value: number): void {
    this.n += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value < 0) this.negatives += 1;
    const idx = value <= BASE ? 0 : Math.ceil(Math.log(value / BASE) / GROWTH);
    this.counts.set(idx, (this.counts.get(idx) ?? 0) + 1);
  }

  merge(other: Histogram | HistogramJson): this {
    const o = other instanceof Histogram ? other.toJSON() : other;
    if (o.n === 0) return this;
    this.n += o.n;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
    this.negatives += o.negatives;
    for (const [idx, count] of o.buckets) this.counts.set(idx, (this.counts.get(idx) ?? 0) + count);
    return this;
  }

  /** The value at quantile q (0..1), to ~1%; never above the largest sample. */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (const idx of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(idx)!;
      if (seen >= rank)
        return Math.min(this.max, Math.max(this.min, idx === 0 ? 0 : BASE * Math.exp(idx * GROWTH)));
    }
    return this.max;
  }

  summary(): Summary {
    return {
      n: this.n,
      mean: this.n ? this.sum / this.n : NaN,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.n ? this.max : NaN,
    };
  }

  toJSON(): HistogramJson {
    return {
      n: this.n,
      sum: this.sum,
      min: this.min,
      max: this.max,
      negatives: this.negatives,
      buckets: [...this.counts.entries()],
    };
  }

  static from(json: HistogramJson): Histogram {
    return new Histogram().merge(json);
  }
}

export const mergeAll = (parts: readonly HistogramJson[]): Histogram =>
  parts.reduce((h, p) => h.merge(p), new Histogram());

/** Adds counters by key: {a: 1} + {a: 2, b: 1} = {a: 3, b: 1}. */
export function addCounts(
  into: Record<string, number>,
  from: Record<string, number>,
): Record<string, number> {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** after - before, per key, dropping zeros. */
export function diffCounts(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

export const total = (counts: Record<string, number>): number =>
  Object.values(counts).reduce((a, b) => a + b, 0);

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Polls `count` every `pollMs` until it reaches `target`, stays the same for `stallMs`, or `maxMs` have passed. */
export async function waitForCount(
  count: () => Promise<number>,
  target: number,
  o: { pollMs: number; stallMs: number; maxMs: number },
): Promise<void> {
  const deadline = Date.now() + o.maxMs;
  let seen = -1;
  let still = Date.now();
  while (Date.now() < deadline) {
    const n = await count();
    if (n >= target) return;
    if (n !== seen) {
      seen = n;
      still = Date.now();
    } else if (Date.now() - still > o.stallMs) return;
    await sleep(o.pollMs);
  }
}
