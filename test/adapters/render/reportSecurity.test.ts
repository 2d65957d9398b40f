import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadControlCatalog } from '../../../functions/adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../../functions/adapters/fs/loadRulePack.js';
import {
  ChromiumPdfRenderer,
  PdfRenderError,
} from '../../../functions/adapters/render/ChromiumPdfRenderer.js';
import {
  createHtmlRenderer,
  TEMPLATES_DIRECTORY,
} from '../../../functions/adapters/render/renderReportHtml.js';
import { runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import type { TenantConfig } from '../../../functions/core/config/tenantConfig.js';
import type { FrameworkId } from '../../../functions/core/controls/catalog.js';
import type { RecordSource } from '../../../functions/core/ingest/types.js';
import { buildReportModel } from '../../../functions/core/report/buildReportModel.js';
import { stratusTechniques } from '../../helpers/corpus.js';

let server: Server;
let hits: string[] = [];
let origin: string;
let renderer: ChromiumPdfRenderer;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.end('x');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  renderer = await ChromiumPdfRenderer.launch();
}, 60_000);

afterAll(async () => {
  await renderer?.close();
  server?.close();
});

function hostileEvents(): Record<string, unknown>[] {
  const base = stratusTechniques().find((t) => t.technique === 'aws.defense-evasion.cloudtrail-stop')!
    .events[0]!;
  const payloads = [
    `<script>fetch('${origin}/script')</script>`,
    `"><img src="${origin}/img" onerror="alert(1)">`,
    `</style><style>body{background:url(${origin}/css)}</style>`,
    `javascript:fetch('${origin}/js')`,
    `<a href="javascript:alert(1)">click</a><iframe src="${origin}/frame"></iframe>`,
    `\u202eevil\u202c \u0000\u0007\u001b[31m control`,
    `${'A'.repeat(5000)}<b>long</b>`,
    `{{constructor.constructor('return 1')()}}`,
  ];
  return payloads.map((payload, i) => ({
    ...base,
    eventID: `hostile-${i}`,
    userAgent: payload,
    sourceIPAddress: payload.slice(0, 200),
    requestParameters: { name: payload },
    userIdentity: {
      ...(base.userIdentity as object),
      arn: `arn:aws:iam::070411556318:user/${payload}`,
      userName: payload,
    },
  }));
}

async function hostileHtml(): Promise<string> {
  const catalog = await loadControlCatalog();
  const rules = await loadRulePack(catalog);
  const config: TenantConfig = {
    id: 'hostile',
    name: `Client <script>fetch('${origin}/client')</script>`,
    mssp: { name: `MSSP <img src=${origin}/mssp>` },
    accounts: [],
    inventory: [],
    exceptions: [],
    recipients: [],
  };
  const events = hostileEvents();
  const source: RecordSource = {
    name: `<script>${origin}/source</script>.json`,
    open: async function* () {
      yield Buffer.from(
        JSON.stringify({ Records: [...events, { eventID: '<b>bad</b>', eventTime: '<script>' }] }),
      );
    },
  };
  const analysis = await runAnalysis({
    sources: [source],
    config,
    configHash: null,
    catalog,
    rules,
    toolVersion: 'test',
  });
  expect(analysis.findings.length).toBeGreaterThan(0);
  const model = buildReportModel(analysis, {
    config,
    generatedAt: new Date('2026-11-30T00:00:00Z'),
    reportId: 'hostile-test',
    logoDataUri: null,
    frameworkNames: Object.fromEntries(
      catalog.frameworks.map((f) => [f.id, { name: f.name, edition: f.edition }]),
    ) as Record<FrameworkId, { name: string; edition: string }>,
    groupTitles: new Map(catalog.groups.map((g) => [g.id, g.title])),
  });
  return (await createHtmlRenderer())(model);
}

describe('report rendering with attacker-controlled log fields', () => {
  it('escapes every value: no markup, script or javascript: link reaches the HTML', async () => {
    const html = await hostileHtml();
    const body = html.slice(html.indexOf('<body>'));
    expect(body).not.toMatch(/<script/i);
    expect(body).not.toMatch(/<img[^>]*127\.0\.0\.1/i);
    expect(body).not.toMatch(/<iframe/i);
    expect(body).not.toMatch(/href="javascript:/i);
    expect(body).not.toMatch(/<\/style><style>/);
    expect(body).toContain('&lt;script&gt;');
    expect(body).toContain('Client &lt;script&gt;');
  });

  it('renders the hostile report to PDF without the browser making any request', async () => {
    hits = [];
    const html = await hostileHtml();
    const pdf = await renderer.render(html, { footerLeft: `<script>${origin}/footer</script>` });
    expect(pdf.byteLength).toBeGreaterThan(10_000);
    expect(hits).toEqual([]);
    // Layout survives: 5,000-character values, RTL overrides and control characters all wrap
    // inside the page, so Chromium does not shrink the pages to fit them.
    expect(renderer.lastOverflow).toEqual([]);
  }, 60_000);

  it('notices content wider than the page (the layout check itself works)', async () => {
    const html = `<html><head><style>p { white-space: nowrap }</style></head><body><p class="long">${'arn:aws:iam::1:role/'.repeat(200)}</p></body></html>`;
    await renderer.render(html, { footerLeft: 'x' });
    expect(renderer.lastOverflow).toEqual([
      expect.stringMatching(/^p\.long "arn:aws:iam::1:role\/.*" is \d+px wide$/),
    ]);
  }, 60_000);

  it('blocks and reports any request a page tries to make (the guard itself works)', async () => {
    hits = [];
    const html = `<html><body><img src="${origin}/pixel.png"><div style="background:url(${origin}/bg.png)">x</div></body></html>`;
    const error = await renderer.render(html, { footerLeft: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PdfRenderError);
    expect((error as PdfRenderError).blockedRequests).toEqual(
      expect.arrayContaining([`${origin}/pixel.png`]),
    );
    expect(hits).toEqual([]);
  }, 60_000);

  it('templates use the unescaped triple-stash only for our own stylesheet', async () => {
    const files = [path.join(TEMPLATES_DIRECTORY, 'report.hbs')];
    for (const f of await readdir(path.join(TEMPLATES_DIRECTORY, 'partials')))
      files.push(path.join(TEMPLATES_DIRECTORY, 'partials', f));
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      const raw = [...text.matchAll(/\{\{\{\s*([^}]+?)\s*\}\}\}/g)].map((m) => m[1]);
      expect(
        raw.filter((name) => name !== 'assets.css'),
        file,
      ).toEqual([]);
      expect(text, file).not.toMatch(/\{\{&/);
    }
  });
});
