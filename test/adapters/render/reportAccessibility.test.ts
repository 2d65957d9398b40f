/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Accessibility of the rendered report, checked in the real browser on the sample month:
 * document structure, table headers, names for images and charts, working internal links,
 * and WCAG AA text contrast, also when the MSSP's brand colours are too light to read.
 */
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveBrowser } from '../../../functions/adapters/render/ChromiumPdfRenderer.js';
import { createHtmlRenderer } from '../../../functions/adapters/render/renderReportHtml.js';
import { runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import type { FrameworkId } from '../../../functions/core/controls/catalog.js';
import { buildReportModel } from '../../../functions/core/report/buildReportModel.js';
import { contrastRatio, readableOn } from '../../../functions/core/report/colourContrast.js';
import { generateTenantMonth } from '../../../functions/core/sample/generateTenantMonth.js';
import { loadPipelineData } from '../../../functions/jobs/loadPipelineData.js';

let browser: Browser;
let page: Page;

/** The sample month's report, with brand colours an MSSP might well choose: pale yellow and orange. */
async function sampleHtml(): Promise<string> {
  const data = await loadPipelineData('examples/demo-tenant.yaml');
  const records = [...generateTenantMonth({ month: '2026-10' })];
  const analysis = await runAnalysis({
    sources: [
      {
        name: 'm.json',
        open: async function* () {
          yield Buffer.from(JSON.stringify({ Records: records }));
        },
      },
    ],
    config: data.config,
    configHash: null,
    catalog: data.catalog,
    rules: data.rules,
    toolVersion: 'test',
    window: { startMs: Date.UTC(2026, 9, 1), endMs: Date.UTC(2026, 10, 1), label: '2026-10' },
  });
  const config = {
    ...data.config,
    mssp: { ...data.config.mssp, colors: { primary: '#ffd166', accent: '#f28c28' } },
  };
  const model = buildReportModel(analysis, {
    config,
    generatedAt: new Date('2026-11-01T06:00:00Z'),
    reportId: 'a11y',
    logoDataUri: null,
    frameworkNames: Object.fromEntries(
      data.catalog.frameworks.map((f) => [f.id, { name: f.name, edition: f.edition }]),
    ) as Record<FrameworkId, { name: string; edition: string }>,
    groupTitles: new Map(data.catalog.groups.map((g) => [g.id, g.title])),
  });
  return (await createHtmlRenderer())(model);
}

beforeAll(async () => {
  const { executablePath, args } = await resolveBrowser();
  browser = await puppeteer.launch({ executablePath, args, headless: 'shell' });
  page = await browser.newPage();
  await page.setContent(await sampleHtml(), { waitUntil: 'load' });
  await page.emulateMediaType('print');
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('report accessibility', () => {
  it('has a language, a title, one h1 and headings that never skip a level', async () => {
    const result = await page.evaluate(() => {
      const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => ({
        level: Number(h.tagName[1]),
        text: (h.textContent ?? '').trim(),
      }));
      return { lang: document.documentElement.lang, title: document.title, levels };
    });
    expect(result.lang).toBe('en');
    expect(result.title).toMatch(/Acme Robotics/);
    expect(result.levels.filter((h) => h.level === 1)).toHaveLength(1);
    const skips = result.levels.filter((h, i) => i > 0 && h.level > result.levels[i - 1]!.level + 1);
    expect(skips).toEqual([]);
    expect(result.levels.filter((h) => !h.text)).toEqual([]);
  });

  it('gives every table column headers with a scope', async () => {
    const problems = await page.evaluate(() =>
      [...document.querySelectorAll('table')].flatMap((table, i) => {
        const headers = [...table.querySelectorAll('thead th')];
        if (!headers.length) return [`table ${i} has no header row`];
        return headers
          .filter((th) => th.getAttribute('scope') !== 'col' || !(th.textContent ?? '').trim())
          .map((th) => `table ${i}: header "${th.textContent}" lacks scope or text`);
      }),
    );
    expect(problems).toEqual([]);
  });

  it('names every chart and image, and every internal link reaches its target', async () => {
    const result = await page.evaluate(() => {
      const charts = [...document.querySelectorAll('svg.chart')].map((svg) => {
        const ids = (svg.getAttribute('aria-labelledby') ?? '').split(' ').filter(Boolean);
        return {
          role: svg.getAttribute('role'),
          names: ids.map((id) => (document.getElementById(id)?.textContent ?? '').trim()),
        };
      });
      const images = [...document.querySelectorAll('img')].filter((img) => !img.getAttribute('alt')).length;
      const broken = [...document.querySelectorAll('a[href^="#"]')]
        .map((a) => a.getAttribute('href')!.slice(1))
        .filter((id) => !document.getElementById(id));
      const links = document.querySelectorAll('a[href^="#"]').length;
      return { charts, images, broken, links };
    });
    expect(result.charts).toHaveLength(3);
    for (const chart of result.charts) {
      expect(chart.role).toBe('img');
      expect(chart.names.every((n) => n.length > 0)).toBe(true);
    }
    expect(result.images).toBe(0);
    expect(result.links).toBeGreaterThan(20);
    expect(result.broken).toEqual([]);
  });

  it('keeps all text at WCAG AA contrast, even with pale brand colours', async () => {
    const samples = await page.evaluate(() => {
      const parse = (c: string) => {
        const m = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/.exec(c);
        return m
          ? { rgb: [Number(m[1]), Number(m[2]), Number(m[3])], alpha: m[4] === undefined ? 1 : Number(m[4]) }
          : null;
      };
      const backgroundOf = (el: Element | null): number[] => {
        for (let e = el; e; e = e.parentElement) {
          const bg = parse(getComputedStyle(e).backgroundColor);
          if (bg && bg.alpha > 0.5) return bg.rgb;
        }
        return [255, 255, 255];
      };
      const out: { text: string; colour: number[]; background: number[]; large: boolean }[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const seen = new Set<Element>();
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!el || seen.has(el) || !(node.textContent ?? '').trim() || el.closest('svg, title, desc'))
          continue;
        seen.add(el);
        const style = getComputedStyle(el);
        const size = Number.parseFloat(style.fontSize);
        const bold = Number(style.fontWeight) >= 700;
        out.push({
          text: (node.textContent ?? '').trim().slice(0, 30),
          colour: parse(style.color)!.rgb,
          background: backgroundOf(el),
          large: size >= 24 || (bold && size >= 18.66),
        });
      }
      return out;
    });
    const hex = (rgb: number[]) => `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
    const failures = samples
      .map((s) => ({ ...s, ratio: contrastRatio(hex(s.colour), hex(s.background)) }))
      .filter((s) => s.ratio < (s.large ? 3 : 4.5))
      .map((s) => `"${s.text}" ${hex(s.colour)} on ${hex(s.background)}: ${s.ratio.toFixed(2)}`);
    expect(samples.length).toBeGreaterThan(500);
    expect([...new Set(failures)]).toEqual([]);
  });
});

describe('readableOn', () => {
  it('keeps a dark colour and darkens a light one until it reads at 4.5:1 on white', () => {
    expect(readableOn('#0b3d91')).toBe('#0b3d91');
    const orange = readableOn('#f28c28');
    expect(orange).not.toBe('#f28c28');
    expect(contrastRatio(orange, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio('#f28c28', '#ffffff')).toBeLessThan(3);
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
  });
});
