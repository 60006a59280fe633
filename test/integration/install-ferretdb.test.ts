/**
 * `bash scripts/install-ferretdb.sh --check <binary>`: the version check that
 * decides whether `npm run dev` / `npm test` rebuild FerretDB. It once piped
 * `ferretdb --version` into `grep -q` under `set -o pipefail`: grep exited at
 * its match, ferretdb died of SIGPIPE on its next line, and about one check in
 * four failed on a working binary.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'install-ferretdb.sh');
const VERSION = 'v1.24.2';
const RUNS = 100;

interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function check(binary: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, '--check', binary], {
      cwd: ROOT,
      env: { ...process.env, FERRETDB_VERSION: VERSION },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stderr }));
  });
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Where install-ferretdb.sh looks: PATH, then $GOBIN, else $GOPATH/bin (default ~/go/bin). */
function installedFerretdb(): string {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  if (process.env.GOBIN) dirs.push(process.env.GOBIN);
  for (const p of (process.env.GOPATH ?? '').split(path.delimiter)) if (p) dirs.push(path.join(p, 'bin'));
  dirs.push(path.join(os.homedir(), 'go', 'bin'));
  for (const dir of dirs) {
    const bin = path.join(dir, 'ferretdb');
    if (isExecutable(bin)) return bin;
  }
  throw new Error(
    `no ferretdb binary on PATH, in $GOBIN, $GOPATH/bin or ~/go/bin: run \`bash scripts/install-ferretdb.sh\` ` +
      `first (npm test and .ci/run do so when they need it); this test checks the real binary`,
  );
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'install-ferretdb-test-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A stand-in `ferretdb` that prints `firstLine`, then `bulkBytes` more, then exits with `status`. */
function fakeBinary(name: string, firstLine: string, bulkBytes: number, status = 0): string {
  const bulk = path.join(tmp, `${name}.bulk`);
  fs.writeFileSync(bulk, 'commit: unknown\n'.repeat(Math.ceil(bulkBytes / 16)));
  const bin = path.join(tmp, name);
  // `|| exit $?`: a cat killed by SIGPIPE makes the stand-in fail, as ferretdb does
  const script = `#!/bin/sh\nprintf '%s\\n' '${firstLine}'\ncat '${bulk}' || exit $?\nexit ${status}\n`;
  fs.writeFileSync(bin, script, { mode: 0o755 });
  return bin;
}

describe('install-ferretdb.sh --check', () => {
  it(`accepts the real ferretdb binary ${RUNS} times in a row`, async () => {
    const bin = installedFerretdb();
    const failures: string[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const r = await check(bin);
      if (r.status !== 0) failures.push(`run ${i}: exit ${r.status ?? r.signal} ${r.stderr.trim()}`);
    }
    expect(failures).toEqual([]);
  }, 600_000);

  it('accepts a binary whose version line is followed by more output than a pipe holds', async () => {
    // With `--version | grep -q`, grep exits after the first line and the writer
    // is killed by SIGPIPE every time (1 MiB cannot fit in a 64 KiB pipe).
    const bin = fakeBinary('chatty', `version: ${VERSION}`, 1 << 20);
    expect(await check(bin)).toMatchObject({ status: 0 });
  });

  it('refuses another version, a failing binary, a missing file, and a non-executable file', async () => {
    const other = fakeBinary('other', 'version: v1.24.1', 100);
    const panics = fakeBinary('panics', `version: ${VERSION}`, 100, 2);
    const notExecutable = path.join(tmp, 'plain');
    fs.writeFileSync(notExecutable, `version: ${VERSION}\n`, { mode: 0o644 });
    for (const bin of [other, panics, path.join(tmp, 'missing'), notExecutable]) {
      expect({ bin, ...(await check(bin)) }).toMatchObject({ bin, status: 1 });
    }
  });
});
