/** What measuring one backend's growth needs. */
import type { DatabaseProcesses } from '../lib/db-cpu';
import type { BookingServiceClient } from '../lib/grpc';
import type { Server } from '../lib/server';
import type { Backend, GrowthOptions } from './options';

export interface Rig {
  backend: Backend;
  opts: GrowthOptions;
  deadline: number;
  checkCap(where: string): void;
  server: Server;
  rpc: BookingServiceClient;
  dbProcs: Pick<DatabaseProcesses, 'roots' | 'missing'>;
  /** Whether the wrapper could time the reconciler's passes. */
  hooked: boolean;
  serverStartedAt: number;
}
