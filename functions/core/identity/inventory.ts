/**
 * @module The tenant's declared identities, matched by ARN pattern.
 *
 * A declaration always wins over heuristics: the tenant knows its identities better than any
 * signal in a log, and the report says when a class came from the inventory.
 */
import type { InventoryEntry } from '../config/tenantConfig.js';

interface CompiledEntry {
  readonly entry: InventoryEntry;
  readonly index: number;
  readonly pattern: RegExp;
}

/** `*` matches any run of characters (including `/` and `:`); everything else is literal. */
function compileArnPattern(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

class Inventory {
  private readonly compiled: readonly CompiledEntry[];

  constructor(entries: readonly InventoryEntry[]) {
    this.compiled = entries.map((entry, index) => ({
      entry,
      index,
      pattern: compileArnPattern(entry.match),
    }));
  }

  /** The first declared entry matching any of the candidate names (actor id, role, session, user ARN). */
  lookup(candidates: readonly (string | undefined)[]): { entry: InventoryEntry; index: number } | undefined {
    for (const { entry, index, pattern } of this.compiled) {
      for (const candidate of candidates) {
        if (candidate && pattern.test(candidate)) return { entry, index };
      }
    }
    return undefined;
  }

  get size(): number {
    return this.compiled.length;
  }
}

export { compileArnPattern, Inventory };
