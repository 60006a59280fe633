// @ts-check
/**
 * Three projects:
 *  - unit:        pure logic, no I/O, no global setup.
 *  - use-cases:   the use cases over in-memory fakes of their ports
 *                 (test/support/fakes): booking rules checked in seconds,
 *                 no databases, no global setup.
 *  - integration: real MongoDB-wire + Redis obtained once per run by
 *                 test/support/global-setup.ts (see scripts/local-servers/backing-services.ts)
 *                 and handed to workers as MONGODB_URI / REDIS_URL.
 * ts-jest transpiles only (tsconfig.jest.json sets isolatedModules); types are
 * checked by `npm run typecheck`.
 */
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }];

/** @type {import('jest').Config} */
const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'use-cases',
      testMatch: ['<rootDir>/test/use-cases/**/*.test.ts'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      // 60 s per test (a project-level `testTimeout` is ignored by Jest 30)
      setupFilesAfterEnv: ['<rootDir>/test/support/integration-timeout.ts'],
    },
  ],
};
