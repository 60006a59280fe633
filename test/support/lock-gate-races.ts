/**
 * The set-up of the race tests (booking-race, holds/race, reschedule/race):
 * the same tests against an app with the booking lock gate on and one with it
 * off, and the settled racers split into winners and the errors of the losers.
 */
import { decodeError, startTestApp, type DecodedError, type TestApp } from './harness';

/**
 * `describe.each` over the lock gate, on and off: `body` registers its tests
 * with the gate's name and the app (started with `env` and the gate), read
 * at each call as it starts before the first test.
 */
export function describeWithLockGateOnAndOff(
  title: string,
  env: Record<string, string>,
  body: (gate: string, app: () => TestApp) => void,
): void {
  describe.each([
    ['on', 'true'],
    ['off', 'false'],
  ])(title, (gate, enabled) => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ ...env, BOOKING_LOCK_ENABLED: enabled });
    });
    afterAll(() => t.stop());
    body(gate, () => t);
  });
}

/** The values of the racers that succeeded, and the decoded errors of those that failed. */
export function winnersAndLosers<T>(results: PromiseSettledResult<T>[]): {
  winners: T[];
  losers: DecodedError[];
} {
  return {
    winners: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    losers: results.flatMap((r) => (r.status === 'rejected' ? [decodeError(r.reason)] : [])),
  };
}
