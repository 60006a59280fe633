/** The app the fuzz tests run against: started in a file's beforeAll, stopped in its afterAll. */
import { rpc, startTestApp, type Rpc, type TestApp } from '../harness';

export class FuzzApp {
  t!: TestApp;
  api!: Rpc;

  async start(): Promise<void> {
    this.t = await startTestApp({
      RECONCILER_ENABLED: 'false',
      METRICS_ENABLED: 'false',
      // Bounded work for generated ranges, and room for many sequential watches.
      MAX_SLOTS_PER_GENERATION: '200',
      WATCH_MAX_STREAMS_PER_PRINCIPAL: '1000',
      WATCH_HEARTBEAT_MS: '60000',
    });
    this.api = rpc(this.t.client);
  }

  async stop(): Promise<void> {
    await this.t?.stop();
  }
}
