/**
 * One delivery per window: what arrives within `windowMs` of the previous
 * delivery is held and delivered together when the window closes, so a
 * service's subscribers get one fan-out pass (one message, one HTTP/2 write
 * per batched stream) per window instead of one per change.
 *
 * The first arrival after a quiet spell (nothing delivered for `windowMs`)
 * goes at once: the window costs latency only while changes come faster than
 * one per window, which is when coalescing them pays. The window counts from
 * the end of the previous delivery, so however long a pass over many
 * subscribers takes, the event loop gets `windowMs` for their writes before
 * the next one. With `windowMs` 0 every arrival is delivered at once, as
 * before the window existed.
 */
export class CoalescingWindow<T> {
  private held: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastDelivery = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly windowMs: number,
    private readonly deliver: (items: T[]) => void,
    private readonly now: () => number = Date.now,
  ) {}

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
