/**
 * @module One real S3 endpoint (Ceph radosgw, started by scripts/ceph-rgw.sh) for the whole vitest run.
 * The S3 client helpers for tests are in ./s3Client.ts: this module is loaded by vitest's main process,
 * where importing @aws-sdk/client-s3 would cost about 2.4 s before any test starts (vite transforms
 * its ESM build there).
 *
 * As vitest `globalSetup` it picks a free port, starts the cluster under `.tmp/s3/<vitest pid>/` in the
 * background and returns at once: the start (about 1 s) overlaps with the first test files, so runs
 * that need no S3 pay nothing on the wall clock. Tests wait for it through `s3TestServer()` here, or
 * `s3TestClient()` (whose requests wait until it is ready) and `freshBucket()` in ./s3Client.ts. If it cannot
 * start (radosgw not installed, a timeout), every test that uses these helpers fails with the reason;
 * no test is skipped. Teardown kills the daemons and removes the directory (`TRAILPROOF_S3_KEEP=1`
 * keeps it, with the Ceph logs). The script runs with `--foreground`, as the daemons' parent and
 * supervisor: if vitest is killed before its teardown, the script stops them within a second, and the
 * next run removes the directory.
 *
 * `TRAILPROOF_S3_ENDPOINT` (with `TRAILPROOF_S3_ACCESS_KEY` / `TRAILPROOF_S3_SECRET_KEY`, default the
 * script's keys) points the tests at a server that is already running instead, e.g. one started by hand
 * with `scripts/ceph-rgw.sh .tmp/rgw` to read its logs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { TestProject } from 'vitest/node';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = path.join(ROOT, 'scripts/ceph-rgw.sh');
const RUNS_DIR = path.join(ROOT, '.tmp/s3');
/** The radosgw user the script creates: auth none turns off cephx only, S3 requests are still signed. */
const ACCESS_KEY = 'trailproof-test';
const SECRET_KEY = 'trailproof-test-secret';
const INSTALL_HINT =
  'Install Ceph radosgw: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd ceph-common ' +
  '(.ci/run does this in CI)';
/** Longer than the script's own 60 s limit, so its error message is the one a test sees. */
const READY_TIMEOUT_MS = 90_000;

/** What the global setup hands to the test files (`inject('s3Server')`). */
interface S3TestServer {
  /** `http://127.0.0.1:<port>`; use with `forcePathStyle: true`. */
  readonly endpoint: string;
  readonly region: 'us-east-1';
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** `status.json` of the run, written when the start ended; null for an external server. */
  readonly statusFile: string | null;
}

type Status =
  | { readonly state: 'ready'; readonly startMs: number; readonly pids: readonly number[] }
  | { readonly state: 'failed'; readonly message: string };

declare module 'vitest' {
  export interface ProvidedContext {
    s3Server: S3TestServer;
  }
}

// ---------------------------------------------------------------------------------------------------
// Global setup (runs in vitest's main process)

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops the cluster in `cephDir` (only processes whose command line names its ceph.conf) and waits. */
function stopCluster(cephDir: string): void {
  if (!existsSync(cephDir)) return;
  try {
    execFileSync(SCRIPT, ['--stop', cephDir], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 15_000 });
  } catch (error) {
    console.warn(`[s3Server] could not stop the Ceph daemons in ${cephDir}: ${String(error)}`);
  }
}

/** Removes what runs of vitest that were killed before their teardown left in `.tmp/s3/`. */
function removeStaleRuns(): void {
  if (!existsSync(RUNS_DIR)) return;
  for (const name of readdirSync(RUNS_DIR)) {
    const pid = Number(name);
    if (!/^\d+$/.test(name) || pid === process.pid || isAlive(pid)) continue;
    stopCluster(path.join(RUNS_DIR, name, 'ceph'));
    rmSync(path.join(RUNS_DIR, name), { recursive: true, force: true });
  }
}

function writeStatus(file: string, status: Status): void {
  writeFileSync(`${file}.part`, JSON.stringify(status));
  // Renamed into place, so a reader never sees half a file.
  renameSync(`${file}.part`, file);
}

interface RunningServer {
  /** Stops the daemons and waits until they are gone. */
  stop(): Promise<void>;
}

function startServer(runDir: string, port: number, statusFile: string): RunningServer {
  const cephDir = path.join(runDir, 'ceph');
  const started = performance.now();
  // --foreground: the script stays as the daemons' parent and supervisor. SIGTERM makes it kill and
  // reap them; if this process dies without a teardown, it notices within a second and does the same.
  const child = spawn(SCRIPT, ['--foreground', cephDir, String(port)], {
    detached: true, // its own process group, untouched by a Ctrl-C meant for vitest
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, S3_ACCESS_KEY: ACCESS_KEY, S3_SECRET_KEY: SECRET_KEY },
  });
  let stdout = '';
  let stderr = '';
  let settled = false;
  let stopping = false;
  const failed = (why: string): void => {
    if (settled) return;
    settled = true;
    const hint = /missing .*radosgw|not installed/.test(why) ? `\n${INSTALL_HINT}` : '';
    const message = `The S3 test server (Ceph radosgw) did not start: ${why.trim()}${hint}`;
    writeStatus(statusFile, { state: 'failed', message });
    console.warn(`[s3Server] ${message.split('\n').slice(0, 3).join('\n')}\nTests that need S3 will fail.`);
  };
  child.stdout?.on('data', (d) => {
    stdout += d;
    const pids = /^CEPH_PIDS='([\d ]+)'$/m.exec(stdout)?.[1];
    if (pids !== undefined && !settled) {
      settled = true;
      writeStatus(statusFile, {
        state: 'ready',
        startMs: Math.round(performance.now() - started),
        pids: pids.split(' ').map(Number),
      });
    }
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.on('error', (error) => failed(`cannot run ${SCRIPT}: ${error.message}`));
  const exited = new Promise<void>((resolve) => {
    child.on('close', (code, signal) => {
      if (!stopping) {
        const why = stderr.trim() || `${SCRIPT} exited with ${code ?? signal}`;
        if (settled) console.warn(`[s3Server] the S3 test server stopped during the run: ${why}`);
        else failed(why);
      }
      settled = true;
      resolve();
    });
  });
  return {
    async stop() {
      stopping = true;
      const pid = child.pid;
      if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
        const killGroup = (): void => {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // already gone
          }
        };
        // While starting, the script honours SIGTERM once its current step (at most a few hundred ms)
        // is done; either way it kills and reaps its daemons, so no zombie is left to init.
        child.kill('SIGTERM');
        const timeout = sleep(5_000, 'timeout', { ref: false });
        if ((await Promise.race([exited, timeout])) === 'timeout') killGroup();
      }
      // Safety net (e.g. the script was killed): only processes whose command line names its ceph.conf.
      stopCluster(cephDir);
    },
  };
}

/** vitest globalSetup: starts the server in the background, provides `s3Server`, returns the teardown. */
async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.TRAILPROOF_S3_ENDPOINT;
  if (external) {
    project.provide('s3Server', {
      endpoint: external,
      region: 'us-east-1',
      accessKeyId: process.env.TRAILPROOF_S3_ACCESS_KEY ?? ACCESS_KEY,
      secretAccessKey: process.env.TRAILPROOF_S3_SECRET_KEY ?? SECRET_KEY,
      statusFile: null,
    });
    return undefined;
  }
  removeStaleRuns();
  const runDir = path.join(RUNS_DIR, String(process.pid));
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const statusFile = path.join(runDir, 'status.json');
  const port = await freePort();
  const server = startServer(runDir, port, statusFile);
  project.provide('s3Server', {
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    accessKeyId: ACCESS_KEY,
    secretAccessKey: SECRET_KEY,
    statusFile,
  });
  return async () => {
    await server.stop();
    if (process.env.TRAILPROOF_S3_KEEP !== '1') rmSync(runDir, { recursive: true, force: true });
  };
}

// ---------------------------------------------------------------------------------------------------
// Helpers for test files (run in the test workers)

let ready: Promise<S3TestServer> | undefined;

async function waitUntilReady(server: S3TestServer): Promise<S3TestServer> {
  const { statusFile } = server;
  if (statusFile === null) return server;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (existsSync(statusFile)) {
      const status = JSON.parse(readFileSync(statusFile, 'utf8')) as Status;
      if (status.state === 'ready') return server;
      throw new Error(status.message);
    }
    if (Date.now() > deadline) {
      throw new Error(`The S3 test server (Ceph radosgw) was not ready after ${READY_TIMEOUT_MS / 1000} s`);
    }
    await sleep(25);
  }
}

/**
 * The run's S3 server once it answers (endpoint, region and keys, e.g. for a fault proxy or for code
 * under test that builds its own client). Rejects with the reason when it could not start.
 */
function s3TestServer(): Promise<S3TestServer> {
  ready ??= waitUntilReady(inject('s3Server'));
  return ready;
}

export type { S3TestServer };
export { s3TestServer, setup as default };
