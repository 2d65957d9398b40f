/**
 * @module `npm run bench:report [-- --events N --actors A]`: the report of a large client's month.
 *
 * Generates (once, cached) a sample month of N events with about A distinct actors — the sample tenant
 * plus `extraWorkloads` machine identities — as .json.gz trail files, then runs the real CLI once,
 * `trailproof report … --format html,pdf,json,csv,ocsf`, with TRAILPROOF_TIMING=1, and reads its phase
 * times from the `[timing] <label>: <ms> ms` lines on stderr. Prints analysis, HTML and PDF times,
 * peak RSS, report sizes and PDF pages, and judges them against the targets (HTML+PDF ≤ 15 s,
 * PDF ≤ 80 pages). A missed target is printed as MISSED; the exit code stays 0 unless the run failed.
 *
 *   --events N     events of the month (default 1,000,000)
 *   --actors A     wanted distinct actors in total (default 2,000)
 *   --month M      YYYY-MM (default 2026-10)
 *   --config F     tenant config (default bench/bench-tenant.yaml: the demo plus part of the fleet)
 *   --dir D        work directory (default .tmp/bench/report-<events>-<actors>)
 *   --fresh        regenerate the input even if a matching one is cached
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTrailFiles } from '../functions/adapters/fs/writeTrailFiles.js';
import { principalOf } from '../functions/core/identity/principal.js';
import { isRejection, normalizeEvent } from '../functions/core/ingest/normalizeEvent.js';
import { generateTenantMonth } from '../functions/core/sample/generateTenantMonth.js';

const TARGET_REPORT_MS = 15_000;
const TARGET_PDF_PAGES = 80;
const GENERATOR = 'functions/core/sample/generateTenantMonth.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    actors: { type: 'string', default: '2000' },
    month: { type: 'string', default: '2026-10' },
    config: { type: 'string', default: path.join('bench', 'bench-tenant.yaml') },
    dir: { type: 'string' },
    fresh: { type: 'boolean', default: false },
  },
});
const targetEvents = Number(values.events);
if (!Number.isInteger(targetEvents) || targetEvents < 1000)
  throw new Error('--events must be an integer ≥ 1000');
const wantedActors = Number(values.actors);
if (!Number.isInteger(wantedActors) || wantedActors < 1)
  throw new Error('--actors must be a positive integer');
const month = values.month;
const config = path.resolve(values.config);
const root = path.resolve(values.dir ?? path.join('.tmp', 'bench', `report-${targetEvents}-${wantedActors}`));
const input = path.join(root, 'input');
const outDir = path.join(root, 'report');
const marker = path.join(root, 'generated.json');

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
const megabytes = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const say = (line = '') => process.stdout.write(`${line}\n`);

/** Distinct actors of the sample tenant alone, as the analysis derives them from `userIdentity`. */
function baseActors(): number {
  const ids = new Set<string>();
  for (const record of generateTenantMonth({ month, scale: 1 })) {
    const event = normalizeEvent(record);
    if (!isRejection(event)) ids.add(principalOf(event.identity, event.account).id);
  }
  return ids.size;
}

interface Generated {
  targetEvents: number;
  wantedActors: number;
  extraWorkloads: number;
  baseActors: number;
  month: string;
  generator: string;
  files: number;
  records: number;
  bytes: number;
  seconds: number;
}

async function ensureInput(): Promise<Generated & { cached: boolean }> {
  // The generator's source is part of the key: a changed generator must not reuse stale files.
  const generator = createHash('sha256').update(readFileSync(GENERATOR)).digest('hex').slice(0, 16);
  if (!values.fresh && existsSync(marker)) {
    const meta = JSON.parse(readFileSync(marker, 'utf8')) as Generated;
    if (
      meta.targetEvents === targetEvents &&
      meta.wantedActors === wantedActors &&
      meta.month === month &&
      meta.generator === generator
    )
      return { ...meta, cached: true };
  }
  const base = baseActors();
  const extraWorkloads = Math.max(0, wantedActors - base);
  say(
    `generating ${fmt(targetEvents)} events of ${month} with ${fmt(extraWorkloads)} extra workloads (the sample tenant has ${base} actors) …`,
  );
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const started = performance.now();
  const written = await writeTrailFiles(generateTenantMonth({ month, targetEvents, extraWorkloads }), input);
  const meta: Generated = {
    targetEvents,
    wantedActors,
    extraWorkloads,
    baseActors: base,
    month,
    generator,
    ...written,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
  };
  writeFileSync(marker, `${JSON.stringify(meta, null, 2)}\n`);
  return { ...meta, cached: false };
}

function hasGnuTime(): boolean {
  if (!existsSync('/usr/bin/time')) return false;
  return spawnSync('/usr/bin/time', ['-v', 'true'], { encoding: 'utf8' }).status === 0;
}

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs the CLI as its own process (under GNU time when present), streaming its summary through. */
function runReport(measureRss: boolean): Promise<RunResult> {
  const cli = [
    '--import',
    'tsx',
    'functions/cli/bin.ts',
    'report',
    input,
    '--config',
    config,
    '--period',
    month,
    '--out',
    outDir,
    '--format',
    'html,pdf,json,csv,ocsf',
  ];
  const [command, args] = measureRss
    ? ['/usr/bin/time', ['-v', process.execPath, ...cli]]
    : [process.execPath, cli];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command as string, args as string[], {
      env: { ...process.env, TRAILPROOF_TIMING: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, wallMs: performance.now() - started }));
  });
}

/** `[timing] <label>: <ms> ms` lines, by label (the last one wins if a label repeats). */
function timings(stderr: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const m of stderr.matchAll(/^\[timing\] (.+?): (\d+(?:\.\d+)?) ms$/gm)) found.set(m[1]!, Number(m[2]));
  return found;
}

function peakRssMB(stderr: string): number | undefined {
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return m ? Math.round(Number(m[1]) / 1024) : undefined;
}

/** PDF pages by pdfinfo (poppler-utils) when on PATH, else by counting `/Type /Page` objects. */
function pdfPages(file: string): { pages: number | undefined; method: string } {
  const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
  if (!info.error && info.status === 0) {
    const m = /^Pages:\s+(\d+)/m.exec(info.stdout);
    if (m) return { pages: Number(m[1]), method: 'pdfinfo' };
  }
  const text = readFileSync(file).toString('latin1');
  const pages = text.match(/\/Type\s*\/Page(?![a-zA-Z])/g)?.length ?? 0;
  return { pages, method: 'counted /Type /Page objects (pdfinfo not available)' };
}

function sizeOf(file: string): number | undefined {
  return existsSync(file) ? statSync(file).size : undefined;
}

const diff = (later: number | undefined, earlier: number | undefined) =>
  later === undefined || earlier === undefined ? undefined : later - earlier;

const meta = await ensureInput();
say(
  `input     ${path.relative('.', input)}: ${fmt(meta.records)} events in ${fmt(meta.files)} files, ${megabytes(meta.bytes)} gzip, ${fmt(meta.extraWorkloads)} extra workloads + ${meta.baseActors} sample actors${meta.cached ? ' (cached)' : ` (generated in ${meta.seconds} s)`}`,
);
const measureRss = hasGnuTime();
rmSync(outDir, { recursive: true, force: true });
say(`running   trailproof report --format html,pdf,json,csv,ocsf --config ${path.relative('.', config)} …`);
const run = await runReport(measureRss);
const cliSummary = run.stdout.trim();
if (cliSummary) say(cliSummary.replace(/^/gm, '  | '));
if (run.status !== 0) {
  process.stderr.write(`report failed with exit code ${run.status}:\n${run.stderr.slice(-4000)}\n`);
  process.exit(1);
}

const t = timings(run.stderr);
const merged = t.get('merged');
const modelBuilt = t.get('report model built');
const htmlRendered = t.get('html rendered');
const chromiumLaunched = t.get('chromium launched');
const pdfRendered = t.get('pdf rendered');
const phases = {
  analysisMs: merged,
  reportModelMs: diff(modelBuilt, merged),
  htmlMs: diff(htmlRendered, merged),
  pdfMs: diff(pdfRendered, htmlRendered),
  chromiumLaunchMs: diff(chromiumLaunched, htmlRendered),
  reportTotalMs: diff(pdfRendered, merged),
};
const rss = measureRss ? peakRssMB(run.stderr) : undefined;
const htmlBytes = sizeOf(path.join(outDir, 'report.html'));
const pdfFile = path.join(outDir, 'report.pdf');
const pdf = existsSync(pdfFile) ? pdfPages(pdfFile) : { pages: undefined, method: 'no report.pdf' };
const pdfBytes = sizeOf(pdfFile);
const analysisFile = path.join(outDir, 'analysis.json');
const analysis = existsSync(analysisFile)
  ? (JSON.parse(readFileSync(analysisFile, 'utf8')) as {
      actors: { class: string; declared: boolean; owner: string | null }[];
      findings: unknown[];
      summary: { findingsBySeverity: Record<string, number> };
    })
  : undefined;
const actors = analysis?.actors.length;
const declaredActors = analysis?.actors.filter((a) => a.declared).length;
const ownedActors = analysis?.actors.filter((a) => a.owner).length;

const judge = (value: number | undefined, limit: number) =>
  value === undefined ? 'n/a (not measured)' : value <= limit ? 'met' : 'MISSED';
const reportVerdict = judge(phases.reportTotalMs, TARGET_REPORT_MS);
const pagesVerdict = judge(pdf.pages, TARGET_PDF_PAGES);
const row = (label: string, value: string, note = '') =>
  say(`${label.padEnd(34)}${value.padStart(12)}  ${note}`);

say();
say(
  `report of ${fmt(meta.records)} events, ${actors === undefined ? 'n/a' : fmt(actors)} actors (${fmt(wantedActors)} wanted; ${declaredActors ?? 'n/a'} declared, ${ownedActors ?? 'n/a'} with an owner), ${analysis ? fmt(analysis.findings.length) : 'n/a'} findings`,
);
row('analysis (merged)', seconds(phases.analysisMs), 'from the start of the CLI run');
row('  report model (model − merged)', seconds(phases.reportModelMs));
row('HTML (html rendered − merged)', seconds(phases.htmlMs));
row('PDF (pdf rendered − html rendered)', seconds(phases.pdfMs), 'includes the Chromium launch');
row('  Chromium launch', seconds(phases.chromiumLaunchMs));
row('report total (pdf − merged)', seconds(phases.reportTotalMs), 'HTML + PDF');
row('whole CLI run (wall)', seconds(run.wallMs), 'process start to exit, as the bench saw it');
row(
  'peak RSS',
  rss === undefined ? 'n/a' : `${fmt(rss)} MB`,
  measureRss
    ? 'GNU time: the largest single process (node, or a Chromium process it reaped)'
    : 'skipped: /usr/bin/time -v not available',
);
row('report.html', htmlBytes === undefined ? 'n/a' : megabytes(htmlBytes));
row('report.pdf', pdfBytes === undefined ? 'n/a' : megabytes(pdfBytes));
row('PDF pages', pdf.pages === undefined ? 'n/a' : fmt(pdf.pages), pdf.method);
const missingLabels = [
  'merged',
  'report model built',
  'html rendered',
  'chromium launched',
  'pdf rendered',
].filter((label) => !t.has(label));
if (missingLabels.length) say(`(no [timing] line for: ${missingLabels.join(', ')} — those phases show n/a)`);
say();
say('targets');
row(`HTML+PDF ≤ ${TARGET_REPORT_MS / 1000} s`, seconds(phases.reportTotalMs), reportVerdict);
row(`PDF ≤ ${TARGET_PDF_PAGES} pages`, pdf.pages === undefined ? 'n/a' : fmt(pdf.pages), pagesVerdict);

mkdirSync(path.join('out', 'bench'), { recursive: true });
const summary = {
  events: meta.records,
  files: meta.files,
  gzipMB: +(meta.bytes / 1048576).toFixed(1),
  wantedActors,
  extraWorkloads: meta.extraWorkloads,
  actors,
  declaredActors,
  ownedActors,
  findings: analysis?.findings.length,
  findingsBySeverity: analysis?.summary.findingsBySeverity,
  timings: Object.fromEntries(t),
  ...phases,
  wallMs: Math.round(run.wallMs),
  peakRssMB: rss,
  htmlBytes,
  pdfBytes,
  pdfPages: pdf.pages,
  pdfPagesMethod: pdf.method,
  targets: {
    reportTotal: { limitMs: TARGET_REPORT_MS, verdict: reportVerdict },
    pdfPages: { limit: TARGET_PDF_PAGES, verdict: pagesVerdict },
  },
};
writeFileSync(path.join('out', 'bench', 'report.json'), `${JSON.stringify(summary, null, 2)}\n`);
say(`\nwritten   out/bench/report.json; report files in ${path.relative('.', outDir)}`);
