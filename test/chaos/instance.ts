/**
 * One booking instance of a chaos run (`node --import tsx src/main.ts` on a
 * fixed port), a scripts/local-servers LocalServer restarted in place after
 * each kill.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import { LocalServer } from '../../scripts/local-servers';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Whether a booking instance answers a cheap RPC. */
export function instanceReady(port: number, timeoutMs = 1_000): Promise<boolean> {
  const client = new BookingServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise<boolean>((resolve) => {
    client.listServices(
      { pageSize: 1, pageToken: '', activeOnly: false, showDeleted: false },
      { deadline: Date.now() + timeoutMs } as never,
      (err) => resolve(!err),
    );
  }).finally(() => client.close());
}

export interface InstanceSettings {
  reconcilerIntervalMs: number;
  reconcilerGraceMs: number;
  holdConfirmMarginMs: number;
  logLevel: string;
}

/** A booking instance on a fixed port; restarted in place after each kill. */
export class Instance {
  private readonly server: LocalServer;
  starts = 0;
  kills = 0;
  /** When it last became ready / went down, for the timeline. */
  downSince: number | null = null;

  constructor(
    readonly index: number,
    readonly port: number,
    readonly logFile: string,
    dir: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.server = new LocalServer({
      name: this.name,
      port,
      dir,
      logFile,
      pidFile: path.join(dir, `${this.name}.pid`),
      command: process.execPath,
      args: ['--import', 'tsx', 'src/main.ts'],
      env,
      cwd: REPO_ROOT,
      ready: () => instanceReady(port),
    });
  }

  get name(): string {
    return `booking-${this.index}`;
  }

  get up(): boolean {
    return this.starts > 0 && this.downSince === null;
  }

  async start(timeoutMs = 60_000): Promise<number> {
    const t0 = Date.now();
    this.starts += 1;
    fs.appendFileSync(this.logFile, `--- chaos: start #${this.starts} at ${new Date().toISOString()} ---\n`);
    await this.server.start(timeoutMs);
    this.downSince = null;
    return Date.now() - t0;
  }

  async sigkill(): Promise<void> {
    this.downSince = Date.now();
    this.kills += 1;
    fs.appendFileSync(this.logFile, `--- chaos: SIGKILL at ${new Date().toISOString()} ---\n`);
    await this.server.kill();
  }

  async stop(): Promise<void> {
    this.downSince ??= Date.now();
    await this.server.kill();
  }
}
