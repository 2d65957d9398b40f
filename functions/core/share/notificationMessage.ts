/**
 * @module The message that tells a tenant a report is ready: subject, plain text and HTML.
 *
 * It carries only what is safe to put in a mailbox: the tenant's and the MSSP's names, the
 * period, open findings by severity, the download links and when they expire. Nothing else from
 * the report (no finding titles, actors, accounts or resources). Every string is cleaned to one
 * line without control characters; the HTML body escapes every value; a link is kept only when
 * {@link safeHref} accepts it.
 */
import type { SeverityCounts } from './reportFigures.js';
import { SEVERITY_ORDER } from './reportFigures.js';
import { escapeHtml, plainLine, safeHref } from './safeText.js';

interface NotificationLink {
  readonly name: string;
  readonly url: string;
}

interface NotificationInput {
  readonly tenantName: string;
  readonly msspName: string;
  /** The period as shown (`2026-10`). */
  readonly period: string;
  /** Open findings by severity, or null when the report has no analysis.json. */
  readonly severities: SeverityCounts | null;
  readonly links: readonly NotificationLink[];
  /** When the links stop working. */
  readonly expiresAt: Date;
  /** A presigned link to the tenant's index page, when one was published. */
  readonly indexUrl?: string | null;
}

interface NotificationMessage {
  /** One line, at most 100 characters (the SNS limit). */
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const SUBJECT_MAX = 100;

function instant(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * Builds the notification for one published report.
 *
 * @example
 * const { subject, text, html } = buildNotification({ tenantName: 'Acme Robotics', msspName: 'Northwind Security',
 *   period: '2026-10', severities, links, expiresAt });
 */
function buildNotification(input: NotificationInput): NotificationMessage {
  const tenant = plainLine(input.tenantName, 80);
  const mssp = plainLine(input.msspName, 80);
  const period = plainLine(input.period, 40);
  const links = input.links
    .map((l) => ({ name: plainLine(l.name, 80), url: safeHref(l.url) }))
    .filter((l): l is { name: string; url: string } => l.url !== null && /^https?:/.test(l.url));
  const indexUrl = input.indexUrl ? safeHref(input.indexUrl) : null;
  const expires = instant(input.expiresAt);
  const severities = input.severities
    ? SEVERITY_ORDER.map((s) => ({ severity: s, count: input.severities![s] }))
    : null;
  const open = severities?.reduce((n, s) => n + s.count, 0) ?? null;

  const subject = plainLine(`${tenant}: machine identity evidence report ${period}`, SUBJECT_MAX);
  const figures =
    severities === null
      ? 'Open findings: see the report.'
      : `Open findings: ${open} (${severities.map((s) => `${s.severity} ${s.count}`).join(', ')})`;

  const text = [
    `${mssp} has published the machine identity evidence report of ${tenant} for ${period}.`,
    '',
    figures,
    '',
    `Download links (valid until ${expires}):`,
    ...links.map((l) => `  ${l.name}: ${l.url}`),
    ...(indexUrl && /^https?:/.test(indexUrl) ? ['', `All reports: ${indexUrl}`] : []),
    '',
    'The links stop working after that time; ask us for new ones.',
    `Check the files with: trailproof verify <folder> (manifest.json is signed by ${mssp}).`,
    '',
  ].join('\n');

  const e = escapeHtml;
  const rows = severities
    ? severities.map((s) => `<tr><td>${e(s.severity)}</td><td>${s.count}</td></tr>`).join('')
    : '';
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${e(subject)}</title></head>`,
    '<body style="font-family: Arial, sans-serif; color: #1b1f24;">',
    `<p>${e(mssp)} has published the machine identity evidence report of <strong>${e(tenant)}</strong> for <strong>${e(period)}</strong>.</p>`,
    severities === null
      ? '<p>Open findings: see the report.</p>'
      : `<p>Open findings: <strong>${open}</strong></p><table><thead><tr><th align="left">Severity</th><th align="right">Open findings</th></tr></thead><tbody>${rows}</tbody></table>`,
    `<p>Download links, valid until ${e(expires)}:</p>`,
    `<ul>${links.map((l) => `<li><a href="${e(l.url)}">${e(l.name)}</a></li>`).join('')}</ul>`,
    indexUrl && /^https?:/.test(indexUrl) ? `<p><a href="${e(indexUrl)}">All reports</a></p>` : '',
    `<p>The links stop working after that time; ask us for new ones. <code>manifest.json</code> is signed by ${e(mssp)}: check the files with <code>trailproof verify</code>.</p>`,
    '</body></html>',
    '',
  ]
    .filter(Boolean)
    .join('\n');
  return { subject, text, html };
}

export type { NotificationInput, NotificationLink, NotificationMessage };
export { buildNotification };
