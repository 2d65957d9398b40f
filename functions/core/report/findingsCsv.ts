/**
 * @module findings.csv: every finding, one row, safe to open in a spreadsheet.
 */
import type { Analysis } from '../analysis/types.js';

const COLUMNS = [
  'id',
  'severity',
  'rule',
  'title',
  'actor',
  'actor_name',
  'actor_class',
  'owner',
  'resource',
  'controls',
  'count',
  'first_seen',
  'last_seen',
  'accounts',
  'credentials',
  'suppressed',
  'exception_reason',
  'exception_expires',
  'event_ids_sample',
] as const;

/**
 * Quotes a field (RFC 4180) and defuses formula injection: a cell that a spreadsheet would
 * evaluate (leading = + - @, tab or CR) gets a leading apostrophe, as OWASP recommends.
 */
function csvField(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function findingsToCsv(analysis: Analysis): string {
  const rows = analysis.findings.map((f) =>
    [
      f.id,
      f.severity,
      f.rule,
      f.title,
      f.actor,
      f.actorName,
      f.actorClass,
      f.owner,
      f.resource,
      f.controls.join(' '),
      f.count,
      f.firstSeen,
      f.lastSeen,
      f.accounts.join(' '),
      f.credentials.join(' '),
      f.suppressed ? 'yes' : 'no',
      f.suppressed?.reason ?? null,
      f.suppressed?.expires ?? null,
      f.eventIds.join(' '),
    ]
      .map(csvField)
      .join(','),
  );
  return `${[COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

export { csvField, findingsToCsv };
