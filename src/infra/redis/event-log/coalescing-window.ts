/** Subscribers of a service on one instance per base window (WATCH_BATCH_WINDOW_MS). */
const SUBSCRIBERS_PER_WINDOW = 1_000;
/** The longest window, in base windows. */
const MAX_WINDOW_FACTOR = 5;

/**
 * The window of a service followed by `subscribers` on this instance: the
 * base window per 1,000 of them, from 1 to 5 base windows. A pass costs one
 * write per subscriber, so a larger audience gets fewer, larger passes (and
 * messages): at 10,000 subscribers the fan-out would otherwise take the
 * whole CPU and fall behind, which costs them more latency than the window.
 */
export function windowFor(baseMs: number, subscribers: number): number {
  const factor = Math.min(MAX_WINDOW_FACTOR, Math.max(1, subscribers / SUBSCRIBERS_PER_WINDOW));
  return Math.round(baseMs * factor);
}

/**
 * One delivery per window: what arrives within `windowMs` of the previous
 * delivery is held and delivered together when the window closes, so a
 * service's subscribers get one fan-out pass (one message, one HTTP/2 write
 * per batched stream) per window instead of one per change.
 *
 * The first arrival after a quiet spell (nothing delivered for `windowMs`)
 * goes at once: the window costs latency only while changes come faster than
 * one per window, which is when coalescing them pays. The window counts from
 * the end of the previous delivery (when every subscriber's queue has the
 * changes; their writes follow in the same turn), so a long pass does not
 * shorten the gap before the next. With `windowMs` 0 every arrival is
 * delivered at once, as before the window existed.
 */
export class CoalescingWindow<T> {
  private held: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDelivery = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private windowMs: number,
    private readonly deliver: (items: T[]) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new length, used from the next arrival or delivery on. */
  resize(windowMs: number): void {
    this.windowMs = windowMs;
  }

  /** Items waiting for the window to close. */
  get size(): number {
    return this.held.length;
  }

  /** Adds items in order (arrivals of one read stay together). */
  add(items: readonly T[]): void {
    if (items.length === 0 || this.closed) return;
    for (const item of items) this.held.push(item);
    if (this.timer) return;
    const wait = this.lastDelivery + this.windowMs - this.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(this.flush, wait);
  }

  /** Delivers what is held now (the window closing, or before subscribers are ended). */
  readonly flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.held.length === 0) return;
    const items = this.held;
    this.held = [];
    this.deliver(items);
    this.lastDelivery = this.now();
  };

  /** Drops what is held: nobody is left to deliver to. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = [];
  }
}
