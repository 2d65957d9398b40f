/**
 * A sharded run (worker threads, the local twin of the pipeline's Distributed Map) must give
 * byte for byte the analysis and evidence of a single pass over the same files.
 */
import { cp, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeTrailFiles } from '../../functions/adapters/fs/writeTrailFiles.js';
import { orderByGroup, planShards } from '../../functions/core/ingest/planShards.js';
import { generateTenantMonth } from '../../functions/core/sample/generateTenantMonth.js';
import { runCli } from '../helpers/runCli.js';

let work: string;
let input: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trailproof-parallel-'));
  input = path.join(work, 'input');
  await writeTrailFiles(generateTenantMonth({ month: '2026-10', targetEvents: 12_000 }), input);
}, 120_000);

/** `trailproof analyze` of `dir` for October with `jobs` threads: its output and what it wrote. */
async function analyse(dir: string, jobs: string, name: string) {
  const out = path.join(work, name);
  const r = await runCli([
    'analyze',
    dir,
    '--config',
    'examples/demo-tenant.yaml',
    '--period',
    '2026-10',
    '--jobs',
    jobs,
    '--out',
    out,
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const analysis = await readFile(path.join(out, 'analysis.json'), 'utf8');
  return {
    stdout: r.stdout,
    analysis,
    evidence: await readFile(path.join(out, 'evidence.ndjson'), 'utf8'),
    input: JSON.parse(analysis).input as { accepted: number; duplicates: number },
  };
}

describe('parallel analysis', () => {
  it('gives the same analysis.json and evidence.ndjson with 1, 2 and 3 worker threads', async () => {
    const [one, two, three] = [
      await analyse(input, '1', 'jobs-1'),
      await analyse(input, '2', 'jobs-2'),
      await analyse(input, '3', 'jobs-3'),
    ];
    // The runs really used that many threads.
    expect(one!.stdout).not.toContain('worker threads');
    expect(two!.stdout).toContain('Threads   2 worker threads');
    expect(three!.stdout).toContain('Threads   3 worker threads');
    expect(one!.input.accepted).toBeGreaterThan(10_000);
    expect(two!.analysis).toBe(one!.analysis);
    expect(three!.analysis).toBe(one!.analysis);
    expect(two!.evidence).toBe(one!.evidence);
    expect(three!.evidence).toBe(one!.evidence);
  }, 180_000);

  it('counts once an event delivered again weeks later, though its copies land in different shards', async () => {
    const copied = path.join(work, 'input-redelivered');
    await cp(input, copied, { recursive: true });
    const region = path.join(copied, 'AWSLogs/111111111111/CloudTrail/eu-west-1/2026/10');
    const [first] = (await readdir(path.join(region, '02'))).sort();
    await cp(
      path.join(region, '02', first!),
      path.join(region, '28', first!.replace('.json.gz', '_again.json.gz')),
    );
    const original = await analyse(input, '1', 'original');
    const one = await analyse(copied, '1', 'redelivered-1');
    const two = await analyse(copied, '2', 'redelivered-2');
    expect(one.input.accepted).toBe(original.input.accepted);
    expect(one.input.duplicates).toBeGreaterThan(original.input.duplicates);
    expect(two.analysis).toBe(one.analysis);
    expect(two.evidence).toBe(one.evidence);
  }, 240_000);
});

describe('planShards', () => {
  const file = (account: string, region: string, day: string, name: string, size = 100) => ({
    path: `/x/AWSLogs/${account}/CloudTrail/${region}/2026/10/${day}/${name}.json.gz`,
    size,
  });

  it('keeps order, balances by bytes and never splits an account/region/day group', () => {
    const files = [
      file('111111111111', 'eu-west-1', '01', 'a', 500),
      file('111111111111', 'eu-west-1', '01', 'b', 500),
      file('111111111111', 'eu-west-1', '02', 'c', 100),
      file('111111111111', 'us-east-1', '01', 'd', 100),
      file('222222222222', 'eu-west-1', '01', 'e', 100),
      file('222222222222', 'eu-west-1', '01', 'f', 100),
    ];
    const shards = planShards(files, 2);
    expect(shards.flat()).toEqual(files);
    expect(shards.map((s) => s.map((f) => f.path.at(-9)))).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e', 'f'],
    ]);
  });

  it('puts the organization-trail and account-trail copies of a day in the same shard', () => {
    // Sorted by path, the two copies are far apart; grouping brings them together.
    const files = [
      { path: '/x/AWSLogs/111111111111/CloudTrail/eu-west-1/2026/10/01/acct.json.gz', size: 100 },
      { path: '/x/AWSLogs/222222222222/CloudTrail/eu-west-1/2026/10/01/other.json.gz', size: 100 },
      { path: '/x/AWSLogs/o-abc123defg/111111111111/CloudTrail/eu-west-1/2026/10/01/org.json.gz', size: 100 },
    ];
    const shards = planShards(orderByGroup(files), 2);
    const withOrg = shards.find((s) => s.some((f) => f.path.endsWith('org.json.gz')))!;
    expect(withOrg.map((f) => f.path.split('/').at(-1))).toEqual(['acct.json.gz', 'org.json.gz']);
  });
});
