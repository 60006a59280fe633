/**
 * `npm run dev` as a user runs it: the real command (npm -> sh -> bash
 * scripts/dev.sh -> node), in its own process group, on a throw-away data dir
 * (BOOKING_DEV_DATA_DIR), with its own FerretDB and Redis.
 *
 *  1. One SIGINT to the whole process group (what a terminal's Ctrl-C does)
 *     drains: an open WatchSlotAvailability stream ends UNAVAILABLE /
 *     SHUTTING_DOWN, and no ferretdb or redis-server is left running. It
 *     listens on 127.0.0.1 only, keeps its dev secret in a 0600 file, and
 *     `npm run token` with no AUTH_* variables mints a token it accepts.
 *  2. Started again on the same data dir, it accepts the token minted during
 *     the first run; a BIND_HOST set by the user wins over the loopback
 *     default; a Ctrl-C that arrives twice at once still drains.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { credentials, status as Code } from '@grpc/grpc-js';
import { BookingServiceClient, WatchSlotAvailabilityRequest } from '../../src/gen/booking/v1/booking_service';
import { serviceInput } from '../factories';
import { failure, rpc } from '../support/harness';
import { bearer, hsToken, newHsAuth } from '../support/tokens';
import { until, Watch } from '../support/watch-client';
import {
  DevRun,
  TEST_TIMEOUT_MS,
  descendants,
  devEnv,
  listeningAddresses,
  mintCli,
  stillRunning,
  type Banner,
  type Proc,
} from '../support/dev-runner';

describe('npm run dev', () => {
  let dataDir: string;
  let current: DevRun | undefined;
  let started: Proc[] = [];
  let bobToken = '';
  let serviceName = '';

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-dev-test-'));
  });
  afterAll(async () => {
    if (current && current.child.exitCode === null && current.child.signalCode === null) {
      current.kill(stillRunning(started).map((p) => p.pid));
      await current.closed;
    }
    // mkdtemp's dir is 0700, so (as root) the cluster lives where the postgres user can reach it
    const elsewhere = path.join(dataDir, 'postgres', 'PGDATA-IS-ELSEWHERE');
    const where = fs.existsSync(elsewhere)
      ? /are in (\S+)\/pgdata:/.exec(fs.readFileSync(elsewhere, 'utf8'))
      : null;
    if (where?.[1]) fs.rmSync(where[1], { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Starts dev and remembers everything it started (the databases, their supervisors). */
  async function startDev(extra: Record<string, string> = {}): Promise<{ run: DevRun; banner: Banner }> {
    const run = new DevRun(devEnv(dataDir, extra));
    current = run;
    const banner = await run.banner();
    started = descendants(run.pgid);
    return { run, banner };
  }

  /** Waits for the run to end; checks it drained, and that nothing it started is left. */
  async function expectDrainedAndGone(run: DevRun): Promise<void> {
    await run.closed;
    expect(run.output).toMatch(/\[dev\] SIGINT: draining calls/);
    expect(run.output).toMatch(/\[dev\] service drained and stopped/);
    expect(run.output).toMatch(/\[dev\] stopped/);
    expect(run.output).not.toMatch(/exiting now/);
    await until(() => stillRunning(started).length === 0, 'every process dev started to be gone', {
      timeoutMs: 30_000,
      detail: () => JSON.stringify(stillRunning(started)),
    });
  }

  it(
    'drains on one Ctrl-C to its process group, listens on 127.0.0.1, and serves tokens from `npm run token`',
    async () => {
      const { run, banner } = await startDev();
      const names = started.map((p) => p.name);
      expect(names).toEqual(expect.arrayContaining(['ferretdb', 'redis-server']));

      // Loopback only, as printed.
      expect(banner.host).toBe('127.0.0.1');
      expect(banner.metricsHost).toBe('127.0.0.1');
      expect(listeningAddresses(banner.port)).toEqual(['127.0.0.1']);
      expect(listeningAddresses(banner.metricsPort)).toEqual(['127.0.0.1']);

      // The dev secret is kept, private.
      expect(fs.statSync(path.join(dataDir, 'dev-auth.json')).mode & 0o777).toBe(0o600);

      // `npm run token` in a shell without AUTH_*: signs with the dev secret.
      const minted = await mintCli(['--sub', 'bob', '--roles', 'user', '--ttl', '12h'], devEnv(dataDir));
      expect(minted).toMatchObject({ code: 0 });
      bobToken = minted.stdout.trim();

      const client = new BookingServiceClient(`127.0.0.1:${banner.port}`, credentials.createInsecure());
      try {
        const api = rpc(client);
        serviceName = `dev-runner ${Date.now()}`;
        const created = await api.createService(
          { service: serviceInput({ name: serviceName }) },
          bearer(banner.adminToken),
        );
        const watch = new Watch(
          client.watchSlotAvailability(
            WatchSlotAvailabilityRequest.fromPartial({
              serviceId: created.service!.id,
              sendInitialSnapshot: true,
            }),
            bearer(bobToken),
          ),
        );
        await watch.synced();

        run.signalGroup('SIGINT');

        const end = await watch.failure(60_000);
        expect({ code: end.code, reason: end.reason }).toEqual({
          code: Code.UNAVAILABLE,
          reason: 'SHUTTING_DOWN',
        });
        await expectDrainedAndGone(run);
      } finally {
        client.close();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'accepts, after a restart on the same data dir, a token minted during the first run; BIND_HOST set by the user wins',
    async () => {
      expect(bobToken).not.toBe('');
      const { run, banner } = await startDev({ BIND_HOST: '0.0.0.0' });
      expect(listeningAddresses(banner.port)).toEqual(['0.0.0.0']);
      expect(listeningAddresses(banner.metricsPort)).toEqual(['127.0.0.1']);

      const client = new BookingServiceClient(`127.0.0.1:${banner.port}`, credentials.createInsecure());
      try {
        const api = rpc(client);
        const { services } = await api.listServices({ pageSize: 100 }, bearer(bobToken));
        expect(services.map((s) => s.name)).toContain(serviceName);
        // ...and one signed with another secret is refused: authentication is on.
        const other = await hsToken(
          { ...newHsAuth(), issuer: 'booking', audience: 'booking' },
          { roles: ['user'] },
        );
        const refused = await failure(api.listServices({ pageSize: 1 }, bearer(other)));
        expect(refused.code).toBe(Code.UNAUTHENTICATED);
      } finally {
        client.close();
      }

      // A Ctrl-C that arrives twice at once (a terminal's, and the copy a
      // wrapper passes on) is one request to drain.
      run.signalGroup('SIGINT');
      run.signalGroup('SIGINT');
      await expectDrainedAndGone(run);
    },
    TEST_TIMEOUT_MS,
  );
});
