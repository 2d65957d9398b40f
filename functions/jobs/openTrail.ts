/**
 * @module Opens a tenant account's trail location for the collect job: its S3 bucket read
 * through the account's role (assumed with its ExternalId), or a local directory.
 */
import path from 'node:path';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { listPublicKeys } from '../adapters/cloudtrail/listPublicKeys.js';
import { createLookupEventsClient, lookupEventsSource } from '../adapters/cloudtrail/lookupEventsSource.js';
import { FsObjectStore } from '../adapters/store/FsObjectStore.js';
import { S3ObjectStore } from '../adapters/store/S3ObjectStore.js';
import { accountCredentials, createS3Client } from '../adapters/store/s3Access.js';
import type { TenantAccount, TenantConfig } from '../core/config/tenantConfig.js';
import type { TimeWindow } from '../core/ingest/ingestEvents.js';
import type { TrailAccess } from './collectJob.js';

interface TrailOpenerOptions {
  /**
   * Refuse accounts without a `roleArn` instead of reading them with the caller's own credentials.
   * The deployed pipeline sets it: its role must never stand in for a client's.
   */
  readonly requireRole?: boolean;
}

/** `files` paths in the tenant config are relative to the config file. */
function trailOpener(
  config: TenantConfig,
  configFile: string | null,
  window: TimeWindow,
  options: TrailOpenerOptions = {},
) {
  return async (account: TenantAccount): Promise<TrailAccess> => {
    const source = account.source;
    if (options.requireRole && !('files' in source) && !account.roleArn) {
      throw new Error(
        `account ${account.id} (${account.name}) has no roleArn in tenant ${config.id}'s config; the pipeline reads client accounts only through their role (see docs/onboarding.md)`,
      );
    }
    if ('s3' in source) {
      const credentials = accountCredentials({
        roleArn: account.roleArn,
        externalId: account.externalId,
        sessionName: `trailproof-${config.id}`,
      });
      const client = createS3Client({ credentials });
      // Keys valid from a day before the period to two days after it cover every digest read.
      const from = new Date(window.startMs - 86_400_000);
      const to = new Date(window.endMs + 2 * 86_400_000);
      return {
        kind: 'store',
        store: new S3ObjectStore(client, source.s3.bucket),
        location: {
          bucket: source.s3.bucket,
          prefix: source.s3.prefix,
          organizationId: source.s3.organizationId,
          account: account.id,
        },
        publicKeys: (region) =>
          listPublicKeys(new CloudTrailClient({ region, ...(credentials ? { credentials } : {}) }), from, to),
      };
    }
    if ('files' in source) {
      const root = path.resolve(configFile ? path.dirname(configFile) : '.', source.files);
      return {
        kind: 'store',
        store: new FsObjectStore(root),
        location: { bucket: root, account: account.id },
      };
    }
    // LookupEvents: one client per region, with the account's role; the adapter paces requests.
    const credentials = accountCredentials({
      roleArn: account.roleArn,
      externalId: account.externalId,
      sessionName: `trailproof-${config.id}`,
    });
    const clients = new Map<string, CloudTrailClient>();
    return {
      kind: 'lookupEvents',
      source: (region, range) => {
        let client = clients.get(region);
        if (!client) {
          client = createLookupEventsClient({ region, ...(credentials ? { credentials } : {}) });
          clients.set(region, client);
        }
        return lookupEventsSource({ client, account: account.id, region, window: range });
      },
    };
  };
}

export type { TrailOpenerOptions };
export { trailOpener };
