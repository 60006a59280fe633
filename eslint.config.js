// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/** Layer rule: the domain is plain TypeScript, with no I/O or transport imports. */
const DOMAIN_FORBIDDEN = [
  {
    group: ['mongoose', 'mongodb', 'ioredis', '@sesamecare-oss/redlock', '@grpc/*', 'pino'],
    message: 'src/domain has no I/O or transport dependencies',
  },
  {
    group: ['**/gen/**', '**/infra/**', '**/rpc/**', '**/use-cases/**'],
    message: 'src/domain depends on nothing else in src',
  },
];

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/gen/', 'coverage/', '.tmp/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: DOMAIN_FORBIDDEN }] },
  },
  {
    files: ['src/use-cases/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['mongoose', 'mongodb', 'ioredis', '@grpc/*', '**/gen/**', '**/rpc/**', '**/infra/**'],
              message: 'use cases talk to ports, not to infrastructure or transport',
            },
          ],
        },
      ],
    },
  },
  {
    // Tooling runs local servers from scripts/local-servers, never from test code. The one exception
    // left: bench/transition-cost.ts drives an in-process app through the test harness and factories.
    files: ['scripts/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/test/**', '!**/test/factories', '!**/test/support/harness'],
              message: 'dev and bench tooling do not import test code (local servers: scripts/local-servers)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
