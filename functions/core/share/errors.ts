/**
 * @module Errors of sharing: every message names the value that was refused and what is accepted.
 */

/** A report cannot be shared as asked (no manifest, not a report prefix, wrong tenant, …). */
class ShareError extends Error {
  override name: string = 'ShareError';
}

/** A link lifetime that is not a duration, or longer than a presigned URL can live. */
class LinkExpiryError extends ShareError {
  override name = 'LinkExpiryError' as const;
}

/** A key or prefix that would leave the tenant's own folder (tenant isolation). */
class ShareScopeError extends ShareError {
  override name = 'ShareScopeError' as const;
}

export { LinkExpiryError, ShareError, ShareScopeError };
