/**
 * @module The coverage table: for every control, which rules judge it, which only evidence it,
 * and which CloudTrail cannot observe (generated into the README and printed by `catalog --markdown`).
 */
import type { ControlCatalog } from './catalog.js';
import type { RulePack } from './RuleEngine.js';

interface ControlCoverage {
  readonly id: string;
  readonly title: string;
  readonly coverage: 'rules' | 'evidence-only' | 'context-only' | 'not-observable' | 'no-rule';
  readonly findingRules: readonly string[];
  readonly evidenceRules: readonly string[];
  readonly contextRules: readonly string[];
  readonly reason: string | null;
}

function coverageOf(catalog: ControlCatalog, rules: RulePack): ControlCoverage[] {
  const by = new Map<string, { finding: string[]; evidence: string[]; context: string[] }>();
  for (const rule of rules.rules) {
    for (const id of rule.definition.controls) {
      const entry = by.get(id) ?? { finding: [], evidence: [], context: [] };
      entry[rule.definition.effect].push(rule.definition.id);
      by.set(id, entry);
    }
  }
  return catalog.controls.map((control) => {
    const entry = by.get(control.id) ?? { finding: [], evidence: [], context: [] };
    const coverage =
      control.observability === 'not-observable'
        ? 'not-observable'
        : entry.finding.length
          ? 'rules'
          : entry.evidence.length
            ? 'evidence-only'
            : entry.context.length
              ? 'context-only'
              : 'no-rule';
    return {
      id: control.id,
      title: control.title,
      coverage,
      findingRules: entry.finding.sort(),
      evidenceRules: entry.evidence.sort(),
      contextRules: entry.context.sort(),
      reason: control.observability === 'not-observable' ? (control.observabilityReason ?? null) : null,
    };
  });
}

const LABEL: Record<ControlCoverage['coverage'], string> = {
  rules: 'judged by rules',
  'evidence-only': 'evidence only',
  'context-only': 'mapped, not judged',
  'not-observable': 'not observable from CloudTrail',
  'no-rule': 'observable (at least in part), no rule yet',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

/** Markdown: a summary line per framework, then one table per framework. */
function coverageMarkdown(catalog: ControlCatalog, rules: RulePack): string {
  const rows = coverageOf(catalog, rules);
  const out: string[] = [];
  for (const framework of catalog.frameworks) {
    const ids = new Set(catalog.controls.filter((c) => c.framework === framework.id).map((c) => c.id));
    const list = rows.filter((r) => ids.has(r.id));
    const count = (k: ControlCoverage['coverage']) => list.filter((r) => r.coverage === k).length;
    out.push(
      `**${framework.name} (${framework.edition})** — ${list.length} controls: ${count('rules')} judged by rules, ${count('evidence-only')} evidence only, ${count('context-only')} mapped but not judged, ${count('not-observable')} not observable from CloudTrail, ${count('no-rule')} observable without a rule yet.`,
      '',
    );
    // CSF's 74 process outcomes are summarised rather than listed one by one.
    const shown =
      framework.id === 'nist-csf-2.0' ? list.filter((r) => r.coverage !== 'not-observable') : list;
    out.push('| Control | Title | Coverage | Rules |', '|---|---|---|---|');
    for (const r of shown) {
      const rulesText = [
        ...r.findingRules.map((id) => `\`${id}\``),
        ...r.evidenceRules.map((id) => `\`${id}\` (evidence)`),
        ...r.contextRules.map((id) => `\`${id}\` (context)`),
      ].join(', ');
      out.push(
        `| ${r.id} | ${cell(r.title)} | ${LABEL[r.coverage]} | ${r.reason ? cell(r.reason) : rulesText || '—'} |`,
      );
    }
    if (shown.length < list.length) {
      out.push(
        '',
        `The other ${list.length - shown.length} CSF 2.0 outcomes (all of GOVERN, PR.AT, RECOVER communication and more) are about process, not API calls, and are reported as not observable, each with its reason, in every analysis.`,
      );
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export type { ControlCoverage };
export { coverageMarkdown, coverageOf };
