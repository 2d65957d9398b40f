import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventDeduplicator } from '../../../functions/core/ingest/EventDeduplicator.js';

describe('EventDeduplicator', () => {
  it('says each ID is new exactly once, across table growth', () => {
    const dedupe = new EventDeduplicator();
    const ids = Array.from({ length: 100_000 }, () => randomUUID());
    expect(ids.every((id) => dedupe.firstSighting(id))).toBe(true);
    expect(ids.every((id) => !dedupe.firstSighting(id))).toBe(true);
    expect(dedupe.size).toBe(100_000);
  });

  it('keeps about 12 to 24 bytes per event', () => {
    const dedupe = new EventDeduplicator();
    for (let i = 0; i < 200_000; i++) dedupe.firstSighting(`event-${i}`);
    expect(dedupe.bytes / dedupe.size).toBeLessThan(40);
  });

  it('distinguishes IDs that differ in one character or only in length', () => {
    const dedupe = new EventDeduplicator();
    for (const id of ['a', 'b', 'ab', 'ba', 'a\u0000', '', 'x'.repeat(1000), `${'x'.repeat(999)}y`]) {
      expect(dedupe.firstSighting(id)).toBe(true);
    }
  });
});
