/**
 * The Panther peer suite: every unit test of the panther-analysis CloudTrail rules (Apache-2.0, see
 * test/fixtures/corpus/panther-analysis/SOURCE.md) whose behaviour our pack judges is run through the whole
 * analysis with the full rule pack, and the results are scored against Panther's own labels.
 *
 * test/fixtures/peer-suite/panther.yaml maps each Panther rule to our rules (`ours`) or says why it is out of
 * scope. A true-positive test is detected when the analysis raises a finding from one of `ours`; a negative
 * test is a false alarm when it does. Tests with `mocks` (their outcome depends on Panther helpers) and tests
 * whose event our ingest rejects are skipped and counted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadControlCatalog } from '../../../functions/adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../../functions/adapters/fs/loadRulePack.js';
import { runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import type { TenantConfig } from '../../../functions/core/config/tenantConfig.js';
import type { RecordSource } from '../../../functions/core/ingest/types.js';
import { type Json, pantherTests } from '../../helpers/corpus.js';

/** Floors for the figures; the measured values are printed with the table. */
const MIN_PRECISION = 0.9;
const MIN_RECALL = 0.8;

interface PeerEntry {
  panther: string;
  ours?: string[];
  outOfScope?: string;
  gap?: string;
}

const peerFile = new URL('../../fixtures/peer-suite/panther.yaml', import.meta.url);
const entries = (parse(readFileSync(peerFile, 'utf8')) as { rules: PeerEntry[] }).rules;
const indexIds = readFileSync(
  new URL('../../fixtures/corpus/panther-analysis/panther_rules_index.jsonl', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => (JSON.parse(line) as { rule_id: string }).rule_id);

const catalog = await loadControlCatalog();
const pack = await loadRulePack(catalog);

function tenantFor(event: Json): TenantConfig {
  const account = event.recipientAccountId;
  return {
    id: 'panther-peer',
    name: 'Panther peer suite',
    mssp: { name: 'test' },
    accounts:
      typeof account === 'string' && account
        ? [{ id: account, name: account, environment: 'test', source: { files: '.' } }]
        : [],
    inventory: [],
    exceptions: [],
    recipients: [],
  };
}

function oneEventSource(event: Json): RecordSource {
  return {
    name: 'panther-test.json',
    open: async function* () {
      yield Buffer.from(JSON.stringify({ Records: [event] }));
    },
  };
}

interface RuleScore {
  panther: string;
  tp: number;
  detected: number;
  missed: string[];
  negatives: number;
  falseAlarms: string[];
}

async function score() {
  const byRule = new Map(entries.map((e) => [e.panther, e]));
  const scores = new Map<string, RuleScore>();
  const skippedMocks: string[] = [];
  const rejected: string[] = [];
  for (const test of pantherTests()) {
    const entry = byRule.get(test.source_rule);
    if (!entry?.ours) continue;
    const label = `${test.source_rule}: ${test.test_name}`;
    if (test.mocks !== undefined) {
      skippedMocks.push(label);
      continue;
    }
    const analysis = await runAnalysis({
      sources: [oneEventSource(test.event)],
      config: tenantFor(test.event),
      configHash: null,
      catalog,
      rules: pack,
      toolVersion: 'panther-peer-suite',
    });
    if (analysis.input.rejected > 0) {
      rejected.push(`${label} (${analysis.input.rejections[0]?.reason})`);
      continue;
    }
    const ours = new Set(entry.ours);
    const fired = analysis.findings.some((f) => ours.has(f.rule));
    let s = scores.get(entry.panther);
    if (!s) {
      s = { panther: entry.panther, tp: 0, detected: 0, missed: [], negatives: 0, falseAlarms: [] };
      scores.set(entry.panther, s);
    }
    if (test.expected) {
      s.tp++;
      if (fired) s.detected++;
      else s.missed.push(test.test_name);
    } else {
      s.negatives++;
      if (fired) s.falseAlarms.push(test.test_name);
    }
  }
  return { scores: [...scores.values()], skippedMocks, rejected };
}

const { scores, skippedMocks, rejected } = await score();
const inScope = entries.filter((e) => e.ours);
const tp = scores.reduce((n, s) => n + s.tp, 0);
const detected = scores.reduce((n, s) => n + s.detected, 0);
const negatives = scores.reduce((n, s) => n + s.negatives, 0);
const falseAlarms = scores.reduce((n, s) => n + s.falseAlarms.length, 0);
const precision = detected + falseAlarms === 0 ? 1 : detected / (detected + falseAlarms);
const recall = tp === 0 ? 1 : detected / tp;

function report(): string {
  const rows = scores
    .filter((s) => s.tp + s.negatives > 0)
    .map((s) => {
      const missed = s.missed.length ? ` missed: ${s.missed.join('; ')}` : '';
      const alarms = s.falseAlarms.length ? ` false alarms: ${s.falseAlarms.join('; ')}` : '';
      return `  ${s.panther.padEnd(52)} TP ${s.detected}/${s.tp}  FP ${s.falseAlarms.length}/${s.negatives}${missed}${alarms}`;
    });
  return [
    'Panther peer suite (panther-analysis @daa10c8)',
    `  in-scope Panther rules: ${inScope.length} (${inScope.filter((e) => e.ours?.length === 0).length} of them gaps with no rule yet); out of scope: ${entries.length - inScope.length}`,
    `  true-positive tests: ${tp}, detected ${detected}, missed ${tp - detected}`,
    `  negative tests: ${negatives}, false alarms ${falseAlarms}`,
    `  precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`,
    `  skipped: ${skippedMocks.length} tests with mocks, ${rejected.length} tests whose event our ingest rejects`,
    ...rows,
    ...rejected.map((r) => `  rejected: ${r}`),
  ].join('\n');
}

describe('Panther peer suite', () => {
  it('lists every Panther rule of the index exactly once, each in scope or with a reason', () => {
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.panther, (counts.get(e.panther) ?? 0) + 1);
    expect([...counts.entries()].filter(([, n]) => n > 1).map(([id]) => id)).toEqual([]);
    expect([...counts.keys()].sort()).toEqual([...new Set(indexIds)].sort());
    for (const e of entries) {
      expect(
        (e.ours !== undefined) !== (e.outOfScope !== undefined),
        `${e.panther}: needs exactly one of ours or outOfScope`,
      ).toBe(true);
      if (e.outOfScope !== undefined) expect(e.outOfScope.length, e.panther).toBeGreaterThan(10);
      if (e.ours?.length === 0) expect(e.gap, `${e.panther}: an empty ours needs a gap note`).toBeTruthy();
    }
  });

  it('maps only to rules that exist in the pack and raise findings', () => {
    const findingRules = new Set(
      pack.rules.filter((r) => r.definition.effect === 'finding').map((r) => r.definition.id),
    );
    const unknown = inScope.flatMap((e) => (e.ours ?? []).filter((id) => !findingRules.has(id)));
    expect(unknown).toEqual([]);
  });

  it(`detects Panther's true positives with precision >= ${MIN_PRECISION} and recall >= ${MIN_RECALL}`, () => {
    console.log(report());
    expect(tp).toBeGreaterThan(0);
    expect(precision).toBeGreaterThanOrEqual(MIN_PRECISION);
    expect(recall).toBeGreaterThanOrEqual(MIN_RECALL);
  });
});
