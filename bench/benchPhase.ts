/**
 * @module One measured phase of `npm run bench`, run in its own process so peak RSS is its own.
 *
 *   bare <dir>            read + gunzip + JSON.parse every file: the floor any analysis pays
 *   floor <dir> <out>     bare + what any analysis must also do per event whatever its design:
 *                         drop duplicate eventIDs and write the event's evidence.ndjson line
 *                         (written from the record's own fields; no attribution, rules or state)
 *   analyze <dir> <out> [jobs]   the full `trailproof analyze` job (identity, rules, evidence.ndjson,
 *                                analysis.json), with that many worker threads (default: auto)
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { EventDeduplicator } from '../functions/core/ingest/EventDeduplicator.js';
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

interface FloorRecord {
  eventID: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  recipientAccountId?: string;
  awsRegion: string;
  userIdentity?: { arn?: string; principalId?: string; accessKeyId?: string };
}

function floor(dir: string, out: string) {
  mkdirSync(out, { recursive: true });
  const fd = openSync(path.join(out, 'evidence-floor.ndjson'), 'w');
  const chunk = Buffer.allocUnsafe(1 << 20);
  let at = 0;
  const started = performance.now();
  const dedupe = new EventDeduplicator();
  let events = 0;
  let bytes = 0;
  for (const file of walk(dir)) {
    const doc = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { Records: FloorRecord[] };
    for (const r of doc.Records) {
      if (!dedupe.firstSighting(r.eventID)) continue;
      events++;
      const who = r.userIdentity ?? {};
      // The shape of an analysis evidence line, with the record's own values.
      const line = `{"eventId":"${r.eventID}","eventTime":"${r.eventTime}","eventSource":"${r.eventSource}","eventName":"${r.eventName}","account":"${r.recipientAccountId ?? ''}","region":"${r.awsRegion}","actor":"${who.arn ?? who.principalId ?? ''}","class":"unknown","credential":{"id":"${who.accessKeyId ?? ''}","kind":"unknown"},"controls":[],"findings":[]}\n`;
      if (at + line.length * 3 > chunk.length) {
        writeSync(fd, chunk, 0, at);
        at = 0;
      }
      const n = chunk.write(line, at);
      at += n;
      bytes += n;
    }
  }
  writeSync(fd, chunk, 0, at);
  closeSync(fd);
  return { events, evidenceBytes: bytes, ms: performance.now() - started };
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
if (!dir || (phase !== 'bare' && phase !== 'floor' && phase !== 'analyze')) {
  process.stderr.write('usage: benchPhase.ts bare <dir> | floor <dir> <out> | analyze <dir> <out> [jobs]\n');
  process.exit(2);
}
const outDir = out ?? path.join(dir, '..', 'bench-out');
const result =
  phase === 'bare'
    ? bare(dir)
    : phase === 'floor'
      ? floor(dir, outDir)
      : await analyze(dir, outDir, jobsArg ? Number(jobsArg) : undefined);
const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(`${JSON.stringify({ phase, ...result, maxRssMB })}\n`);
