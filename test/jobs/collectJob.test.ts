/**
 * The collect job over a CloudTrail delivery tree of the sample tenant (four accounts, two
 * regions), read through the object-store interface from disk; the S3 twin of these checks runs
 * against a real S3-compatible server in test/adapters/s3/.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTrailFiles } from '../../functions/adapters/fs/writeTrailFiles.js';
import { FsObjectStore } from '../../functions/adapters/store/FsObjectStore.js';
import type { ObjectStore, PutOptions } from '../../functions/adapters/store/ObjectStore.js';
import { parsePeriod } from '../../functions/core/analysis/period.js';
import { publicKeyFromListPublicKeys } from '../../functions/core/collect/digestValidation.js';
import type { TenantAccount } from '../../functions/core/config/tenantConfig.js';
import { generateTenantMonth } from '../../functions/core/sample/generateTenantMonth.js';
import { analyzeJob } from '../../functions/jobs/analyzeJob.js';
import {
  type CollectJobOptions,
  collectJob,
  planCollectShards,
  shardName,
} from '../../functions/jobs/collectJob.js';
import { loadPipelineData } from '../../functions/jobs/loadPipelineData.js';
import { analyzeStagedUnit } from '../../functions/jobs/stagedPartials.js';
import { cloudTrailDigestChains, createDigestSigningKey } from '../helpers/cloudTrailDigests.js';

const data = await loadPipelineData('examples/demo-tenant.yaml');
const window = parsePeriod('2026-10-05');
let work: string;
let trail: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trailproof-collect-'));
  trail = path.join(work, 'bucket');
  // Four days around the period: the day before and the day after must be filtered by eventTime.
  const records = [...generateTenantMonth({ month: '2026-10', targetEvents: 12_000 })].filter(
    (r) => (r.eventTime as string) >= '2026-10-04' && (r.eventTime as string) < '2026-10-07',
  );
  await writeTrailFiles(records, trail);
}, 60_000);

/** A store that remembers the prefixes listed and can fail after a number of writes. */
class WatchedStore implements ObjectStore {
  readonly listed: string[] = [];
  puts = 0;
  failAfterPuts = Number.POSITIVE_INFINITY;
  constructor(private readonly inner: ObjectStore) {}
  get location() {
    return this.inner.location;
  }
  uri(key: string) {
    return this.inner.uri(key);
  }
  list(prefix: string) {
    this.listed.push(prefix);
    return this.inner.list(prefix);
  }
  listPrefixes(prefix: string) {
    this.listed.push(prefix);
    return this.inner.listPrefixes(prefix);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  getWithMetadata(key: string) {
    return this.inner.getWithMetadata(key);
  }
  async put(key: string, body: Uint8Array, options?: PutOptions) {
    if (++this.puts > this.failAfterPuts) throw new Error('simulated crash');
    return this.inner.put(key, body, options);
  }
  recordSource(o: Parameters<ObjectStore['recordSource']>[0]) {
    return this.inner.recordSource(o);
  }
}

function options(
  staging: ObjectStore,
  trailStore: ObjectStore,
  extra: Partial<CollectJobOptions> = {},
): CollectJobOptions {
  return {
    config: data.config,
    window,
    staging,
    openTrail: async (account: TenantAccount) => ({
      kind: 'store',
      store: trailStore,
      location: { bucket: 'local', account: account.id },
    }),
    shardLimits: { maxRecords: 500 },
    ...extra,
  };
}

/** Every committed shard's records, by event id. */
async function committedRecords(dir: string): Promise<string[]> {
  const ids: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.name === 'checkpoint.json') {
        const checkpoint = JSON.parse(await readFile(p, 'utf8'));
        for (const batch of checkpoint.batches)
          for (const shard of batch.shards) {
            const lines = gunzipSync(await readFile(path.join(dir, ...shard.key.split('/')))).toString(
              'utf8',
            );
            for (const line of lines.trimEnd().split('\n')) ids.push(JSON.parse(line).eventID);
          }
      }
    }
  };
  await walk(dir);
  return ids.sort();
}

describe('collectJob', () => {
  it('reads only the day prefixes the period needs and accounts for every record', async () => {
    const staging = path.join(work, 'staging-a');
    const trailStore = new WatchedStore(new FsObjectStore(trail));
    const run = await collectJob(options(new FsObjectStore(staging), trailStore));
    expect(run.accounts.map((a) => a.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const days = new Set(
      trailStore.listed.filter((p) => /\/\d{4}\/\d{2}\/\d{2}\/$/.test(p)).map((p) => p.slice(-11)),
    );
    // The period's day and the day after it (late deliveries), nothing else.
    expect([...days].sort()).toEqual(['2026/10/05/', '2026/10/06/']);
    const ids = await committedRecords(staging);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(run.totals.accepted);
    expect(run.totals.accepted).toBeGreaterThan(300);
    // Events of 6 October in the day-after prefix are counted as outside the period, not lost.
    expect(run.totals.rejected).toBeGreaterThan(0);
    const manifests = run.accounts.flatMap((a) => a.regions).filter((r) => r.committedBatches > 0);
    expect(manifests.length).toBeGreaterThan(4);
  });

  it('is idempotent: a second run reads nothing and changes no byte', async () => {
    const staging = path.join(work, 'staging-b');
    await collectJob(options(new FsObjectStore(staging), new FsObjectStore(trail)));
    const before = await committedRecords(staging);
    const again = await collectJob(options(new FsObjectStore(staging), new FsObjectStore(trail)));
    expect(again.totals.read).toBe(0);
    expect(await committedRecords(staging)).toEqual(before);
  });

  it('resumes from its checkpoint: objects delivered later are read once, in a new batch', async () => {
    const partial = path.join(work, 'bucket-partial');
    await cp(trail, partial, { recursive: true });
    // Remove the afternoon's deliveries of one account-region; they "arrive" before the second run.
    const dayDir = path.join(partial, 'AWSLogs/111111111111/CloudTrail/eu-west-1/2026/10/05');
    const late = (await readdir(dayDir)).filter((f) => /T1[2-9]\d{2}Z/.test(f));
    expect(late.length).toBeGreaterThan(5);
    for (const f of late) await rm(path.join(dayDir, f));
    const staging = path.join(work, 'staging-c');
    const first = await collectJob(options(new FsObjectStore(staging), new FsObjectStore(partial)));
    await cp(trail, partial, { recursive: true });
    const second = await collectJob(options(new FsObjectStore(staging), new FsObjectStore(partial)));
    expect(second.totals.read).toBe(late.length);
    // The day's unit committed a second batch; the day after read nothing new.
    const unit = JSON.parse(
      await readFile(
        path.join(staging, 'staging/acme/2026-10-05/111111111111/2026-10-05/eu-west-1/checkpoint.json'),
        'utf8',
      ),
    );
    expect(unit.batches).toHaveLength(2);
    const prod = second.accounts[0]!.regions.find((r) => r.region === 'eu-west-1')!;
    expect(prod).toMatchObject({ days: 2, committedBatches: 3, failedDays: [] });
    const full = path.join(work, 'staging-c-full');
    const once = await collectJob(options(new FsObjectStore(full), new FsObjectStore(trail)));
    expect(first.totals.accepted + second.totals.accepted).toBe(once.totals.accepted);
    expect(await committedRecords(staging)).toEqual(await committedRecords(full));
  });

  it.each([
    ['one batch per region', 1000],
    ['batches of 40 objects', 40],
  ])('a run killed mid-way resumes with no loss and no double count (%s)', async (label, batchObjects) => {
    const tag = label.replace(/\W+/g, '-');
    const clean = path.join(work, `staging-reference-${tag}`);
    const counting = new WatchedStore(new FsObjectStore(clean));
    await collectJob(options(counting, new FsObjectStore(trail), { batchObjects }));
    const reference = await committedRecords(clean);
    const batches = (await readdir(clean, { recursive: true })).filter((f) =>
      /batches[/\\][^/\\]+\.json$/.test(f),
    );
    const regions = (await readdir(clean, { recursive: true })).filter((f) => f.endsWith('checkpoint.json'));
    // Small batches really split regions into several commits.
    if (batchObjects < 1000) expect(batches.length).toBeGreaterThan(regions.length);
    else expect(batches.length).toBe(regions.length);
    // Every crash point: after each shard, batch manifest, checkpoint or summary write.
    for (let failAfterPuts = 0; failAfterPuts < counting.puts; failAfterPuts++) {
      const staging = path.join(work, `staging-crash-${tag}-${failAfterPuts}`);
      const crashing = new WatchedStore(new FsObjectStore(staging));
      crashing.failAfterPuts = failAfterPuts;
      const crashed = await collectJob(options(crashing, new FsObjectStore(trail), { batchObjects })).catch(
        (e: Error) => e,
      );
      // The crash hit a write (a shard, a batch manifest, a checkpoint or the run summary).
      expect(crashing.puts).toBeGreaterThan(failAfterPuts);
      expect(crashed instanceof Error || crashed.totals.failedUnits > 0).toBe(true);
      await collectJob(options(new FsObjectStore(staging), new FsObjectStore(trail), { batchObjects }));
      const got = await committedRecords(staging);
      expect(got).toEqual(reference);
    }
  });

  it('records an account it cannot open as failed, with the reason, and collects the others', async () => {
    const staging = path.join(work, 'staging-d');
    const run = await collectJob(
      options(new FsObjectStore(staging), new FsObjectStore(trail), {
        openTrail: async (account) => {
          if (account.id === '333333333333')
            throw Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), {
              name: 'AccessDenied',
            });
          return {
            kind: 'store',
            store: new FsObjectStore(trail),
            location: { bucket: 'local', account: account.id },
          };
        },
      }),
    );
    const dev = run.accounts.find((a) => a.account === '333333333333')!;
    expect(dev).toMatchObject({
      status: 'failed',
      reason: 'AccessDenied: User is not authorized to perform: sts:AssumeRole',
    });
    expect(run.accounts.filter((a) => a.status === 'ok')).toHaveLength(3);
    const summary = JSON.parse(
      await readFile(path.join(staging, 'staging/acme/2026-10-05/collect.json'), 'utf8'),
    );
    expect(summary.accounts.find((a: { account: string }) => a.account === '333333333333').status).toBe(
      'failed',
    );
  });

  it('analysing the staging area gives the analysis of the raw trail files, with totals reconciled', async () => {
    const staging = path.join(work, 'staging-e');
    await collectJob(options(new FsObjectStore(staging), new FsObjectStore(trail)));
    const analyse = (input: string, out: string) =>
      analyzeJob({ inputs: [input], outDir: path.join(work, out), data, window, writeFiles: false });
    const staged = await analyse(staging, 'an-staged');
    // The raw files collection reads: the period's day and the day after, nothing else.
    const needed = path.join(work, 'bucket-needed');
    await cp(trail, needed, {
      recursive: true,
      filter: (src) => !/\/\d{4}\/\d{2}\/\d{2}$/.test(src) || /\/2026\/10\/0[56]$/.test(src),
    });
    const raw = await analyse(needed, 'an-raw');
    const { input: a, ...restStaged } = staged.analysis;
    const { input: b, ...restRaw } = raw.analysis;
    expect(a.records).toBe(a.accepted + a.duplicates + a.rejected);
    expect({ ...a, rejections: [], skipped: [] }).toEqual({ ...b, rejections: [], skipped: [] });
    expect(a.rejectionsByCategory['outside-period']).toBeGreaterThan(0);
    expect(restStaged.summary).toEqual(restRaw.summary);
    expect(restStaged.findings.map((f) => [f.id, f.count])).toEqual(
      restRaw.findings.map((f) => [f.id, f.count]),
    );
    expect(restStaged.controls).toEqual(restRaw.controls);
    // The trail objects, not the shards, are the inputs a report's manifest lists.
    expect(staged.inputs.map((o) => o.sha256).sort()).toEqual(
      raw.inputs
        .filter((o) => o.records > 0 || true)
        .map((o) => o.sha256)
        .sort(),
    );
  });

  it('plans trail shards per account × day of delivery × region, and LookupEvents shards per account × region', () => {
    const week = parsePeriod('2026-W41');
    const [first, second] = data.config.accounts;
    const config = {
      ...data.config,
      accounts: [first!, { ...second!, source: { lookupEvents: true as const } }],
    };
    const shards = planCollectShards(config, week);
    const trail = shards.filter((s) => s.account === first!.id);
    // The week's seven days and the Monday after (its files hold the week's last events).
    expect([...new Set(trail.map((s) => s.day))]).toEqual([
      '2026-10-05',
      '2026-10-06',
      '2026-10-07',
      '2026-10-08',
      '2026-10-09',
      '2026-10-10',
      '2026-10-11',
      '2026-10-12',
    ]);
    expect(trail).toHaveLength(8 * config.regions!.length);
    // LookupEvents' quota is per account and region: one shard reads the days in turn.
    expect(shards.filter((s) => s.account === second!.id)).toEqual(
      [...config.regions!].sort().map((region) => ({ account: second!.id, region })),
    );
    // Without configured regions, each day's shard finds the regions in the trail bucket.
    const open = planCollectShards({ ...config, regions: undefined }, week);
    expect(open.filter((s) => s.account === first!.id)).toHaveLength(8);
    expect(new Set(shards.map(shardName)).size).toBe(shards.length);
  });

  it('merging the analyses made per shard gives the single-pass analysis and evidence; stale ones are not used', async () => {
    const staging = path.join(work, 'staging-partials');
    const store = new FsObjectStore(staging);
    const shards = planCollectShards(data.config, window);
    // Account × day × region shards as the pipeline plans them for a config that lists regions:
    // the period's day and the day after it (whose files hold the period's last events).
    expect(shards.length).toBe(data.config.accounts.length * 2 * (data.config.regions?.length ?? 0));
    await collectJob(options(store, new FsObjectStore(trail)));
    const analyse = async (out: string) => {
      const result = await analyzeJob({ inputs: [staging], outDir: path.join(work, out), data, window });
      return {
        analysis: await readFile(result.analysisFile!, 'utf8'),
        evidence: await readFile(result.evidenceFile!, 'utf8'),
      };
    };
    const single = await analyse('an-single');
    // One partial per unit (account × day × region checkpoint), as the map's items make them.
    let analysed = 0;
    const base = 'staging/acme/2026-10-05/';
    const checkpoints = (await readdir(path.join(staging, base), { recursive: true }))
      .filter((f) => f.endsWith('checkpoint.json'))
      .map((f) => `${base}${f.split(path.sep).join('/')}`);
    expect(checkpoints.length).toBeGreaterThan(4);
    for (const checkpointKey of checkpoints)
      analysed += (await analyzeStagedUnit({ staging: store, data, window, checkpointKey })).records;
    const merged = await analyse('an-merged');
    expect(analysed).toBe(JSON.parse(single.analysis).input.accepted);
    expect(merged.analysis).toBe(single.analysis);
    expect(merged.evidence).toBe(single.evidence);
    // A partial's state that is not as its header says: cut short, the records are read again;
    // changed in place, the report stops with the object's name rather than merge it.
    const stateFile = path.join(
      staging,
      (await readdir(staging, { recursive: true })).find((f) => f.endsWith('.v8.gz'))!,
    );
    const state = await readFile(stateFile);
    await writeFile(stateFile, state.subarray(0, state.length - 1));
    const cut = await analyzeJob({
      inputs: [staging],
      outDir: path.join(work, 'an-cut'),
      data,
      window,
    });
    expect(cut.partialsMerged).toBe(0);
    expect(await readFile(cut.analysisFile!, 'utf8')).toBe(single.analysis);
    const changed = Buffer.from(state);
    changed[changed.length - 5]! ^= 0xff;
    await writeFile(stateFile, changed);
    await expect(analyse('an-changed')).rejects.toThrow(
      /\.v8\.gz changed after it was written: delete .*partials/,
    );
    await writeFile(stateFile, state);
    // The merge really used the partials: a corrupt shard record in staging is not read.
    const shardFile = (await readdir(staging, { recursive: true })).find(
      (f) => f.endsWith('.ndjson.gz') && f.includes('shards'),
    )!;
    const original = await readFile(path.join(staging, shardFile));
    await writeFile(path.join(staging, shardFile), 'not gzip');
    expect((await analyse('an-merged-2')).analysis).toBe(single.analysis);
    await writeFile(path.join(staging, shardFile), original);
    // A new batch after the partials were made: they no longer cover the staging area.
    const later = path.join(work, 'trail-later');
    await cp(trail, later, { recursive: true });
    const [first] = (await readdir(later, { recursive: true })).filter((f) =>
      /\/2026\/10\/05\/.*\.json\.gz$/.test(f),
    );
    const copy = path.join(later, first!.replace(/\.json\.gz$/, 'X.json.gz'));
    await cp(path.join(later, first!), copy);
    await collectJob(options(store, new FsObjectStore(later)));
    const fresh = await analyse('an-after');
    const reread = JSON.parse(fresh.analysis);
    // The copy's records are duplicates, counted by the re-read, which a stale merge would miss.
    expect(reread.input.duplicates).toBeGreaterThan(JSON.parse(single.analysis).input.duplicates);
  });

  it('counts an event once when a copy of it is delivered on another day, with or without partials', async () => {
    const redelivered = path.join(work, 'bucket-redelivered');
    await cp(trail, redelivered, { recursive: true });
    const region = 'AWSLogs/111111111111/CloudTrail/eu-west-1/2026';
    const [original] = (await readdir(path.join(redelivered, region, '10/05'))).sort();
    await cp(
      path.join(redelivered, region, '10/05', original!),
      path.join(redelivered, region, '10/06', original!.replace('.json.gz', '_redelivered.json.gz')),
    );
    const staging = path.join(work, 'staging-redelivered');
    const store = new FsObjectStore(staging);
    await collectJob(options(store, new FsObjectStore(redelivered)));
    const analyse = async (out: string) => {
      const result = await analyzeJob({ inputs: [staging], outDir: path.join(work, out), data, window });
      return { result, analysis: JSON.parse(await readFile(result.analysisFile!, 'utf8')) };
    };
    const reread = await analyse('an-redelivered');
    const cleanStaging = path.join(work, 'staging-redelivered-clean');
    await collectJob(options(new FsObjectStore(cleanStaging), new FsObjectStore(trail)));
    const clean = await analyzeJob({
      inputs: [cleanStaging],
      outDir: path.join(work, 'an-redelivered-clean'),
      data,
      window,
      writeFiles: false,
    });
    // The copy's events (in the 6 October unit) are duplicates of the 5 October unit's.
    expect(reread.analysis.input.accepted).toBe(clean.analysis.input.accepted);
    expect(reread.analysis.input.duplicates).toBeGreaterThan(clean.analysis.input.duplicates);
    // Partials made per unit would count them twice: they are not used, the units are read again.
    const base = 'staging/acme/2026-10-05/';
    for (const f of (await readdir(path.join(staging, base), { recursive: true })).filter((f) =>
      f.endsWith('checkpoint.json'),
    ))
      await analyzeStagedUnit({
        staging: store,
        data,
        window,
        checkpointKey: `${base}${f.split(path.sep).join('/')}`,
      });
    const withPartials = await analyse('an-redelivered-partials');
    expect(withPartials.result.partialsMerged).toBe(0);
    expect(withPartials.analysis).toEqual(reread.analysis);
  });

  describe('log file integrity', () => {
    const BUCKET = 'acme-cloudtrail-logs';
    const signingKey = createDigestSigningKey();
    /** A copy of the trail with CloudTrail's hourly digest files (and their S3 metadata) beside it. */
    async function trailWithDigests(name: string): Promise<string> {
      const dir = path.join(work, name);
      await cp(trail, dir, { recursive: true });
      const keys = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.json.gz')).sort();
      const logFiles = await Promise.all(
        keys.map(async (key) => ({
          bucket: BUCKET,
          key,
          bytes: new Uint8Array(await readFile(path.join(dir, key))),
        })),
      );
      const digests = cloudTrailDigestChains({
        bucket: BUCKET,
        trailName: 'acme-org-trail',
        homeRegion: 'eu-west-1',
        firstDigestEnd: '2026-10-04T00:01:31Z',
        // Hourly, through the end of the day after the last day read.
        digestCount: 96,
        logFiles,
        signingKey,
      });
      for (const d of digests) {
        const file = path.join(dir, ...d.key.split('/'));
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, d.bytes);
        await writeFile(`${file}.metadata.json`, JSON.stringify(d.metadata));
      }
      return dir;
    }
    const withKeys = (dir: string): Partial<CollectJobOptions> => ({
      openTrail: async (account) => ({
        kind: 'store',
        store: new FsObjectStore(dir),
        location: { bucket: BUCKET, account: account.id },
        publicKeys: async () => [publicKeyFromListPublicKeys(signingKey.publicKey)],
      }),
    });

    it('verifies every object read against the signed digest chain', async () => {
      const dir = await trailWithDigests('bucket-digests');
      const run = await collectJob(
        options(new FsObjectStore(path.join(work, 'staging-f')), new FsObjectStore(dir), withKeys(dir)),
      );
      const regions = run.accounts.flatMap((a) => a.regions).filter((r) => r.read > 0);
      expect(regions.length).toBeGreaterThan(5);
      for (const r of regions) {
        expect(r.digest?.problems).toEqual([]);
        expect(r.digest?.counts).toEqual({ verified: r.read });
      }
      // The statuses reach the analysis inputs, and from there the report manifest.
      const staged = await analyzeJob({
        inputs: [path.join(work, 'staging-f')],
        outDir: path.join(work, 'an-f'),
        data,
        window,
        writeFiles: false,
      });
      expect(new Set(staged.inputs.map((o) => o.digest))).toEqual(new Set(['verified']));
    });

    it('reports a modified log file as failed and a deleted one as missing', async () => {
      const dir = await trailWithDigests('bucket-tampered');
      const day = path.join(dir, 'AWSLogs/111111111111/CloudTrail/eu-west-1/2026/10/05');
      const files = (await readdir(day)).filter((f) => f.endsWith('.json.gz')).sort();
      const tampered = path.join(day, files[3]!);
      const { gzipSync, gunzipSync: gunzip } = await import('node:zlib');
      const json = gunzip(await readFile(tampered))
        .toString('utf8')
        .replace('"eu-west-1"', '"eu-west-2"');
      await writeFile(tampered, gzipSync(json));
      await rm(path.join(day, files[7]!));
      const run = await collectJob(
        options(new FsObjectStore(path.join(work, 'staging-g')), new FsObjectStore(dir), withKeys(dir)),
      );
      const prod = run.accounts[0]!.regions.find((r) => r.region === 'eu-west-1')!;
      expect(prod.digest?.counts).toEqual({ verified: prod.read - 1, failed: 1, missing: 1 });
      expect(prod.digest?.problems.join('\n')).toContain(files[7]!);
      const checkpoint = JSON.parse(
        await readFile(
          path.join(
            work,
            'staging-g/staging/acme/2026-10-05/111111111111/2026-10-05/eu-west-1/checkpoint.json',
          ),
          'utf8',
        ),
      );
      expect(checkpoint.digest[path.join(day, files[3]!)]).toBe('failed');
    });

    it('checks the digest chain across the days each unit reads: a digest deleted at midnight is a gap, said once', async () => {
      const dir = await trailWithDigests('bucket-midnight');
      const digestDay = path.join(dir, 'AWSLogs/111111111111/CloudTrail-Digest/eu-west-1/2026/10/05');
      const last = (await readdir(digestDay))
        .filter((f) => f.endsWith('.json.gz'))
        .sort()
        .at(-1)!;
      expect(last).toMatch(/_20261005T23\d{4}Z\.json\.gz$/);
      await rm(path.join(digestDay, last));
      const run = await collectJob(
        options(
          new FsObjectStore(path.join(work, 'staging-midnight')),
          new FsObjectStore(dir),
          withKeys(dir),
        ),
      );
      const prod = run.accounts[0]!.regions.find((r) => r.region === 'eu-west-1')!;
      // The first digest of 6 October names the deleted one: the 5 October unit reads both days.
      const gaps = prod.digest!.problems.filter((p) =>
        p.includes('as its previous digest, which is missing'),
      );
      expect(gaps).toHaveLength(1);
      expect(gaps[0]).toContain(last);
      // That hour delivered no log file of this region: every file read is still proven.
      expect(prod.digest!.counts).toEqual({ verified: prod.read });
      // Other regions keep an unbroken chain across the same midnight.
      const other = run.accounts[0]!.regions.find((r) => r.region !== 'eu-west-1' && r.read > 0)!;
      expect(other.digest).toEqual({ counts: { verified: other.read }, problems: [] });
    });

    it('says when CloudTrail public keys cannot be fetched, and keeps the data', async () => {
      const dir = await trailWithDigests('bucket-nokeys');
      const run = await collectJob(
        options(new FsObjectStore(path.join(work, 'staging-h')), new FsObjectStore(dir), {
          openTrail: async (account) => ({
            kind: 'store',
            store: new FsObjectStore(dir),
            location: { bucket: BUCKET, account: account.id },
            publicKeys: async () => {
              throw Object.assign(new Error('not authorized to perform: cloudtrail:ListPublicKeys'), {
                name: 'AccessDeniedException',
              });
            },
          }),
        }),
      );
      const prod = run.accounts[0]!.regions.find((r) => r.region === 'eu-west-1')!;
      expect(prod.status).toBe('ok');
      expect(prod.digest).toEqual({
        counts: { 'not-validated': prod.read },
        problems: [
          'CloudTrail public keys unavailable (ListPublicKeys in eu-west-1: AccessDeniedException: not authorized to perform: cloudtrail:ListPublicKeys)',
        ],
      });
    });
  });
});
