/**
 * The apps of the watch tests (test/integration/watch/ and
 * watch-multi-instance/): `useWatchApp(env)` starts one app before the
 * describe's first test, `useTwoWatchApps(env)` two on the same database and
 * Redis; the streams a test opened with `watch` are cancelled after it, and
 * the apps stop after the last test. `t`, `api`, `a`, `b`, `apiA` and `apiB`
 * are live bindings, set once the apps run (Jest loads this module afresh for
 * each test file).
 */
import { rpc, startTestApp, type Rpc, type TestApp } from './harness';
import { openWatch, until, type Watch } from './watch-client';

export let t: TestApp;
export let api: Rpc;
const opened: Watch[] = [];
/** openWatch, the stream cancelled after the test if it is still open. */
export const watch = (...args: Parameters<typeof openWatch>): Watch => {
  const w = openWatch(...args);
  opened.push(w);
  return w;
};

const cancelOpened = (): void => {
  for (const w of opened.splice(0)) if (!w.ended) w.cancel();
};

export function useWatchApp(env: Record<string, string>): void {
  beforeAll(async () => {
    t = await startTestApp(env);
    api = rpc(t.client);
  });
  afterEach(cancelOpened);
  afterAll(() => t.stop());
}

export let a: TestApp;
export let b: TestApp;
export let apiA: Rpc;
export let apiB: Rpc;

export function useTwoWatchApps(env: Record<string, string>): void {
  beforeAll(async () => {
    a = await startTestApp(env);
    b = await startTestApp(env, { database: a.database });
    apiA = rpc(a.client);
    apiB = rpc(b.client);
  });
  afterEach(cancelOpened);
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });
}

/** Polls an app's watch bookkeeping until it matches `expected`. */
export async function statsReach(
  t: TestApp,
  expected: { tails: number; subscribers: number; streams: number },
) {
  let last = t.app.watchStats();
  await until(
    () => {
      last = t.app.watchStats();
      return (
        last.tails === expected.tails &&
        last.subscribers === expected.subscribers &&
        last.streams === expected.streams
      );
    },
    `watchStats ${JSON.stringify(expected)}`,
    { detail: () => `last: ${JSON.stringify(last)}` },
  );
}
export const NOTHING = { tails: 0, subscribers: 0, streams: 0 };
