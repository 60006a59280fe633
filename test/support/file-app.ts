/**
 * One app for a whole test file: `useFileApp(env)` starts it before the file's
 * first test and stops it after the last. `t` and `api` are live bindings, set
 * once the app runs (Jest loads this module afresh for each test file).
 */
import { rpc, startTestApp, type Rpc, type TestApp } from './harness';

export let t: TestApp;
export let api: Rpc;

export function useFileApp(env: Record<string, string>): void {
  beforeAll(async () => {
    t = await startTestApp(env);
    api = rpc(t.client);
  });
  afterAll(() => t.stop());
}
