// Jest applies a project's `testTimeout` only from the top-level config, so the
// integration project sets its per-test timeout here (setupFilesAfterEnv).
jest.setTimeout(60_000);
