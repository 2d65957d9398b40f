/**
 * @module CloudTrail's public keys for digest validation (ListPublicKeys), per region.
 */
import { type CloudTrailClient, ListPublicKeysCommand } from '@aws-sdk/client-cloudtrail';
import {
  type CloudTrailPublicKey,
  publicKeyFromListPublicKeys,
} from '../../core/collect/digestValidation.js';

/** Every key valid at some time in `[start, end]`, across pages. */
async function listPublicKeys(
  client: CloudTrailClient,
  start: Date,
  end: Date,
): Promise<CloudTrailPublicKey[]> {
  const keys: CloudTrailPublicKey[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListPublicKeysCommand({ StartTime: start, EndTime: end, NextToken: token }),
    );
    for (const entry of page.PublicKeyList ?? []) keys.push(publicKeyFromListPublicKeys(entry));
    token = page.NextToken;
  } while (token);
  return keys;
}

export { listPublicKeys };
