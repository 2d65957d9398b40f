import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadControlCatalog } from '../../functions/adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../functions/adapters/fs/loadRulePack.js';
import { coverageMarkdown } from '../../functions/core/controls/coverageTable.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README.md', () => {
  it('has the coverage table of the current rule pack (run npm run docs after changing rules)', async () => {
    const catalog = await loadControlCatalog();
    const rules = await loadRulePack(catalog);
    const start = readme.indexOf('<!-- coverage:start');
    const end = readme.indexOf('<!-- coverage:end -->');
    const body = readme.slice(readme.indexOf('\n', start) + 1, end).trim();
    expect(body).toBe(coverageMarkdown(catalog, rules));
  });

  it('keeps the two quickstart commands', () => {
    expect(readme).toContain('scripts/system-deps.sh && npm ci && npm run --silent trailproof -- demo');
    expect(readme).toContain('scripts/system-deps.sh && npm ci && npm test');
    // CI runs exactly the README's test command.
    expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).toContain(
      'scripts/system-deps.sh && npm ci && npm test',
    );
  });
});
