/**
 * @module Report job: analyze, then render HTML and PDF, write the exports beside them, and sign
 * a manifest of every file and input object.
 *
 * The output directory holds one report and nothing else: the manifest signs every file in it,
 * so files from an earlier run are removed first and unknown files are refused.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { loadOrCreateSigningKey } from '../adapters/crypto/localSigning.js';
import {
  MANIFEST_FILE,
  MANIFEST_PUBLIC_KEY_FILE,
  writeSignedManifest,
} from '../adapters/fs/reportManifest.js';
import { ChromiumPdfRenderer } from '../adapters/render/ChromiumPdfRenderer.js';
import { createHtmlRenderer } from '../adapters/render/renderReportHtml.js';
import {
  comparePeriods,
  type PeriodChange,
  PreviousAnalysisError,
  parsePreviousAnalysis,
} from '../core/analysis/periodChange.js';
import type { Analysis } from '../core/analysis/types.js';
import type { FrameworkId } from '../core/controls/catalog.js';
import type { InputObject } from '../core/ingest/InputLedger.js';
import { buildReportModel, type ReportSource } from '../core/report/buildReportModel.js';
import { findingsToCsv } from '../core/report/findingsCsv.js';
import { type InputEntry, inputSetDigest, type ManifestSigner } from '../core/report/manifest.js';
import { controlsToOcsf, findingsToOcsf } from '../core/report/ocsf.js';
import { TOOL_VERSION } from '../core/version.js';
import { type AnalyzeJobOptions, analyzeJob } from './analyzeJob.js';
import type { PipelineData } from './loadPipelineData.js';
import { timing } from './timing.js';

const REPORT_FORMATS = ['html', 'pdf', 'json', 'csv', 'ocsf'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Every file a report directory may hold; anything else there is refused. */
const REPORT_FILES: ReadonlySet<string> = new Set([
  'report.html',
  'report.pdf',
  'analysis.json',
  'evidence.ndjson',
  'evidence.ndjson.gz',
  'findings.csv',
  'findings.ocsf.jsonl',
  'change.json',
  MANIFEST_FILE,
  MANIFEST_PUBLIC_KEY_FILE,
]);

interface ReportJobOptions extends AnalyzeJobOptions {
  readonly formats: readonly ReportFormat[];
  /** Fixed generation time for reproducible output; defaults to SOURCE_DATE_EPOCH or now. */
  readonly generatedAt?: Date;
  /** analysis.json of the previous period, for the change section. */
  readonly previousAnalysis?: string;
  /** Key directory for the manifest signature (default: TRAILPROOF_SIGNING_KEY[_DIR] or ~/.config). */
  readonly signingKeyDir?: string;
  /** Signs the manifest instead of the local key (e.g. `createKmsSigner`); `signingKeyDir` is then unused. */
  readonly signer?: ManifestSigner & { readonly publicKeyPem: string };
}

interface ReportJobResult {
  readonly analysis: Analysis;
  readonly files: readonly string[];
  readonly reportId: string;
  readonly change: PeriodChange | null;
  /** Id of the key that signed manifest.json. */
  readonly signingKeyId: string;
  /** Problems that did not stop the report (e.g. a layout that had to be scaled down). */
  readonly warnings: readonly string[];
  /** Shard analyses merged from a staging area (0: the records were analysed in this run). */
  readonly partialsMerged: number;
}

/** A logo that cannot be embedded; named by path, with what is accepted. */
class LogoError extends Error {
  override name = 'LogoError' as const;
}

/** The output directory holds files that are not part of a report. */
class OutputDirectoryError extends Error {
  override name = 'OutputDirectoryError' as const;
}

const MAX_LOGO_BYTES = 512 * 1024;

/** Reads the MSSP logo (SVG or PNG, relative to the config file) as a data: URI. */
async function loadLogo(data: PipelineData): Promise<string | null> {
  const logo = data.config.mssp.logo;
  if (!logo) return null;
  const file = path.resolve(data.configFile ? path.dirname(data.configFile) : '.', logo);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new LogoError(`mssp.logo: cannot read ${file} (${(error as Error).message})`);
  }
  if (bytes.length > MAX_LOGO_BYTES) throw new LogoError(`mssp.logo: ${file} is larger than 512 KiB`);
  const isPng = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const isSvg = !isPng && /<svg[\s>]/i.test(bytes.subarray(0, 4096).toString('utf8'));
  if (!isPng && !isSvg) throw new LogoError(`mssp.logo: ${file} is neither a PNG nor an SVG file`);
  // Shown through <img>, where SVG scripts and external references never run or load.
  return `data:${isPng ? 'image/png' : 'image/svg+xml'};base64,${bytes.toString('base64')}`;
}

function generationTime(options: ReportJobOptions): Date {
  if (options.generatedAt) return options.generatedAt;
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
}

/** Removes the files of an earlier report; refuses a directory that holds anything else. */
async function prepareOutputDirectory(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  const foreign = entries.filter((e) => !REPORT_FILES.has(e) && !e.startsWith('.evidence.part-'));
  if (foreign.length) {
    throw new OutputDirectoryError(
      `${dir} holds ${foreign.length} file(s) that are not part of a report (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); the manifest signs every file in the report directory, so choose an empty or report-only directory`,
    );
  }
  await Promise.all(entries.map((e) => rm(path.join(dir, e), { recursive: true, force: true })));
}

/** Reads and checks the previous period's analysis.json. */
async function loadPrevious(file: string, current: Analysis): Promise<PeriodChange> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PreviousAnalysisError(
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PreviousAnalysisError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return comparePeriods(current, parsePreviousAnalysis(data, file), file);
}

/**
 * Names input objects relative to the input path that holds them (`input/AWSLogs/…`), so the
 * manifest shows the delivery layout and not the operator's home directory.
 */
function labelInputs<T extends InputObject>(objects: readonly T[], inputs: readonly string[]): T[] {
  const roots = inputs.filter((i) => !i.startsWith('s3://')).map((i) => path.resolve(i));
  return objects.map((o) => {
    if (o.name.startsWith('s3://')) return o;
    const absolute = path.resolve(o.name);
    const root = roots.find((r) => absolute === r || absolute.startsWith(`${r}${path.sep}`));
    if (!root) return o;
    const relative = path.relative(path.dirname(root), absolute).split(path.sep).join('/');
    return { ...o, name: relative || path.basename(absolute) };
  });
}

/** Compresses evidence.ndjson into evidence.ndjson.gz (one deterministic gzip stream) and removes it. */
async function compressEvidence(plain: string): Promise<string> {
  const target = `${plain}.gz`;
  await pipeline(
    createReadStream(plain, { highWaterMark: 1 << 20 }),
    createGzip({ level: 6 }),
    createWriteStream(target),
  );
  await rm(plain, { force: true });
  return target;
}

async function reportJob(options: ReportJobOptions): Promise<ReportJobResult> {
  const { data } = options;
  const logo = await loadLogo(data);
  const signer = options.signer ?? (await loadOrCreateSigningKey(options.signingKeyDir)).signer;
  await prepareOutputDirectory(options.outDir);
  const wantJson = options.formats.includes('json');
  const analyzed = await analyzeJob({ ...options, writeFiles: wantJson });
  const { analysis } = analyzed;
  const change = options.previousAnalysis ? await loadPrevious(options.previousAnalysis, analysis) : null;
  const files: string[] = [];
  const warnings: string[] = [];
  const contentHash = createHash('sha256').update(JSON.stringify(analysis)).digest('hex').slice(0, 10);
  const reportId = `${data.config.id}-${(analysis.period?.label ?? 'all').replace(/[^0-9A-Za-z-]/g, '')}-${contentHash}`;
  const generatedAt = generationTime(options);

  const inputs = labelInputs(analyzed.inputs, options.inputs);
  const manifestInputs: InputEntry[] = inputs
    .filter((o): o is (typeof inputs)[number] & { sha256: string } => o.sha256 !== null)
    .map((o) => ({
      name: o.name,
      bytes: o.bytes,
      sha256: o.sha256,
      records: o.records,
      digest: o.digest ?? 'not-validated',
    }));
  const sources: ReportSource[] = inputs.map((o) => ({ ...o, digest: o.digest ?? 'not-validated' }));

  // Compression runs on the thread pool while the report renders.
  const evidence = analyzed.evidenceFile ? compressEvidence(analyzed.evidenceFile) : null;
  evidence?.catch(() => undefined);
  const exportFiles: string[] = [];
  if (analyzed.analysisFile) exportFiles.push('analysis.json', 'evidence.ndjson.gz');
  if (options.formats.includes('csv')) exportFiles.push('findings.csv');
  if (options.formats.includes('ocsf')) exportFiles.push('findings.ocsf.jsonl');
  if (change) exportFiles.push('change.json');
  exportFiles.push(MANIFEST_FILE, MANIFEST_PUBLIC_KEY_FILE);

  if (options.formats.includes('csv')) {
    const file = path.join(options.outDir, 'findings.csv');
    await writeFile(file, findingsToCsv(analysis));
    files.push(file);
  }
  const frameworkNames = Object.fromEntries(
    data.catalog.frameworks.map((f) => [f.id, { name: f.name, edition: f.edition }]),
  ) as Record<FrameworkId, { name: string; edition: string }>;
  if (options.formats.includes('ocsf')) {
    // White-label: the product is named after the MSSP unless it chose to credit Trailproof.
    const product = {
      name: data.config.mssp.poweredBy ? 'Trailproof' : `${data.config.mssp.name} machine identity evidence`,
      vendorName: data.config.mssp.name,
      version: TOOL_VERSION,
    };
    const lines = [
      ...findingsToOcsf(analysis, product),
      ...controlsToOcsf(analysis, product, frameworkNames),
    ].map((event) => JSON.stringify(event));
    const file = path.join(options.outDir, 'findings.ocsf.jsonl');
    await writeFile(file, lines.length ? `${lines.join('\n')}\n` : '');
    files.push(file);
  }
  if (change) {
    const file = path.join(options.outDir, 'change.json');
    await writeFile(file, `${JSON.stringify(change, null, 2)}\n`);
    files.push(file);
  }
  if (options.formats.includes('html') || options.formats.includes('pdf')) {
    const model = buildReportModel(analysis, {
      config: data.config,
      generatedAt,
      reportId,
      logoDataUri: logo,
      frameworkNames,
      groupTitles: new Map(data.catalog.groups.map((g) => [g.id, g.title])),
      change,
      sources,
      sourceSetDigest: manifestInputs.length ? inputSetDigest(manifestInputs) : null,
      failedAccounts: analyzed.failedAccounts,
      collectionNotes: analyzed.coverageNotes,
      exportFiles: [
        ...(['html', 'pdf'] as const).filter((f) => options.formats.includes(f)).map((f) => `report.${f}`),
        ...exportFiles,
      ],
    });
    timing('report model built');
    const html = (await createHtmlRenderer())(model);
    timing('html rendered');
    if (options.formats.includes('html')) {
      const file = path.join(options.outDir, 'report.html');
      await writeFile(file, html);
      files.push(file);
    }
    if (options.formats.includes('pdf')) {
      const renderer = await ChromiumPdfRenderer.launch();
      timing('chromium launched');
      try {
        const pdf = await renderer.render(html, {
          footerLeft: `${data.config.name} · ${model.period.label} · ${reportId}${data.config.mssp.poweredBy ? ' · Trailproof' : ''}`,
        });
        if (renderer.lastOverflow.length) {
          // Chromium shrinks every page to fit an over-wide element: say which one.
          warnings.push(
            `report.pdf: content wider than the page, pages are scaled down: ${renderer.lastOverflow.join('; ')}`,
          );
        }
        const file = path.join(options.outDir, 'report.pdf');
        await writeFile(file, pdf);
        files.push(file);
      } finally {
        await renderer.close();
      }
      timing('pdf rendered');
    }
  }
  if (analyzed.analysisFile) files.push(analyzed.analysisFile);
  if (evidence) files.push(await evidence);
  timing('exports written');

  const written = await writeSignedManifest(
    options.outDir,
    {
      reportId,
      tenant: { id: analysis.tenant.id, name: analysis.tenant.name },
      period: analysis.period,
      generatedAt: generatedAt.toISOString(),
      toolVersion: analysis.tool.version,
      catalogVersion: analysis.catalogVersion,
      rulesVersion: analysis.rulesVersion,
      configHash: analysis.tenant.configHash,
      inputs: manifestInputs,
    },
    signer,
  );
  files.push(written.file);
  if (written.publicKeyFile) files.push(written.publicKeyFile);
  timing('manifest signed');
  return {
    analysis,
    files,
    reportId,
    change,
    signingKeyId: signer.keyId,
    warnings,
    partialsMerged: analyzed.partialsMerged ?? 0,
  };
}

export type { ReportFormat, ReportJobOptions, ReportJobResult };
export { LogoError, OutputDirectoryError, REPORT_FILES, REPORT_FORMATS, reportJob };
