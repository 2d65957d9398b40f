/**
 * @module `trailproof catalog [--framework …] [--json]`: lists the controls Trailproof maps to.
 */
import { type Command, Option } from 'commander';
import { loadControlCatalog } from '../../adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../adapters/fs/loadRulePack.js';
import { FRAMEWORK_IDS } from '../../core/controls/catalog.js';

function registerCatalogCommand(program: Command): void {
  program
    .command('catalog')
    .description('list the controls of OWASP NHI Top 10 (2025), OWASP Agentic Top 10 (2026) and NIST CSF 2.0')
    .addOption(new Option('-f, --framework <id>', 'only this framework').choices([...FRAMEWORK_IDS]))
    .option('--json', 'print JSON (controls with the rules that map to them)')
    .action(async (options: { framework?: string; json?: boolean }) => {
      const catalog = await loadControlCatalog();
      const rules = await loadRulePack(catalog);
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
          controls: controls.map((c) => ({ ...c, rules: rulesByControl.get(c.id) ?? [] })),
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
        }
      }
      process.stdout.write(`\ncatalog ${catalog.version}, rules ${rules.version}\n`);
    });
}

export { registerCatalogCommand };
