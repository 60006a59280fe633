/**
 * Local servers for dev, tests, chaos and bench: one supervisor
 * (supervisor.ts), restartable servers on it (server.ts), the backing
 * services (backing-services.ts: external, containers or local binaries),
 * and the probes they wait on.
 */
export {
  obtainBackingServices,
  type BackingKind,
  type BackingServices,
  type ObtainOptions,
} from './backing-services';
export { requireFerretdb, requireRedisServer } from './binaries';
export { ferretdbArgs, redisArgs, type FerretdbStorage } from './commands';
export { errorText, freePort, mongoPing, portFree, redisPing, sleep, tailOf, waitUntil } from './probes';
export { ExitedDuringStartup, LocalServer, type LocalServerSpec } from './server';
export { ferretdbBackend, redact, type FerretdbBackend } from './settings';
export { Supervised, type SuperviseSpec } from './supervisor';
