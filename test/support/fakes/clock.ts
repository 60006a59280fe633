import type { Clock } from '../../../src/use-cases/ports';

/** The world's time: stands still until a test moves it. */
export class FakeClock {
  private ms: number;

  constructor(start: Date | string = '2030-06-01T06:00:00Z') {
    this.ms = new Date(start).getTime();
  }

  /** The port: a fresh Date each call, so no caller can move the clock by mutating one. */
  readonly now: Clock = () => new Date(this.ms);

  advance(ms: number): Date {
    this.ms += ms;
    return this.now();
  }

  set(at: Date | string): void {
    this.ms = new Date(at).getTime();
  }
}
