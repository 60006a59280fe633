/**
 * One app for a describe block: `const t = useDescribeApp(env)` inside the
 * describe starts the app before its first test and stops it after its last.
 * `t` reads through to the running app, so tests use it as they would a
 * TestApp of their own (reading it before the app runs throws). `env` may be
 * a function, for settings known only once an earlier beforeAll has run.
 */
import { startTestApp, type TestApp } from './harness';

export function useDescribeApp(env: Record<string, string> | (() => Record<string, string>)): TestApp {
  let running: TestApp | undefined;
  beforeAll(async () => {
    running = await startTestApp(typeof env === 'function' ? env() : env);
  });
  afterAll(() => running?.stop());
  const app = (): TestApp => {
    if (!running) throw new Error('the app of this describe block is not running (yet)');
    return running;
  };
  return new Proxy({} as TestApp, { get: (_, field) => app()[field as keyof TestApp] });
}
