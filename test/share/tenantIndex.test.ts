import { readFile } from 'node:fs/promises';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBrowser } from '../../functions/adapters/render/ChromiumPdfRenderer.js';
import { TEMPLATES_DIRECTORY } from '../../functions/adapters/render/renderReportHtml.js';
import { createIndexRenderer } from '../../functions/adapters/share/renderTenantIndex.js';
import { buildTenantIndex, type TenantIndexInput } from '../../functions/core/share/tenantIndex.js';

const ATTACKER = 'http://127.0.0.1:9';
const CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
const GOOD =
  'https://reports.s3.eu-west-1.amazonaws.com/acme/2026-10/report.pdf?X-Amz-Expires=604800&X-Amz-Signature=ab12';

function decodeAttribute(value: string): string {
  return value
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

function hostileInput(): TenantIndexInput {
  return {
    tenant: { id: 'acme', name: `Client <script>window.__pwned=1;fetch('${ATTACKER}/client')</script>` },
    mssp: {
      name: `"><img src=x onerror="window.__pwned=2;fetch('${ATTACKER}/mssp')">`,
      colors: { primary: `red;}</style><style>body{background:url(${ATTACKER}/css)}`, accent: '#f28c28' },
      contact: `</style><script>window.__pwned=3</script>`,
    },
    reports: [
      {
        period: '2026-09',
        periodFrom: '2026-09-01T00:00:00.000Z',
        periodLabel: '2026-09',
        reportId: 'acme-202609-aaaa',
        generatedAt: '2026-10-01T06:00:00.000Z',
        links: [{ name: 'report.pdf', href: GOOD.replace('2026-10', '2026-09'), bytes: 1_234_567 }],
        change: null,
        severities: null,
      },
      {
        period: '2026-10',
        periodFrom: '2026-10-01T00:00:00.000Z',
        periodLabel: `2026-10 <iframe src="${ATTACKER}/frame"></iframe>`,
        reportId: `<svg onload="window.__pwned=4">`,
        generatedAt: '2026-11-01T06:00:00.000Z',
        links: [
          { name: 'report.pdf', href: GOOD, bytes: 2048 },
          { name: `javascript-link`, href: `javascript:window.__pwned=5;fetch('${ATTACKER}/js')` },
          { name: 'protocol-relative', href: `//127.0.0.1:9/pr` },
          { name: 'data-url', href: 'data:text/html,<script>window.__pwned=6</script>' },
          { name: 'spaced', href: ' https://ok.example/x' },
          { name: 'quoted', href: 'https://ok.example/x?a="><script>window.__pwned=7</script>' },
          { name: `x</style><style>*{background:url(${ATTACKER}/name)}</style>`, href: 'findings.csv' },
          { name: `" style="background:url(${ATTACKER}/attr)`, href: 'analysis.json', bytes: 10 },
          { name: 'manifest.json', href: 'manifest.json', bytes: 900 },
        ],
        change: { new: 3, resolved: 1, persisting: 4 },
        severities: { critical: 1, high: 2, medium: 3, low: 4, info: 5 },
      },
    ],
    generatedAt: new Date('2026-11-30T06:00:00.000Z'),
    linksExpireAt: new Date('2026-12-07T06:00:00.000Z'),
  };
}

describe('Function: buildTenantIndex', () => {
  it('lists reports newest first with their figures, links and file groups', () => {
    const model = buildTenantIndex(hostileInput());
    expect(model.reports.map((r) => r.period)).toEqual(['2026-10', '2026-09']);
    const [october] = model.reports;
    expect(october!.primary).toEqual([
      { label: 'Report (PDF)', name: 'report.pdf', href: GOOD, size: '2.0 KiB' },
    ]);
    expect(october!.manifest.map((l) => l.href)).toEqual(['manifest.json']);
    expect(october!.openFindings).toBe(15);
    expect(october!.severities!.map((s) => s.label)).toEqual(['critical', 'high', 'medium', 'low', 'info']);
    expect(october!.change).toEqual({ new: 3, resolved: 1, persisting: 4 });
    // javascript:, protocol-relative, data:, padded and unparseable-as-given links are refused.
    expect(model.refusedLinks).toBe(5);
    expect(october!.files.filter((f) => f.href === null).map((f) => f.name)).toEqual([
      'data-url',
      'javascript-link',
      'protocol-relative',
      'quoted',
      'spaced',
    ]);
    expect(model.brand.primary).toBe('#1f3a5f');
    expect(model.linksExpireAt).toBe('2026-12-07 06:00 UTC');
  });
});

describe('Template: index.hbs', () => {
  let html: string;
  let browser: Browser;

  beforeAll(async () => {
    html = (await createIndexRenderer())(buildTenantIndex(hostileInput()));
    const { executablePath, args } = await resolveBrowser();
    browser = await puppeteer.launch({ executablePath, args, headless: 'shell' });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('has no triple-stash: every value is escaped', async () => {
    const source = await readFile(path.join(TEMPLATES_DIRECTORY, 'index.hbs'), 'utf8');
    expect(source).not.toContain('{{{');
    expect(source).not.toContain('{{&');
  });

  it('carries the strict content security policy and no active markup from the data', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`);
    expect(html).not.toMatch(/<script|<img|<iframe|<svg|javascript:|data:text/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html.match(/<style>/g)).toHaveLength(2);
    expect(html).toContain(':root { --brand: #1f3a5f; --accent: #f28c28;');
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => decodeAttribute(m[1]!));
    expect(hrefs.sort()).toEqual(
      [GOOD, GOOD.replace('2026-10', '2026-09'), 'analysis.json', 'findings.csv', 'manifest.json'].sort(),
    );
  });

  it('stays inert in a browser with JavaScript on, even without its content security policy', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    try {
      await page.setJavaScriptEnabled(true);
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        const url = request.url();
        if (url === 'about:blank') void request.continue();
        else {
          requests.push(url);
          void request.abort('blockedbyclient');
        }
      });
      // Without the CSP only the escaping stands between the data and the page.
      const withoutCsp = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
      expect(withoutCsp).not.toContain('Content-Security-Policy');
      await page.setContent(withoutCsp, { waitUntil: 'load' });
      const seen = await page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
        active: document.querySelectorAll('script, img, iframe, svg, object, embed, form, base').length,
        styles: document.querySelectorAll('style').length,
        handlers: [...document.querySelectorAll('*')].flatMap((el) =>
          [...el.attributes].filter((a) => a.name.startsWith('on') || a.name === 'style').map((a) => a.name),
        ),
        links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
        heading: document.querySelector('h1')?.textContent ?? '',
        text: document.body.textContent ?? '',
      }));
      expect(requests).toEqual([]);
      expect(seen.pwned).toBeNull();
      expect(seen.active).toBe(0);
      expect(seen.styles).toBe(2);
      expect(seen.handlers).toEqual([]);
      for (const href of seen.links) expect(href).toMatch(/^(https:\/\/|[A-Za-z0-9_][A-Za-z0-9._-]*$)/);
      // The hostile strings are shown as the text they are.
      expect(seen.heading).toContain(`Client <script>window.__pwned=1;fetch('${ATTACKER}/client')</script>`);
      expect(seen.text).toContain('javascript-link');
      expect(seen.text).toContain(`x</style><style>*{background:url(${ATTACKER}/name)}</style>`);
    } finally {
      await page.close();
    }
  }, 60_000);
});
