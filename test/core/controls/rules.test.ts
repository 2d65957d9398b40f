import { describe, expect, it } from 'vitest';
import { loadControlCatalog } from '../../../functions/adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../../functions/adapters/fs/loadRulePack.js';
import { buildRulePack } from '../../../functions/core/controls/RuleEngine.js';
import { runRuleTests } from '../../../functions/core/controls/ruleTests.js';

const catalog = await loadControlCatalog();
const pack = await loadRulePack(catalog);
const results = await runRuleTests(pack, catalog);

describe('rule pack: the test events kept in each rule file', () => {
  it.each(results.map((r) => [`${r.rule}: ${r.test}`, r] as const))('%s', (_name, r) => {
    expect(r.error).toBeUndefined();
    expect(r.actual, `expected ${r.expected ? 'a match' : 'no match'} (actor class ${r.actorClass})`).toBe(
      r.expected,
    );
  });

  it('every rule has positive and negative tests and cites only catalog controls', () => {
    for (const rule of pack.rules) {
      const tests = rule.definition.tests;
      expect(tests.some((t) => t.expect)).toBe(true);
      expect(tests.some((t) => !t.expect)).toBe(true);
      for (const id of rule.definition.controls) expect(catalog.byId.has(id)).toBe(true);
    }
  });
});

describe('buildRulePack validation', () => {
  const valid = pack.rules.find((r) => !r.definition.detector)!
    .document as (typeof pack.rules)[number]['definition'];
  const build = (data: unknown) => () => buildRulePack([{ file: 'rules/bad.yaml', data }], catalog);

  it('names the file and field of a schema problem', () => {
    expect(build({ ...valid, severity: 'urgent' })).toThrow(/rules\/bad\.yaml: severity/);
    expect(build({ ...valid, id: 'Not Kebab' })).toThrow(
      /rules\/bad\.yaml: id: expected a kebab-case rule id/,
    );
  });

  it('rejects unknown and withdrawn control IDs', () => {
    expect(build({ ...valid, controls: ['PR.AC-01'] })).toThrow(/unknown control id PR\.AC-01/);
    expect(build({ ...valid, controls: ['NHI11:2025'] })).toThrow(/unknown control id NHI11:2025/);
  });

  it('refuses rules that judge a control CloudTrail cannot observe', () => {
    expect(build({ ...valid, controls: ['GV.OC-01'] })).toThrow(/GV\.OC-01 is marked not observable/);
  });

  it('requires a positive and a negative test event', () => {
    expect(build({ ...valid, tests: valid.tests.filter((t) => t.expect) })).toThrow(/expect: false/);
  });

  it('rejects invalid regular expressions', () => {
    expect(
      build({ ...valid, match: { ...valid.match, all: [{ field: 'eventName', matches: '([' }] } }),
    ).toThrow(/invalid regular expression/);
  });

  it('changes its version when a rule changes', () => {
    const docs = pack.rules.map((r, i) => ({
      file: `r${i}.yaml`,
      data: r.document as Record<string, unknown>,
    }));
    const again = buildRulePack(docs, catalog);
    expect(again.version).toBe(pack.version);
    const changed = buildRulePack(
      docs.map((d, i) => (i === 0 ? { ...d, data: { ...d.data, title: `${d.data.title} (changed)` } } : d)),
      catalog,
    );
    expect(changed.version).not.toBe(pack.version);
  });
});
