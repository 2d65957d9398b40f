/**
 * @module Values from a report or a config on their way into a page, an e-mail or a terminal:
 * links that can only be downloads, and text without control characters.
 */

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** A file name in the same folder: no scheme, no slash, nothing a browser could read as a URL. */
const RELATIVE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/**
 * The link itself when it is an `https:` URL (a presigned link), an `http:` URL to a loopback
 * host (a local S3-compatible server), or a plain file name in the same folder; otherwise null.
 * `javascript:`, `data:`, protocol-relative and every other form are refused.
 *
 * @example safeHref('javascript:alert(1)') // null
 */
function safeHref(href: string): string | null {
  if (RELATIVE_NAME.test(href)) return href;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  // The parsed form must be the given form: no whitespace or characters the parser would drop.
  if (url.href !== href || url.username || url.password) return null;
  if (url.protocol === 'https:') return href;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return href;
  return null;
}

/**
 * One line of plain text: control characters, line breaks and bidirectional overrides become
 * spaces, runs of spaces collapse, and the result is cut to `max` characters.
 *
 * @example plainLine('Acme\r\nBcc: x@y') // 'Acme Bcc: x@y'
 */
function plainLine(value: string, max = 200): string {
  const cleaned = value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}

/** Escapes text for HTML element content and quoted attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export { escapeHtml, plainLine, safeHref };
