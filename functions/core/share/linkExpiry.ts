/**
 * @module How long a shared link lives: `7d`, `12h`, `30m` (and `45s`), capped at what a SigV4
 * presigned URL allows, and the honest answer when the signing credentials die sooner.
 *
 * A presigned S3 URL is valid for at most 7 days (604,800 s), and only while the credentials that
 * signed it are: a URL signed with temporary credentials (a role session, SSO, a Lambda's role)
 * stops working when that session expires, whatever `X-Amz-Expires` says.
 */
import { LinkExpiryError } from './errors.js';

/** The SigV4 limit on `X-Amz-Expires`. */
const MAX_LINK_SECONDS = 7 * 24 * 3600;
/** Used when neither the command line nor the tenant config says otherwise. */
const DEFAULT_LINK_EXPIRY = '7d';

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

interface LinkExpiry {
  /** As written (`7d`), for messages. */
  readonly text: string;
  readonly seconds: number;
}

/**
 * What is wrong with a link lifetime, in words that name the value, or null when it is valid.
 *
 * @example linkExpiryProblem('8d') // '8d is longer than 7d, the most a presigned S3 URL can live; …'
 */
function linkExpiryProblem(value: string): string | null {
  const text = value.trim();
  const m = /^([1-9]\d{0,6})([dhms])$/.exec(text);
  if (!m) return `expected a duration like 7d, 12h, 30m or 90s, got ${JSON.stringify(value)}`;
  if (Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] > MAX_LINK_SECONDS) {
    return `${text} is longer than 7d, the most a presigned S3 URL can live; for longer-lived links use CloudFront signed URLs with a key group`;
  }
  return null;
}

/**
 * Parses a link lifetime: a whole number followed by `d`, `h`, `m` or `s`, at most 7 days.
 *
 * @example parseLinkExpiry('12h') // { text: '12h', seconds: 43200 }
 * @throws LinkExpiryError for anything else, zero, or more than 7 days
 */
function parseLinkExpiry(value: string, field = '--expires'): LinkExpiry {
  const problem = linkExpiryProblem(value);
  if (problem) throw new LinkExpiryError(`${field}: ${problem}`);
  const text = value.trim();
  const m = /^(\d+)([dhms])$/.exec(text)!;
  return { text, seconds: Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] };
}

/** What is known of the credentials that sign the links. */
interface SigningCredentials {
  /** A session token is present: the credentials are temporary. */
  readonly temporary: boolean;
  /** When they expire, if the provider says. */
  readonly expiresAt: Date | null;
}

interface LinkLifetime {
  /** When the links were asked to expire. */
  readonly requestedExpiresAt: Date;
  /** When they really stop working: the earlier of the request and the credentials' expiry. */
  readonly effectiveExpiresAt: Date;
  /** Why the links die sooner (or may), or null when they live as long as asked. */
  readonly warning: string | null;
}

/**
 * Compares the requested lifetime with the signing credentials' own.
 *
 * @example
 * linkLifetime({ text: '7d', seconds: 604800 }, { temporary: true, expiresAt: inOneHour }, now).warning
 * // 'requested 7d but the signing credentials expire at 2026-11-30T06:00:00.000Z; …'
 */
function linkLifetime(expiry: LinkExpiry, credentials: SigningCredentials, now: Date): LinkLifetime {
  const requestedExpiresAt = new Date(now.getTime() + expiry.seconds * 1000);
  const advice = 'use CloudFront signed URLs with a key group for week-long links';
  if (credentials.expiresAt && credentials.expiresAt.getTime() < requestedExpiresAt.getTime()) {
    return {
      requestedExpiresAt,
      effectiveExpiresAt: credentials.expiresAt,
      warning: `requested ${expiry.text} but the signing credentials expire at ${credentials.expiresAt.toISOString()}; links stop working then — ${advice}`,
    };
  }
  if (credentials.temporary && !credentials.expiresAt) {
    return {
      requestedExpiresAt,
      effectiveExpiresAt: requestedExpiresAt,
      warning: `requested ${expiry.text} but the signing credentials are temporary (they carry a session token) and their expiry is unknown; links stop working when they expire — ${advice}`,
    };
  }
  return { requestedExpiresAt, effectiveExpiresAt: requestedExpiresAt, warning: null };
}

export type { LinkExpiry, LinkLifetime, SigningCredentials };
export { DEFAULT_LINK_EXPIRY, linkExpiryProblem, linkLifetime, MAX_LINK_SECONDS, parseLinkExpiry };
