/**
 * @module Renders a tenant's index page (`templates/index.hbs`) with Handlebars.
 *
 * Like the report: every `{{value}}` is HTML-escaped, strict mode turns a missing model field into
 * an error, and the template has no triple-stash at all (a test enforces it): the page is made of
 * our markup and escaped values only, under a `default-src 'none'` content security policy.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { TenantIndexModel } from '../../core/share/tenantIndex.js';
import { TEMPLATES_DIRECTORY } from '../render/renderReportHtml.js';

type IndexRenderer = (model: TenantIndexModel) => string;

/** Compiles `index.hbs` once. */
async function createIndexRenderer(directory = TEMPLATES_DIRECTORY): Promise<IndexRenderer> {
  const hbs = Handlebars.create();
  const template = hbs.compile(await readFile(path.join(directory, 'index.hbs'), 'utf8'), {
    strict: true,
  });
  return (model) => template(model);
}

export type { IndexRenderer };
export { createIndexRenderer };
