/**
 * @module Runs the test events kept inside each rule file, the way panther-analysis runs its `Tests:`.
 *
 * Finding rules (event rules and detectors) run through the whole analysis with a pack of just
 * that rule, so a test proves what a report would say, not what one function returns.
 */
import { runAnalysis } from '../analysis/runAnalysis.js';
import { type TenantConfig, TenantConfigSchema } from '../config/tenantConfig.js';
import { IdentityResolver } from '../identity/IdentityResolver.js';
import { isRejection, normalizeEvent } from '../ingest/normalizeEvent.js';
import type { RecordSource } from '../ingest/types.js';
import type { ControlCatalog } from './catalog.js';
import { type CompiledRule, RuleEngine, type RulePack } from './RuleEngine.js';
import { tenantContextOf } from './tenantContext.js';

interface RuleTestResult {
  readonly rule: string;
  readonly test: string;
  readonly expected: boolean;
  readonly actual: boolean;
  readonly actorClass?: string;
  readonly error?: string;
}

type RuleTest = CompiledRule['definition']['tests'][number];

function tenantFor(test: RuleTest): TenantConfig {
  const accounts = (test.tenant?.accounts ?? []).map((entry) => {
    const { id, environment } = typeof entry === 'string' ? { id: entry, environment: 'test' } : entry;
    return { id, name: id, environment, source: { files: '.' } as const };
  });
  const inventory = TenantConfigSchema.shape.inventory.parse(test.tenant?.inventory ?? []);
  return {
    id: 'rule-test',
    name: 'Rule test',
    mssp: { name: 'test' },
    accounts,
    inventory,
    exceptions: [],
    recipients: [],
  };
}

function memorySource(events: readonly Record<string, unknown>[]): RecordSource {
  return {
    name: 'rule-test.json',
    open: async function* () {
      yield Buffer.from(JSON.stringify({ Records: events }));
    },
  };
}

async function runFindingTest(rule: CompiledRule, test: RuleTest, pack: RulePack, catalog: ControlCatalog) {
  const events = test.events ?? [test.event!];
  const analysis = await runAnalysis({
    sources: [memorySource(events)],
    config: tenantFor(test),
    configHash: null,
    catalog,
    rules: { rules: [rule], version: pack.version },
    toolVersion: 'rule-test',
  });
  if (analysis.input.rejected > 0) {
    return { actual: false, error: `test event rejected: ${analysis.input.rejections[0]?.reason}` };
  }
  const actor = analysis.actors[0];
  return { actual: analysis.findings.some((f) => f.rule === rule.definition.id), actorClass: actor?.class };
}

function runMatchTest(rule: CompiledRule, test: RuleTest, pack: RulePack) {
  const tenant = tenantFor(test);
  const engine = new RuleEngine({ rules: [rule], version: pack.version }, tenantContextOf(tenant));
  const resolver = new IdentityResolver(tenant);
  let actual = false;
  let actorClass: string | undefined;
  for (const raw of test.events ?? [test.event!]) {
    const event = normalizeEvent(raw);
    if (isRejection(event)) return { actual: false, error: `test event rejected: ${event.reason}` };
    const attribution = resolver.attribute(event);
    actorClass = attribution.actor.actorClass;
    if (engine.match(event, attribution).length > 0) actual = true;
  }
  return { actual, actorClass };
}

/** Evaluates every test of every rule in isolation (only that rule in the engine). */
async function runRuleTests(pack: RulePack, catalog: ControlCatalog): Promise<RuleTestResult[]> {
  const results: RuleTestResult[] = [];
  for (const rule of pack.rules) {
    for (const test of rule.definition.tests) {
      const outcome =
        rule.definition.effect === 'finding'
          ? await runFindingTest(rule, test, pack, catalog)
          : runMatchTest(rule, test, pack);
      results.push({ rule: rule.definition.id, test: test.name, expected: test.expect, ...outcome });
    }
  }
  return results;
}

export type { RuleTestResult };
export { runRuleTests };
