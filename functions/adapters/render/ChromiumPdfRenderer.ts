/**
 * @module HTML → PDF with headless Chromium (puppeteer-core), one browser per run, no network.
 *
 * The browser comes from @sparticuz/chromium (the same binary locally and in Lambda) unless
 * TRAILPROOF_CHROMIUM_PATH points at another Chrome/Chromium. JavaScript is off, the page is
 * offline, DNS resolves nothing, and every request other than `data:` is aborted and reported,
 * so a report can never fetch anything, whatever a log field contains.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/** Rendering failed, or the page tried to reach the network (`blockedRequests`). */
class PdfRenderError extends Error {
  override name = 'PdfRenderError' as const;
  constructor(
    message: string,
    readonly blockedRequests: readonly string[] = [],
  ) {
    super(message);
  }
}

interface PdfOptions {
  /** Plain text for the page footer (escaped here). */
  readonly footerLeft: string;
}

const COMMON_PATHS = [
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/** Flags that stop Chromium's own background traffic; sparticuz's web-security relaxations are dropped. */
const OFFLINE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-domain-reliability',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--no-pings',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost',
];
const UNSAFE_ARGS = new Set([
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--disable-site-isolation-trials',
]);

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The Chromium executable and its offline flags (also used by tests that inspect the rendered page). */
async function resolveBrowser(): Promise<{ executablePath: string; args: string[] }> {
  const explicit = process.env.TRAILPROOF_CHROMIUM_PATH;
  if (explicit) {
    if (!existsSync(explicit))
      throw new PdfRenderError(`TRAILPROOF_CHROMIUM_PATH points to ${explicit}, which does not exist`);
    return { executablePath: explicit, args: OFFLINE_ARGS };
  }
  if (process.platform === 'linux' && process.arch === 'x64') {
    const { default: chromium } = await import('@sparticuz/chromium');
    chromium.setGraphicsMode = false;
    const executablePath = await chromium.executablePath();
    const args = [...chromium.args.filter((a) => !UNSAFE_ARGS.has(a)), ...OFFLINE_ARGS];
    return { executablePath, args };
  }
  const found = COMMON_PATHS.find((p) => existsSync(p));
  if (!found) {
    throw new PdfRenderError(
      'no Chromium found: set TRAILPROOF_CHROMIUM_PATH to a Chrome or Chromium executable (the bundled @sparticuz/chromium runs on Linux x64 only)',
    );
  }
  return { executablePath: found, args: OFFLINE_ARGS };
}

/** A4 width less the report's 14 mm side margins, in CSS pixels: what the print layout has. */
const PRINTABLE_WIDTH_PX = Math.floor(((210 - 28) / 25.4) * 96);

/** Lists elements wider than the printable width (Chromium would shrink every page to fit them). */
const FIND_OVERFLOW = `(() => {
  const limit = ${PRINTABLE_WIDTH_PX} + 1;
  if (document.documentElement.scrollWidth <= limit) return [];
  const rightOf = (el) => {
    const r = el.getBoundingClientRect();
    return r.left + Math.max(el.scrollWidth, r.width);
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    if (rightOf(el) <= limit) continue;
    // Name the innermost culprit, not every ancestor it widens.
    if ([...el.children].some((child) => rightOf(child) > limit)) continue;
    const text = (el.textContent || '').trim().slice(0, 40);
    const cls = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '';
    out.push(el.tagName.toLowerCase() + cls + ' "' + text + '" is ' + Math.round(rightOf(el)) + 'px wide');
    if (out.length >= 5) break;
  }
  return out.length ? out : ['the document is ' + document.documentElement.scrollWidth + 'px wide'];
})()`;

class ChromiumPdfRenderer {
  /** Elements of the last rendered document that were wider than the page (empty when none). */
  lastOverflow: readonly string[] = [];

  private constructor(
    private readonly browser: Browser,
    private readonly profileDir: string,
  ) {}

  static async launch(): Promise<ChromiumPdfRenderer> {
    const { executablePath, args } = await resolveBrowser();
    const profileDir = await mkdtemp(path.join(tmpdir(), 'trailproof-chromium-'));
    try {
      const browser = await puppeteer.launch({
        executablePath,
        args,
        headless: 'shell',
        userDataDir: profileDir,
      });
      return new ChromiumPdfRenderer(browser, profileDir);
    } catch (error) {
      await rm(profileDir, { recursive: true, force: true });
      throw new PdfRenderError(`Chromium failed to start (${executablePath}): ${(error as Error).message}`);
    }
  }

  /** Renders one HTML document; throws if the page attempted any network request. */
  async render(html: string, options: PdfOptions): Promise<Uint8Array> {
    const page = await this.browser.newPage();
    const blocked: string[] = [];
    try {
      await page.setJavaScriptEnabled(false);
      await page.setRequestInterception(true);
      page.on('request', (request) => {
        const url = request.url();
        if (url.startsWith('data:') || url === 'about:blank') {
          void request.continue();
        } else {
          blocked.push(url.length > 200 ? `${url.slice(0, 200)}…` : url);
          void request.abort('blockedbyclient');
        }
      });
      await page.setOfflineMode(true);
      await page.setContent(html, { waitUntil: 'load', timeout: 120_000 });
      await page.evaluateHandle('document.fonts.ready').catch(() => undefined);
      await page.emulateMediaType('print');
      await page.setViewport({ width: PRINTABLE_WIDTH_PX, height: 1100 });
      this.lastOverflow = ((await page.evaluate(FIND_OVERFLOW)) as string[]) ?? [];
      const footer = `<div style="font-family: Arial, sans-serif; font-size: 7pt; color: #5b6470; width: 100%; padding: 0 14mm; display: flex; justify-content: space-between;"><span>${escapeHtml(options.footerLeft)}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: '<div></div>',
        footerTemplate: footer,
        timeout: 300_000,
      });
      if (blocked.length) {
        throw new PdfRenderError(
          `the report page tried to load ${blocked.length} resource(s); all were blocked`,
          blocked,
        );
      }
      return pdf;
    } finally {
      await page.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await rm(this.profileDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

export { ChromiumPdfRenderer, PdfRenderError, resolveBrowser };
