/**
 * @module Stylesheet and fonts for reports, inlined so the HTML is self-contained and offline.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Font files shipped in npm packages (SIL Open Font Licence), embedded as data: URIs. */
const FONT_FACES: readonly { family: string; weight: number; file: string; range?: string }[] = [
  { family: 'Inter', weight: 400, file: '@fontsource/inter/files/inter-latin-400-normal.woff2' },
  { family: 'Inter', weight: 600, file: '@fontsource/inter/files/inter-latin-600-normal.woff2' },
  { family: 'Inter', weight: 700, file: '@fontsource/inter/files/inter-latin-700-normal.woff2' },
  {
    family: 'Inter',
    weight: 400,
    file: '@fontsource/inter/files/inter-latin-ext-400-normal.woff2',
    range:
      'U+0100-02BA, U+02BD-02C5, U+02C7-02CC, U+02CE-02D7, U+02DD-02FF, U+1D00-1DBF, U+1E00-1E9F, U+1EF2-1EFF, U+2020, U+20A0-20AB, U+20AD-20C0, U+2113, U+2C60-2C7F, U+A720-A7FF',
  },
  {
    family: 'Inter',
    weight: 700,
    file: '@fontsource/inter/files/inter-latin-ext-700-normal.woff2',
    range:
      'U+0100-02BA, U+02BD-02C5, U+02C7-02CC, U+02CE-02D7, U+02DD-02FF, U+1D00-1DBF, U+1E00-1E9F, U+1EF2-1EFF, U+2020, U+20A0-20AB, U+20AD-20C0, U+2113, U+2C60-2C7F, U+A720-A7FF',
  },
  {
    family: 'JetBrains Mono',
    weight: 400,
    file: '@fontsource/jetbrains-mono/files/jetbrains-mono-latin-400-normal.woff2',
  },
];

let cached: Promise<string> | undefined;

async function fontFaceCss(): Promise<string> {
  const rules = await Promise.all(
    FONT_FACES.map(async ({ family, weight, file, range }) => {
      const data = (await readFile(require.resolve(file))).toString('base64');
      return `@font-face{font-family:'${family}';font-style:normal;font-weight:${weight};font-display:block;src:url(data:font/woff2;base64,${data}) format('woff2');${range ? `unicode-range:${range};` : ''}}`;
    }),
  );
  return rules.join('\n');
}

/** The report CSS (fonts + stylesheet), loaded once per process. */
function loadReportCss(stylesheetPath: string): Promise<string> {
  cached ??= Promise.all([fontFaceCss(), readFile(stylesheetPath, 'utf8')]).then(
    ([fonts, css]) => `${fonts}\n${css}`,
  );
  return cached;
}

export { loadReportCss };
