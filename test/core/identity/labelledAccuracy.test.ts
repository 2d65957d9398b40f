/**
 * Accuracy of actor classification on an independently labelled set of 263 events
 * (test/fixtures/identity/labelled-events.jsonl; labels decided from each event's evidence,
 * without running the classifier — see SOURCE.md there).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IdentityResolver } from '../../../functions/core/identity/IdentityResolver.js';
import { ACTOR_CLASSES } from '../../../functions/core/identity/principal.js';
import { isRejection, normalizeEvent } from '../../../functions/core/ingest/normalizeEvent.js';

interface Labelled {
  id: string;
  class: string;
  rationale: string;
  tenantAccounts?: string[];
  event: Record<string, unknown>;
}

const labelled: Labelled[] = readFileSync(
  new URL('../../fixtures/identity/labelled-events.jsonl', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));

/** The default tenant of a labelled line: the account that recorded the event. */
function tenantOf(item: Labelled) {
  const ui = (item.event.userIdentity ?? {}) as { accountId?: string };
  const accounts =
    item.tenantAccounts ??
    [((item.event.recipientAccountId as string) || ui.accountId) ?? ''].filter(Boolean);
  return {
    accounts: accounts.map((id) => ({ id, name: id, environment: 'prod', source: { files: '.' } as const })),
    inventory: [],
  };
}

function classify(item: Labelled): string {
  const event = normalizeEvent(item.event);
  if (isRejection(event)) return `rejected: ${event.reason}`;
  // A fresh resolver per event: each label judges the event on its own evidence.
  return new IdentityResolver(tenantOf(item)).attribute(event).actor.actorClass;
}

describe('classification accuracy on the labelled set', () => {
  const results = labelled.map((item) => ({ item, predicted: classify(item) }));
  const correct = results.filter((r) => r.predicted === r.item.class).length;
  const accuracy = correct / results.length;

  it('has at least 200 labelled events covering every class', () => {
    expect(labelled.length).toBeGreaterThanOrEqual(200);
    for (const c of ACTOR_CLASSES)
      expect(labelled.filter((l) => l.class === c).length).toBeGreaterThanOrEqual(15);
  });

  it('classifies at least 85% of the labelled events as labelled (printed per class)', () => {
    const lines = [`overall accuracy ${(accuracy * 100).toFixed(1)}% (${correct}/${results.length})`];
    for (const c of ACTOR_CLASSES) {
      const of = results.filter((r) => r.item.class === c);
      const ok = of.filter((r) => r.predicted === c).length;
      const confused = new Map<string, number>();
      for (const r of of)
        if (r.predicted !== c) confused.set(r.predicted, (confused.get(r.predicted) ?? 0) + 1);
      const wrong = [...confused.entries()].map(([p, n]) => `${p} ${n}`).join(', ');
      lines.push(`  ${c.padEnd(12)} ${ok}/${of.length}${wrong ? `  (predicted instead: ${wrong})` : ''}`);
    }
    console.log(lines.join('\n'));
    if (process.env.TRAILPROOF_SHOW_MISSES) {
      for (const r of results.filter((x) => x.predicted !== x.item.class)) {
        console.log(`${r.item.id}: labelled ${r.item.class}, predicted ${r.predicted} — ${r.item.rationale}`);
      }
    }
    expect(accuracy).toBeGreaterThanOrEqual(0.85);
  });
});
