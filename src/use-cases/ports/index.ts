/**
 * What the use cases need from the outside world, one file per port.
 * Implemented in `src/infra`, wired in `src/app.ts` and `src/use-cases/index.ts`;
 * each use case receives only the ports it uses.
 */
export * from './claims';
export * from './clock';
export * from './events';
export * from './gate';
export * from './idempotency';
export * from './listing';
export * from './logger';
export * from './places';
export * from './services';
export * from './slots';
