/**
 * @module Report job: analyze, then render HTML and PDF and write the exports beside them.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ChromiumPdfRenderer } from '../adapters/render/ChromiumPdfRenderer.js';
import { createHtmlRenderer } from '../adapters/render/renderReportHtml.js';
import type { Analysis } from '../core/analysis/types.js';
import type { FrameworkId } from '../core/controls/catalog.js';
import { buildReportModel } from '../core/report/buildReportModel.js';
import { findingsToCsv } from '../core/report/findingsCsv.js';
import { type AnalyzeJobOptions, analyzeJob } from './analyzeJob.js';
import type { PipelineData } from './loadPipelineData.js';

const REPORT_FORMATS = ['html', 'pdf', 'json', 'csv'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

interface ReportJobOptions extends AnalyzeJobOptions {
  readonly formats: readonly ReportFormat[];
  /** Fixed generation time for reproducible output; defaults to SOURCE_DATE_EPOCH or now. */
  readonly generatedAt?: Date;
}

interface ReportJobResult {
  readonly analysis: Analysis;
  readonly files: readonly string[];
  readonly reportId: string;
}

/** A logo that cannot be embedded; named by path, with what is accepted. */
class LogoError extends Error {
  override name = 'LogoError' as const;
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

async function reportJob(options: ReportJobOptions): Promise<ReportJobResult> {
  const { data } = options;
  const logo = await loadLogo(data);
  const wantJson = options.formats.includes('json');
  const analyzed = await analyzeJob({ ...options, writeFiles: wantJson });
  const { analysis } = analyzed;
  const files: string[] = [];
  if (analyzed.analysisFile) files.push(analyzed.analysisFile);
  if (analyzed.evidenceFile) files.push(analyzed.evidenceFile);
  const contentHash = createHash('sha256').update(JSON.stringify(analysis)).digest('hex').slice(0, 10);
  const reportId = `${data.config.id}-${(analysis.period?.label ?? 'all').replace(/[^0-9A-Za-z-]/g, '')}-${contentHash}`;

  if (options.formats.includes('csv')) {
    const file = path.join(options.outDir, 'findings.csv');
    await writeFile(file, findingsToCsv(analysis));
    files.push(file);
  }
  if (options.formats.includes('html') || options.formats.includes('pdf')) {
    const frameworkNames = Object.fromEntries(
      data.catalog.frameworks.map((f) => [f.id, { name: f.name, edition: f.edition }]),
    ) as Record<FrameworkId, { name: string; edition: string }>;
    const model = buildReportModel(analysis, {
      config: data.config,
      generatedAt: generationTime(options),
      reportId,
      logoDataUri: logo,
      frameworkNames,
      groupTitles: new Map(data.catalog.groups.map((g) => [g.id, g.title])),
    });
    const html = (await createHtmlRenderer())(model);
    if (options.formats.includes('html')) {
      const file = path.join(options.outDir, 'report.html');
      await writeFile(file, html);
      files.push(file);
    }
    if (options.formats.includes('pdf')) {
      const renderer = await ChromiumPdfRenderer.launch();
      try {
        const pdf = await renderer.render(html, {
          footerLeft: `${data.config.name} · ${model.period.label} · ${reportId}`,
        });
        const file = path.join(options.outDir, 'report.pdf');
        await writeFile(file, pdf);
        files.push(file);
      } finally {
        await renderer.close();
      }
    }
  }
  return { analysis, files, reportId };
}

export type { ReportFormat, ReportJobOptions, ReportJobResult };
export { LogoError, REPORT_FORMATS, reportJob };
