/**
 * @module `npm run bench:collect [-- --events N]`: collect the same generated trail tree (N events
 * as .json.gz files in the AWSLogs layout) once from local disk and once from S3 (a Ceph radosgw
 * started for the run, scripts/ceph-rgw.sh), with staging on local disk both times, and report
 * throughput (events/s, MB/s of gzip read) and peak RSS of each phase.
 *
 * Each phase runs in its own process so each peak RSS is its own. With `--live-heap` each phase
 * also samples the heap after full collections (slower), the measure of what is really retained:
 * run it at two sizes to see how memory grows with the number of objects.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeTrailFiles } from '../functions/adapters/fs/writeTrailFiles.js';
import { FsObjectStore } from '../functions/adapters/store/FsObjectStore.js';
import type { ObjectStore } from '../functions/adapters/store/ObjectStore.js';
import { S3ObjectStore } from '../functions/adapters/store/S3ObjectStore.js';
import { parsePeriod } from '../functions/core/analysis/period.js';
import { generateTenantMonth } from '../functions/core/sample/generateTenantMonth.js';
import { collectJob } from '../functions/jobs/collectJob.js';
import { loadPipelineData } from '../functions/jobs/loadPipelineData.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    month: { type: 'string', default: '2026-10' },
    phase: { type: 'string' },
    endpoint: { type: 'string' },
    'read-ahead': { type: 'string', default: '16' },
    'live-heap': { type: 'boolean', default: false },
  },
});
const targetEvents = Number(values.events);
const root = path.resolve('.tmp', 'bench', `collect-${targetEvents}`);
const input = path.join(root, 'input');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const BUCKET = 'bench-trail';
const KEYS = { accessKeyId: 'trailproof-test', secretAccessKey: 'trailproof-test-secret' };

function s3Client(endpoint: string): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: KEYS });
}

/** One phase, in this process: collect the tree from disk or from S3 into a fresh staging folder. */
async function runPhase(phase: 'disk' | 's3'): Promise<void> {
  const data = await loadPipelineData('examples/demo-tenant.yaml');
  const staging = path.join(root, `staging-${phase}`);
  rmSync(staging, { recursive: true, force: true });
  const store: ObjectStore =
    phase === 'disk' ? new FsObjectStore(input) : new S3ObjectStore(s3Client(values.endpoint!), BUCKET);
  // With --expose-gc: the live heap after a full collection, sampled, shows what is really retained.
  const gc = (globalThis as { gc?: () => void }).gc;
  let liveHeapMb = 0;
  const sampler = gc
    ? setInterval(() => {
        gc();
        liveHeapMb = Math.max(liveHeapMb, process.memoryUsage().heapUsed / 1048576);
      }, 250)
    : null;
  const started = performance.now();
  const run = await collectJob({
    config: { ...data.config, regions: undefined },
    window: parsePeriod(values.month!),
    staging: new FsObjectStore(staging),
    readAhead: Number(values['read-ahead']),
    openTrail: async (account) => ({
      kind: 'store',
      store,
      location: { bucket: phase === 'disk' ? input : BUCKET, account: account.id },
    }),
  });
  const seconds = (performance.now() - started) / 1000;
  if (sampler) clearInterval(sampler);
  process.stdout.write(
    `${JSON.stringify({ phase, seconds, objects: run.totals.read, records: run.totals.accepted, rejected: run.totals.rejected, maxRssMb: process.resourceUsage().maxRSS / 1024, liveHeapMb })}\n`,
  );
}

function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.json.gz')).sort();
}

async function ensureInput(): Promise<void> {
  if (existsSync(path.join(root, 'generated.json'))) return;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const written = await writeTrailFiles(generateTenantMonth({ month: values.month!, targetEvents }), input);
  writeFileSync(path.join(root, 'generated.json'), JSON.stringify(written));
}

async function main(): Promise<void> {
  await ensureInput();
  if (values.phase) return runPhase(values.phase as 'disk' | 's3');
  const files = listFiles(input);
  const bytes = files.reduce((n, f) => n + statSync(path.join(input, f)).size, 0);
  process.stdout.write(`${fmt(files.length)} objects, ${(bytes / 1048576).toFixed(1)} MB gzip\n`);

  const cephDir = path.join(root, 'ceph');
  const started = spawnSync('bash', ['scripts/ceph-rgw.sh', cephDir, '7491'], { encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`radosgw did not start: ${started.stderr}`);
  const endpoint = /S3_ENDPOINT=(\S+)/.exec(started.stdout)?.[1];
  if (!endpoint) throw new Error(`no endpoint in: ${started.stdout}`);
  try {
    const s3 = s3Client(endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (let i = 0; i < files.length; i += 32) {
      await Promise.all(
        files
          .slice(i, i + 32)
          .map((f) =>
            s3.send(
              new PutObjectCommand({ Bucket: BUCKET, Key: f, Body: readFileSync(path.join(input, f)) }),
            ),
          ),
      );
    }
    const results = (['disk', 's3'] as const).map((phase) => {
      const child = spawnSync(
        process.execPath,
        [
          ...(values['live-heap'] ? ['--expose-gc'] : []),
          '--import',
          'tsx',
          'bench/collectBench.ts',
          '--phase',
          phase,
          '--events',
          String(targetEvents),
          '--endpoint',
          endpoint,
          '--read-ahead',
          values['read-ahead']!,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        },
      );
      if (child.status !== 0) throw new Error(`${phase} phase failed: ${child.stderr}`);
      return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as {
        phase: string;
        seconds: number;
        objects: number;
        records: number;
        maxRssMb: number;
        liveHeapMb: number;
      };
    });
    for (const r of results) {
      process.stdout.write(
        `${r.phase.padEnd(5)} ${fmt(r.objects)} objects, ${fmt(r.records)} records in ${r.seconds.toFixed(2)} s: ${fmt(r.records / r.seconds)} events/s, ${(bytes / 1048576 / r.seconds).toFixed(1)} MB/s gzip, peak RSS ${fmt(r.maxRssMb)} MB${r.liveHeapMb ? `, live heap ${r.liveHeapMb.toFixed(1)} MB` : ''}\n`,
      );
    }
    const [disk, s3r] = results;
    process.stdout.write(`S3 / disk time: ${(s3r!.seconds / disk!.seconds).toFixed(2)}\n`);
  } finally {
    spawnSync('bash', ['scripts/ceph-rgw.sh', '--stop', cephDir]);
  }
}

await main();
