/**
 * @module Runs the test events kept inside each rule file, the way panther-analysis runs its `Tests:`.
 */
import { type TenantConfig, TenantConfigSchema } from '../config/tenantConfig.js';
import { IdentityResolver } from '../identity/IdentityResolver.js';
import { isRejection, normalizeEvent } from '../ingest/normalizeEvent.js';
import { type CompiledRule, RuleEngine, type RulePack } from './RuleEngine.js';

interface RuleTestResult {
  readonly rule: string;
  readonly test: string;
  readonly expected: boolean;
  readonly actual: boolean;
  readonly actorClass?: string;
  readonly error?: string;
}

function tenantFor(
  test: CompiledRule['definition']['tests'][number],
): Pick<TenantConfig, 'inventory' | 'accounts'> {
  const accounts = (test.tenant?.accounts ?? []).map((id) => ({
    id,
    name: id,
    environment: 'test',
    source: { files: '.' },
  }));
  const inventory = TenantConfigSchema.shape.inventory.parse(test.tenant?.inventory ?? []);
  return { accounts, inventory };
}

/** Evaluates every test of every rule in isolation (only that rule in the engine). */
function runRuleTests(pack: RulePack): RuleTestResult[] {
  const results: RuleTestResult[] = [];
  for (const rule of pack.rules) {
    const engine = new RuleEngine({ rules: [rule], version: pack.version });
    for (const test of rule.definition.tests) {
      const event = normalizeEvent(test.event);
      if (isRejection(event)) {
        results.push({
          rule: rule.definition.id,
          test: test.name,
          expected: test.expect,
          actual: false,
          error: `test event rejected: ${event.reason}`,
        });
        continue;
      }
      const attribution = new IdentityResolver(tenantFor(test)).attribute(event);
      const actual = engine.match(event, attribution).length > 0;
      results.push({
        rule: rule.definition.id,
        test: test.name,
        expected: test.expect,
        actual,
        actorClass: attribution.actor.actorClass,
      });
    }
  }
  return results;
}

export type { RuleTestResult };
export { runRuleTests };
