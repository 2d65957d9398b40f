/**
 * @module The one-screen summary printed after `analyze` and `report`.
 */
import type { Analysis } from '../core/analysis/types.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (part: number, whole: number) => (whole === 0 ? '0%' : `${Math.round((part / whole) * 100)}%`);

/** Plain text, no colours: it ends up in CI logs and tickets. Log values are printed as data only. */
function formatSummary(analysis: Analysis, written: readonly string[]): string {
  const { input, summary } = analysis;
  const lines: string[] = [];
  const period = analysis.period ? `period ${analysis.period.label}` : 'all records';
  lines.push(
    `Trailproof ${analysis.tool.version} — ${analysis.tenant.name} (${analysis.tenant.id}), ${period}`,
  );
  lines.push(
    `Input     ${fmt(input.sources)} sources, ${fmt(input.records)} records: ${fmt(input.accepted)} accepted, ${fmt(input.duplicates)} duplicates, ${fmt(input.rejected)} rejected`,
  );
  if (input.rejected > 0) {
    const byCategory = Object.entries(input.rejectionsByCategory)
      .map(([c, n]) => `${c} ${fmt(n)}`)
      .join(', ');
    lines.push(`          rejected: ${byCategory}`);
    const first = input.rejections[0];
    if (first) lines.push(`          first: ${first.source} ${first.position}: ${first.reason}`);
  }
  const classes = Object.entries(summary.actionsByClass)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${pct(n, summary.actions)}`)
    .join(', ');
  lines.push(
    `Actions   ${fmt(summary.actions)} by ${fmt(analysis.actors.length)} actors — ${classes || 'none'}`,
  );
  const sev = summary.findingsBySeverity;
  lines.push(
    `Findings  ${fmt(sev.critical)} critical, ${fmt(sev.high)} high, ${fmt(sev.medium)} medium, ${fmt(sev.low)} low${summary.suppressedFindings ? ` (${fmt(summary.suppressedFindings)} suppressed by exceptions)` : ''}`,
  );
  const frameworks: [string, string][] = [
    ['owasp-nhi-2025', 'NHI'],
    ['owasp-asi-2026', 'ASI'],
    ['nist-csf-2.0', 'CSF'],
  ];
  const controlParts = frameworks.map(([id, label]) => {
    const list = analysis.controls.filter((c) => c.framework === id);
    const violated = list.filter((c) => c.status === 'violated').length;
    const evidenced = list.filter((c) => c.status === 'evidenced').length;
    return `${label} ${violated} violated/${evidenced} evidenced of ${list.length}`;
  });
  lines.push(`Controls  ${controlParts.join(' · ')}`);
  const top = analysis.findings.filter((f) => !f.suppressed).slice(0, 5);
  for (const f of top) {
    lines.push(
      `  ${f.severity.toUpperCase().padEnd(8)} ${f.rule.padEnd(34)} ${truncate(f.actorName, 40)} (${fmt(f.count)} events)`,
    );
  }
  if (written.length) lines.push(`Wrote     ${written.join(', ')}`);
  return lines.map(stripControls).join('\n');
}

/** Control characters and bidi overrides from log fields must not reach a terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function stripControls(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '?');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export { formatSummary };
