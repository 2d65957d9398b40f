/**
 * @module `npm run bench:staged [-- --events N --month YYYY-MM]`: the deployed pipeline's data path
 * on local disk. Collects a generated month shard by shard as the plan lists them (account × day of
 * delivery, regions found in the tree), analyses each staged account × day × region into its
 * partial as the map items do, then times the Report step's merge of the partials against reading
 * every staged record again, and checks the two analyses and evidence files are byte-identical.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeTrailFiles } from '../functions/adapters/fs/writeTrailFiles.js';
import { FsObjectStore } from '../functions/adapters/store/FsObjectStore.js';
import { parsePeriod } from '../functions/core/analysis/period.js';
import { stagingPrefix } from '../functions/core/collect/collectState.js';
import { generateTenantMonth } from '../functions/core/sample/generateTenantMonth.js';
import { analyzeJob } from '../functions/jobs/analyzeJob.js';
import { collectShard, finishCollect, planCollectShards } from '../functions/jobs/collectJob.js';
import { loadPipelineData } from '../functions/jobs/loadPipelineData.js';
import { analyzeStagedUnit } from '../functions/jobs/stagedPartials.js';
import { checkpointKeys } from '../functions/jobs/stagingArea.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    month: { type: 'string', default: '2026-10' },
  },
});
const targetEvents = Number(values.events);
const root = path.resolve('.tmp', 'bench', `staged-${targetEvents}`);
const input = path.join(root, 'input');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const seconds = (from: number) => (performance.now() - from) / 1000;

async function main(): Promise<void> {
  if (!existsSync(path.join(root, 'generated.json'))) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const written = await writeTrailFiles(generateTenantMonth({ month: values.month!, targetEvents }), input);
    writeFileSync(path.join(root, 'generated.json'), JSON.stringify(written));
  }
  const loaded = await loadPipelineData('examples/demo-tenant.yaml');
  const data = { ...loaded, config: { ...loaded.config, regions: undefined } };
  const window = parsePeriod(values.month!);
  const stagingDir = path.join(root, 'staging');
  rmSync(stagingDir, { recursive: true, force: true });
  const staging = new FsObjectStore(stagingDir);
  const options = {
    config: data.config,
    window,
    staging,
    openTrail: async (account: { id: string }) => ({
      kind: 'store' as const,
      store: new FsObjectStore(input),
      location: { bucket: input, account: account.id },
    }),
  };

  const shards = planCollectShards(data.config, window);
  let started = performance.now();
  for (const shard of shards) await collectShard(options, shard);
  const run = await finishCollect(options, shards);
  const collectSeconds = seconds(started);

  const base = stagingPrefix(data.config.id, window.label);
  const units = await checkpointKeys(staging, base);
  started = performance.now();
  let slowest = 0;
  for (const checkpointKey of units) {
    const t = performance.now();
    await analyzeStagedUnit({ staging, data, window, checkpointKey });
    slowest = Math.max(slowest, seconds(t));
  }
  const unitSeconds = seconds(started);

  const analyse = async (out: string) => {
    const t = performance.now();
    const result = await analyzeJob({ inputs: [stagingDir], outDir: path.join(root, out), data, window });
    return {
      seconds: seconds(t),
      result,
      analysis: readFileSync(result.analysisFile!, 'utf8'),
      evidence: readFileSync(result.evidenceFile!),
    };
  };
  const merged = await analyse('merged');
  const partials = path.join(stagingDir, base, 'partials');
  renameSync(partials, `${partials}-aside`);
  const single = await analyse('single');
  renameSync(`${partials}-aside`, partials);

  const records = run.totals.accepted;
  process.stdout.write(
    `${[
      `${fmt(shards.length)} shards (account × day of delivery), ${fmt(units.length)} units (account × day × region), ${fmt(run.totals.read)} objects, ${fmt(records)} records`,
      `collect, shard by shard: ${collectSeconds.toFixed(2)} s (${fmt(records / collectSeconds)} records/s)`,
      `analyse each unit into its partial: ${unitSeconds.toFixed(2)} s in all, slowest unit ${slowest.toFixed(2)} s`,
      `Report step, merging ${fmt(merged.result.partialsMerged ?? 0)} partials: ${merged.seconds.toFixed(2)} s`,
      `Report step without partials, reading every staged record again (unit by unit): ${single.seconds.toFixed(2)} s`,
      `analysis.json identical: ${merged.analysis === single.analysis}, evidence.ndjson identical: ${merged.evidence.equals(single.evidence)}`,
      `peak RSS ${fmt(process.resourceUsage().maxRSS / 1024)} MB`,
    ].join('\n')}\n`,
  );
  if (
    merged.analysis !== single.analysis ||
    !merged.evidence.equals(single.evidence) ||
    merged.result.partialsMerged !== units.length
  )
    process.exitCode = 1;
}

await main();
