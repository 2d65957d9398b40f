/**
 * @module Renders the report view model to one self-contained HTML document with Handlebars.
 *
 * Escaping is the template engine's default for every `{{value}}`; templates may use the
 * triple-stash only for `assets.css` (our stylesheet), which a test enforces.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { ReportModel } from '../../core/report/buildReportModel.js';
import { assetPath } from '../fs/assetPaths.js';
import { loadReportCss } from './reportAssets.js';

const TEMPLATES_DIRECTORY = assetPath('templates/');

type HtmlRenderer = (model: ReportModel) => string;

/** Compiles `report.hbs` and its partials once; strict mode turns a missing model field into an error. */
async function createHtmlRenderer(directory = TEMPLATES_DIRECTORY): Promise<HtmlRenderer> {
  const hbs = Handlebars.create();
  const partialDir = path.join(directory, 'partials');
  for (const file of (await readdir(partialDir)).filter((f) => f.endsWith('.hbs')).sort()) {
    hbs.registerPartial(path.basename(file, '.hbs'), await readFile(path.join(partialDir, file), 'utf8'));
  }
  const template = hbs.compile(await readFile(path.join(directory, 'report.hbs'), 'utf8'), { strict: true });
  const css = await loadReportCss(path.join(directory, 'report.css'));
  return (model) => template({ ...model, assets: { css } });
}

export type { HtmlRenderer };
export { createHtmlRenderer, TEMPLATES_DIRECTORY };
