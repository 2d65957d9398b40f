/**
 * @module `trailproof catalog [--framework …] [--json]`: lists the controls Trailproof maps to.
 */
import { type Command, Option } from 'commander';
import { loadControlCatalog } from '../../adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../adapters/fs/loadRulePack.js';
import { FRAMEWORK_IDS } from '../../core/controls/catalog.js';
import { coverageMarkdown } from '../../core/controls/coverageTable.js';

function registerCatalogCommand(program: Command): void {
  program
    .command('catalog')
    .description('list the controls of OWASP NHI Top 10 (2025), OWASP Agentic Top 10 (2026) and NIST CSF 2.0')
    .addOption(new Option('-f, --framework <id>', 'only this framework').choices([...FRAMEWORK_IDS]))
    .option('--json', 'print JSON (controls with the rules that map to them)')
    .option('--markdown', 'print the coverage table (the one in the README)')
    .action(async (options: { framework?: string; json?: boolean; markdown?: boolean }) => {
      const catalog = await loadControlCatalog();
      const rules = await loadRulePack(catalog);
      if (options.markdown) {
        process.stdout.write(`${coverageMarkdown(catalog, rules)}\n`);
        return;
      }
      const rulesByControl = new Map<string, string[]>();
      for (const rule of rules.rules) {
        for (const id of rule.definition.controls) {
          rulesByControl.set(id, [
            ...(rulesByControl.get(id) ?? []),
            `${rule.definition.id} (${rule.definition.effect})`,
          ]);
        }
      }
      const controls = catalog.controls.filter(
        (c) => !options.framework || c.framework === options.framework,
      );
      if (options.json) {
        const out = {
          catalogVersion: catalog.version,
          rulesVersion: rules.version,
          frameworks: catalog.frameworks.filter((f) => !options.framework || f.id === options.framework),
          controls: controls.map((c) => ({
            ...c,
            rules: rulesByControl.get(c.id) ?? [],
            links: catalog.linksOf(c.id).map((l) => ({ ...l })),
          })),
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return;
      }
      for (const framework of catalog.frameworks) {
        if (options.framework && framework.id !== options.framework) continue;
        process.stdout.write(`\n${framework.name} (${framework.id}, ${framework.edition})\n`);
        for (const c of controls.filter((x) => x.framework === framework.id)) {
          const rulesFor = rulesByControl.get(c.id);
          const coverage = rulesFor
            ? `rules: ${rulesFor.length}`
            : c.observability === 'not-observable'
              ? 'not observable from CloudTrail'
              : 'no rule yet';
          process.stdout.write(`  ${c.id.padEnd(11)} ${c.title.slice(0, 70).padEnd(71)} ${coverage}\n`);
          const links = catalog
            .linksOf(c.id)
            .map((l) => `${l.from === c.id ? l.to : l.from}${l.kind === 'published' ? '' : '*'}`);
          if (links.length) process.stdout.write(`  ${''.padEnd(11)} linked: ${links.join(', ')}\n`);
        }
      }
      process.stdout.write(
        `\n* = Trailproof's own link; the others are OWASP's published NHI/ASI mapping.\ncatalog ${catalog.version}, rules ${rules.version}\n`,
      );
    });
}

export { registerCatalogCommand };
