/** A stretch of time [from, to] (ms) that a periodic job examines in one go. */
export interface Stretch {
  from: number;
  to: number;
  kind: 'new' | 'backlog';
}

/**
 * Which stretches of time a periodic job (a reconciler pass over what
 * changed, a purge of what expired) examines, so that each pass costs what
 * happened since the last one rather than everything stored:
 * - the new stretch: from the last examined point (minus `overlapMs`, for
 *   writes that land late) up to now, at most `maxSpanMs` per pass;
 * - at start-up, nothing has been examined by this process: the new stretch
 *   is the latest `maxSpanMs`, and the rest of the window, back to `floor`,
 *   is a backlog examined `maxSpanMs` per pass, newest first (what a crash
 *   just before a restart left is repaired first), once.
 * A stretch that fails is not marked done and is examined again next pass.
 */
export class Sweep {
  private high: number | null = null;
  private backlog: { at: number; end: number } | null = null;

  constructor(private readonly opts: { overlapMs: number; maxSpanMs: number }) {}

  /** The stretches to examine now, for the window [floor, to]. */
  plan(floor: number, to: number): Stretch[] {
    const { overlapMs, maxSpanMs } = this.opts;
    const out: Stretch[] = [];
    if (this.high === null) {
      const from = Math.max(floor, to - maxSpanMs);
      this.backlog = from > floor ? { at: floor, end: from } : null;
      if (from <= to) out.push({ from, to, kind: 'new' });
    } else {
      const from = Math.max(floor, this.high - overlapMs);
      if (from <= to) out.push({ from, to: Math.min(to, from + maxSpanMs), kind: 'new' });
    }
    if (this.backlog) {
      const at = Math.max(this.backlog.at, floor);
      if (at >= this.backlog.end) this.backlog = null;
      else
        out.push({ from: Math.max(at, this.backlog.end - maxSpanMs), to: this.backlog.end, kind: 'backlog' });
    }
    return out;
  }

  /** Whether some of the start-up window is still to be examined. */
  hasBacklog(): boolean {
    return this.backlog !== null;
  }

  /** Marks `stretch` examined in full. */
  done(stretch: Stretch): void {
    if (stretch.kind === 'new') {
      this.high = Math.max(this.high ?? stretch.to, stretch.to);
    } else if (this.backlog) {
      this.backlog.end = Math.min(this.backlog.end, stretch.from);
      if (this.backlog.at >= this.backlog.end) this.backlog = null;
    }
  }
}
