/**
 * @module Opens a tenant account's trail location for the collect job: its S3 bucket read
 * through the account's role (assumed with its ExternalId), or a local directory.
 */
import path from 'node:path';
import { FsObjectStore } from '../adapters/store/FsObjectStore.js';
import { S3ObjectStore } from '../adapters/store/S3ObjectStore.js';
import { createS3Client } from '../adapters/store/s3Access.js';
import type { TenantAccount, TenantConfig } from '../core/config/tenantConfig.js';
import type { TrailAccess } from './collectJob.js';

/** `files` paths in the tenant config are relative to the config file. */
function trailOpener(config: TenantConfig, configFile: string | null) {
  return async (account: TenantAccount): Promise<TrailAccess> => {
    const source = account.source;
    if ('s3' in source) {
      const client = createS3Client({
        roleArn: account.roleArn,
        externalId: account.externalId,
        sessionName: `trailproof-${config.id}`,
      });
      return {
        kind: 'store',
        store: new S3ObjectStore(client, source.s3.bucket),
        location: {
          bucket: source.s3.bucket,
          prefix: source.s3.prefix,
          organizationId: source.s3.organizationId,
          account: account.id,
        },
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
    return { kind: 'unsupported', reason: 'LookupEvents collection is not wired into collect yet' };
  };
}

export { trailOpener };
