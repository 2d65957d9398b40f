/**
 * @module The few figures of a published report that sharing shows outside it: open findings by
 * severity (from `analysis.json`) and the change since the previous period (from `change.json`).
 *
 * Both files are read as untrusted JSON: only whole, non-negative counts are taken, anything else
 * is ignored (null), and no other field leaves this module.
 */

import { z } from 'zod';
import { READABLE_ANALYSIS_SCHEMAS } from '../analysis/types.js';
import { SEVERITIES, type Severity } from '../controls/ruleSchema.js';

/** Open findings per severity, most severe first in {@link SEVERITY_ORDER}. */
type SeverityCounts = Readonly<Record<Severity, number>>;

interface ChangeCounts {
  readonly new: number;
  readonly resolved: number;
  readonly persisting: number;
}

/** Most severe first: the order in which figures are shown. */
const SEVERITY_ORDER: readonly Severity[] = [...SEVERITIES].reverse();

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const analysisFigures = z.looseObject({
  schema: z.enum(READABLE_ANALYSIS_SCHEMAS),
  summary: z.looseObject({
    findingsBySeverity: z.looseObject(
      Object.fromEntries(SEVERITIES.map((s) => [s, count])) as Record<Severity, typeof count>,
    ),
  }),
});

const changeFigures = z.looseObject({
  findings: z.looseObject({
    new: z.array(z.unknown()),
    resolved: z.array(z.unknown()),
    persisting: z.array(z.unknown()),
  }),
});

/**
 * Open findings by severity from a parsed `analysis.json`, or null when it is not one.
 *
 * @example severityCountsOf(JSON.parse(analysisText))?.critical // 2
 */
function severityCountsOf(analysis: unknown): SeverityCounts | null {
  const parsed = analysisFigures.safeParse(analysis);
  if (!parsed.success) return null;
  const by = parsed.data.summary.findingsBySeverity;
  return Object.fromEntries(SEVERITIES.map((s) => [s, by[s]])) as Record<Severity, number>;
}

/**
 * New, resolved and persisting findings from a parsed `change.json`, or null when it is not one.
 *
 * @example changeCountsOf(JSON.parse(changeText)) // { new: 3, resolved: 1, persisting: 4 }
 */
function changeCountsOf(change: unknown): ChangeCounts | null {
  const parsed = changeFigures.safeParse(change);
  if (!parsed.success) return null;
  const { findings } = parsed.data;
  return {
    new: findings.new.length,
    resolved: findings.resolved.length,
    persisting: findings.persisting.length,
  };
}

export type { ChangeCounts, SeverityCounts };
export { changeCountsOf, SEVERITY_ORDER, severityCountsOf };
