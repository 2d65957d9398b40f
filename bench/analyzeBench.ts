/**
 * @module `npm run bench [-- --events N]`: generate N events as .json.gz trail files, then measure
 * the bare read + gunzip + JSON.parse cost and the full `analyze` cost on the same files, and the
 * floor every design pays on top of bare (dropping duplicates and writing one evidence line per
 * event), which shows how much of the gap is analysis at all.
 *
 * Both phases run in their own process, pinned to one core with taskset when it exists, so the
 * ratio compares like with like and each peak RSS belongs to its phase.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTrailFiles } from '../functions/adapters/fs/writeTrailFiles.js';
import { generateTenantMonth } from '../functions/core/sample/generateTenantMonth.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    dir: { type: 'string' },
    month: { type: 'string', default: '2026-10' },
    fresh: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
  },
});
const targetEvents = Number(values.events);
if (!Number.isInteger(targetEvents) || targetEvents < 1000)
  throw new Error('--events must be an integer ≥ 1000');
const root = path.resolve(values.dir ?? path.join('.tmp', 'bench', `events-${targetEvents}`));
const input = path.join(root, 'input');
const marker = path.join(root, 'generated.json');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
}

async function ensureInput(): Promise<{ files: number; records: number; bytes: number }> {
  if (!values.fresh && existsSync(marker)) {
    const meta = JSON.parse(readFileSync(marker, 'utf8'));
    if (meta.targetEvents === targetEvents && meta.month === values.month) return meta;
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const started = performance.now();
  const written = await writeTrailFiles(generateTenantMonth({ month: values.month!, targetEvents }), input);
  process.stdout.write(
    `generated ${fmt(written.records)} events in ${fmt(written.files)} files (${(written.bytes / 1048576).toFixed(1)} MB gzip) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  writeFileSync(marker, JSON.stringify({ targetEvents, month: values.month, ...written }));
  return written;
}

function runPhase(args: string[], pin: boolean): Record<string, number> {
  // pin: the phase runs on core 0 only (bare and single-thread analyze); otherwise on all cores.
  const command = pin ? 'taskset' : process.execPath;
  const argv = [
    ...(pin ? ['-c', '0', process.execPath] : []),
    '--import',
    'tsx',
    'bench/benchPhase.ts',
    ...args,
  ];
  const result = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`bench phase ${args[0]} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
}

const meta = await ensureInput();
const pin = hasTaskset();
const runs = Math.max(1, Number(values.runs));
const best = (phase: string[], pinned = pin) => {
  const all = Array.from({ length: runs }, () => runPhase(phase, pinned));
  return all.reduce((a, b) => (b.ms! < a.ms! ? b : a));
};
const bare = best(['bare', input]);
const floor = best(['floor', input, path.join(root, 'floor')]);
const analyze = best(['analyze', input, path.join(root, 'analysis'), '1']);
const parallel = best(['analyze', input, path.join(root, 'analysis-parallel')], false);
const parallelRate = parallel.events! / (parallel.ms! / 1000);
const bareRate = bare.events! / (bare.ms! / 1000);
const analyzeRate = analyze.events! / (analyze.ms! / 1000);
const floorRate = floor.events! / (floor.ms! / 1000);
const report = {
  events: meta.records,
  files: meta.files,
  gzipMB: +(meta.bytes / 1048576).toFixed(1),
  jsonMB: +(bare.decompressedBytes! / 1048576).toFixed(1),
  pinnedToOneCore: pin,
  bare: {
    seconds: +(bare.ms! / 1000).toFixed(2),
    eventsPerSecond: Math.round(bareRate),
    peakRssMB: bare.maxRssMB,
  },
  analyze: {
    seconds: +(analyze.ms! / 1000).toFixed(2),
    eventsPerSecond: Math.round(analyzeRate),
    peakRssMB: analyze.maxRssMB,
    actors: analyze.actors,
    findings: analyze.findings,
  },
  ratio: +(analyzeRate / bareRate).toFixed(2),
  floor: {
    seconds: +(floor.ms! / 1000).toFixed(2),
    eventsPerSecond: Math.round(floorRate),
    evidenceMB: +(floor.evidenceBytes! / 1048576).toFixed(1),
    ratioToBare: +(floorRate / bareRate).toFixed(2),
  },
  parallel: {
    jobs: parallel.jobs,
    seconds: +(parallel.ms! / 1000).toFixed(2),
    eventsPerSecond: Math.round(parallelRate),
    peakRssMB: parallel.maxRssMB,
    ratioToBare: +(parallelRate / bareRate).toFixed(2),
  },
};
process.stdout.write(
  [
    `events ${fmt(report.events)} in ${fmt(report.files)} files: ${report.gzipMB} MB gzip, ${report.jsonMB} MB JSON${pin ? ' (each phase pinned to one core)' : ''}`,
    `bare read+gunzip+JSON.parse  ${report.bare.seconds.toFixed(2).padStart(7)} s  ${fmt(bareRate).padStart(9)} events/s  peak RSS ${report.bare.peakRssMB} MB`,
    `full analyze, one thread     ${report.analyze.seconds.toFixed(2).padStart(7)} s  ${fmt(analyzeRate).padStart(9)} events/s  peak RSS ${report.analyze.peakRssMB} MB`,
    `ratio analyze/bare (1 core)  ${report.ratio.toFixed(2)}`,
    `floor: bare + dedupe + evidence lines (${report.floor.evidenceMB} MB), no analysis ${report.floor.seconds.toFixed(2).padStart(7)} s  ratio to bare ${report.floor.ratioToBare.toFixed(2)}`,
    `full analyze, ${report.parallel.jobs} workers    ${report.parallel.seconds.toFixed(2).padStart(7)} s  ${fmt(parallelRate).padStart(9)} events/s  peak RSS ${report.parallel.peakRssMB} MB (all cores)`,
    `ratio parallel/bare          ${report.parallel.ratioToBare.toFixed(2)}`,
  ]
    .map((line) => `${line}\n`)
    .join(''),
);
mkdirSync('out/bench', { recursive: true });
writeFileSync('out/bench/analyze.json', `${JSON.stringify(report, null, 2)}\n`);
