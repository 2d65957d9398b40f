/**
 * @module One measured phase of `npm run bench`, run in its own process so peak RSS is its own.
 *
 *   bare <dir>            read + gunzip + JSON.parse every file: the floor any analysis pays
 *   analyze <dir> <out> [jobs]   the full `trailproof analyze` job (identity, rules, evidence.ndjson,
 *                                analysis.json), with that many worker threads (default: auto)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { analyzeJob } from '../functions/jobs/analyzeJob.js';
import { loadPipelineData } from '../functions/jobs/loadPipelineData.js';

function* walk(dir: string): Generator<string> {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(full);
    else if (e.name.endsWith('.json.gz')) yield full;
  }
}

function bare(dir: string) {
  const started = performance.now();
  let files = 0;
  let events = 0;
  let compressed = 0;
  let decompressed = 0;
  for (const file of walk(dir)) {
    const raw = readFileSync(file);
    const text = gunzipSync(raw);
    const doc = JSON.parse(text.toString('utf8')) as { Records: unknown[] };
    files++;
    events += doc.Records.length;
    compressed += raw.length;
    decompressed += text.length;
  }
  return {
    files,
    events,
    compressedBytes: compressed,
    decompressedBytes: decompressed,
    ms: performance.now() - started,
  };
}

async function analyze(dir: string, out: string, jobs: number | undefined) {
  const config = fileURLToPath(new URL('../examples/demo-tenant.yaml', import.meta.url));
  const data = await loadPipelineData(config);
  const started = performance.now();
  const result = await analyzeJob({ inputs: [dir], outDir: out, data, jobs });
  return {
    files: result.analysis.input.sources,
    events: result.analysis.input.accepted,
    actors: result.analysis.actors.length,
    findings: result.analysis.findings.length,
    jobs: result.jobs,
    ms: performance.now() - started,
  };
}

const [phase, dir, out, jobsArg] = process.argv.slice(2);
if (!dir || (phase !== 'bare' && phase !== 'analyze')) {
  process.stderr.write('usage: benchPhase.ts bare <dir> | analyze <dir> <out>\n');
  process.exit(2);
}
const result =
  phase === 'bare'
    ? bare(dir)
    : await analyze(dir, out ?? path.join(dir, '..', 'bench-out'), jobsArg ? Number(jobsArg) : undefined);
const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(`${JSON.stringify({ phase, ...result, maxRssMB })}\n`);
