/**
 * Change since the previous period, over three generated months of the sample tenant: a quiet
 * September (one incident), October with all five incidents, and a quiet November.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  comparePeriods,
  type PeriodChange,
  PreviousAnalysisError,
  parsePreviousAnalysis,
} from '../../../functions/core/analysis/periodChange.js';
import { runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import type { Analysis } from '../../../functions/core/analysis/types.js';
import { generateTenantMonth } from '../../../functions/core/sample/generateTenantMonth.js';
import { loadPipelineData } from '../../../functions/jobs/loadPipelineData.js';

const data = await loadPipelineData('examples/demo-tenant.yaml');
const QUIET = ['human-uses-service-identity'];

async function analyseMonth(month: string, incidents?: string[]): Promise<Analysis> {
  const records = [...generateTenantMonth({ month, incidents })];
  const [year, m] = month.split('-').map(Number) as [number, number];
  return runAnalysis({
    sources: [
      {
        name: `${month}.json`,
        open: async function* () {
          yield Buffer.from(JSON.stringify({ Records: records }));
        },
      },
    ],
    config: data.config,
    configHash: data.configHash,
    catalog: data.catalog,
    rules: data.rules,
    toolVersion: 'test',
    window: { startMs: Date.UTC(year, m - 1, 1), endMs: Date.UTC(year, m, 1), label: month },
  });
}

/** What the report job does: the previous analysis comes back from a JSON file. */
const stored = (analysis: Analysis) => JSON.parse(JSON.stringify(analysis)) as unknown;

let september: Analysis;
let october: Analysis;
let november: Analysis;
let rising: PeriodChange;
let falling: PeriodChange;

beforeAll(async () => {
  september = await analyseMonth('2026-09', QUIET);
  october = await analyseMonth('2026-10');
  november = await analyseMonth('2026-11', QUIET);
  rising = comparePeriods(october, parsePreviousAnalysis(stored(september), 'sep.json'), 'sep.json');
  falling = comparePeriods(november, parsePreviousAnalysis(stored(october), 'oct.json'), 'oct.json');
}, 120_000);

describe('comparePeriods', () => {
  it('splits findings into new, resolved and persisting by their stable ids', () => {
    const ids = (list: readonly { id: string }[]) => new Set(list.map((f) => f.id));
    const before = ids(september.findings);
    const now = ids(october.findings);
    expect(rising.findings.new.length).toBeGreaterThan(0);
    for (const f of rising.findings.new) expect([before.has(f.id), now.has(f.id)]).toEqual([false, true]);
    for (const f of rising.findings.persisting) expect(before.has(f.id) && now.has(f.id)).toBe(true);
    expect(rising.findings.new.length + rising.findings.persisting.length).toBe(
      october.findings.filter((f) => !f.suppressed).length,
    );
    // The planted October incidents appear as new, and are resolved in November.
    const rules = (list: readonly { rule: string }[]) => list.map((f) => f.rule);
    expect(rules(rising.findings.new)).toEqual(
      expect.arrayContaining(['llm-jacking', 'log-tampering-attempt-denied']),
    );
    expect(rules(falling.findings.resolved)).toEqual(
      expect.arrayContaining(['llm-jacking', 'log-tampering-attempt-denied']),
    );
    expect(falling.findings.new).toEqual([]);
    // The person using svc-reporting happens every month: persisting, not new.
    expect(rules(rising.findings.persisting)).toContain(
      september.findings.find((f) => f.actorName.includes('reporting'))?.rule,
    );
  });

  it('lists the most severe and most frequent new findings first', () => {
    const rank = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
    const severities = rising.findings.new.map((f) => rank[f.severity]);
    expect(severities).toEqual([...severities].sort((a, b) => b - a));
  });

  it('reports controls that started and stopped failing', () => {
    const violated = rising.controls.newlyViolated.map((c) => c.id);
    expect(violated.length).toBeGreaterThan(0);
    for (const id of violated) {
      expect(october.controls.find((c) => c.id === id)?.status).toBe('violated');
      expect(september.controls.find((c) => c.id === id)?.status).not.toBe('violated');
    }
    expect(falling.controls.noLongerViolated.map((c) => c.id)).toEqual(expect.arrayContaining(violated));
  });

  it('puts the new high-severity findings first among the highlights, in plain words', () => {
    const [first, second] = rising.highlights;
    expect(first?.kind).toBe('new-finding');
    expect(first?.text).toMatch(/^\d+ new high-severity findings?: /);
    expect(first?.text).toContain('LLM-jacking');
    expect(second?.kind).toBe('control-violated');
    expect(falling.highlights[0]?.kind).toBe('resolved-finding');
    expect(falling.highlights[0]?.text).toMatch(/did not recur, including .*LLM-jacking/);
  });

  it('reports coverage trends: accounts that stopped reporting and a fall in accountability', () => {
    // A previous period that had an extra account and full accountability.
    const previous = structuredClone(stored(october)) as {
      summary: { accounts: string[] };
      accountability: { coverage: number };
    };
    previous.summary.accounts.push('555555555555');
    previous.accountability.coverage = 1;
    const current = {
      ...november,
      accountability: { ...november.accountability, coverage: 0.8 },
    } as Analysis;
    const change = comparePeriods(current, parsePreviousAnalysis(previous, 'oct.json'), 'oct.json');
    expect(change.coverage.accountsLost).toEqual(['555555555555']);
    expect(change.highlights.slice(0, 2).map((h) => h.kind)).toEqual(['accountability', 'accounts-lost']);
    expect(change.highlights[0]?.text).toBe(
      'Accountability fell from 100% to 80% of machine actions tied to an owner.',
    );
  });

  it('is deterministic', () => {
    const again = comparePeriods(october, parsePreviousAnalysis(stored(september), 'sep.json'), 'sep.json');
    expect(again).toEqual(rising);
  });

  it('refuses another tenant, a later period, and a file that is not an analysis', () => {
    const other = { ...(stored(september) as object), tenant: { id: 'globex', name: 'Globex' } };
    expect(() => comparePeriods(october, parsePreviousAnalysis(other, 'g.json'), 'g.json')).toThrow(
      'g.json: belongs to tenant "globex", not "acme"',
    );
    expect(() =>
      comparePeriods(october, parsePreviousAnalysis(stored(november), 'n.json'), 'n.json'),
    ).toThrow(/n.json: period 2026-11 does not precede 2026-10/);
    expect(() => parsePreviousAnalysis({ schema: 'trailproof/analysis@3' }, 'x.json')).toThrow(
      /x.json: schema trailproof\/analysis@3 is not trailproof\/analysis@1 or trailproof\/analysis@2/,
    );
    // A previous period analysed by the version before the actors' credential count was renamed.
    const older = { ...(stored(september) as object), schema: 'trailproof/analysis@1' };
    expect(parsePreviousAnalysis(older, 'o.json').schema).toBe('trailproof/analysis@1');
    const broken = structuredClone(stored(september)) as { findings: { severity: string }[] };
    broken.findings[0]!.severity = 'urgent';
    expect(() => parsePreviousAnalysis(broken, 'b.json')).toThrow(PreviousAnalysisError);
    expect(() => parsePreviousAnalysis(broken, 'b.json')).toThrow(/b.json: .*findings\[0\]\.severity/);
  });
});
