/**
 * `npm run token` as a user runs it (the real CLI through npm): where the
 * signing secret comes from, and clear refusals of bad arguments or a missing
 * secret. Tokens are checked with jose, as the service checks them.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { jwtVerify } from 'jose';

const REPO = path.resolve(__dirname, '../..');
const TIMEOUT_MS = 60_000;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let dataDir: string;

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-token-test-'));
});
afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** `npm run --silent token -- ...args` with no AUTH_* variables but `extra`, on the test's data dir. */
function token(args: string[], extra: Record<string, string> = {}): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AUTH_')) delete env[name];
  Object.assign(env, { BOOKING_DEV_DATA_DIR: dataDir }, extra);
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'token', '--', ...args], { cwd: REPO, env }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const verify = (jwt: string, secret: string, issuer = 'booking', audience = 'booking') =>
  jwtVerify(jwt.trim(), new TextEncoder().encode(secret), { issuer, audience, algorithms: ['HS256'] });

it(
  'signs with the dev secret saved by `npm run dev` when no AUTH_* variable is set',
  async () => {
    const saved = { secret: 's'.repeat(40), issuer: 'booking', audience: 'booking' };
    fs.writeFileSync(path.join(dataDir, 'dev-auth.json'), JSON.stringify(saved), { mode: 0o600 });
    const r = await token(['--sub', 'bob', '--roles', 'user,admin', '--ttl', '2h']);
    expect(r).toMatchObject({ code: 0 });
    const { payload } = await verify(r.stdout, saved.secret);
    expect(payload).toMatchObject({ sub: 'bob', roles: ['user', 'admin'] });
    expect(payload.exp! - payload.iat!).toBe(7200);
    expect(r.stderr).toContain('dev-auth.json');
  },
  TIMEOUT_MS,
);

it(
  'signs with AUTH_JWT_SECRET alone (issuer and audience default to "booking", as in docker-compose.yml)',
  async () => {
    const secret = 'e'.repeat(48);
    const r = await token(['--sub', 'alice', '--roles', 'user'], { AUTH_JWT_SECRET: secret });
    expect(r).toMatchObject({ code: 0 });
    await expect(verify(r.stdout, secret)).resolves.toBeDefined();
  },
  TIMEOUT_MS,
);

it.each([
  [['--sub', 'a', '--roles', 'user', '--ttl', 'abc'], /--ttl must be .* got "abc"/],
  [
    ['--sub', 'a', '--roles', 'superuser'],
    /"superuser" is not a role; use one or more of admin, provider, service, user/,
  ],
])(
  'refuses %j with exit code 2, the reason and the usage',
  async (args, message) => {
    fs.writeFileSync(
      path.join(dataDir, 'dev-auth.json'),
      JSON.stringify({ secret: 's'.repeat(40), issuer: 'b', audience: 'b' }),
    );
    const r = await token(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('usage: npm run --silent token --');
  },
  TIMEOUT_MS,
);

it(
  'says where a secret would come from when there is none',
  async () => {
    const r = await token(['--sub', 'a', '--roles', 'user']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `AUTH_JWT_SECRET is not set and there is no dev secret in ${dataDir}/dev-auth.json`,
    );
    expect(r.stderr).toContain('npm run dev');
  },
  TIMEOUT_MS,
);

it(
  'refuses an AUTH_JWT_SECRET the server would refuse',
  async () => {
    const r = await token(['--sub', 'a', '--roles', 'user'], { AUTH_JWT_SECRET: 'short' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/AUTH_JWT_SECRET must be at least 32 characters/);
  },
  TIMEOUT_MS,
);
