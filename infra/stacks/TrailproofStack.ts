/**
 * @module The Trailproof deployment: one stack per MSSP installation, serving every configured tenant.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { TenantConfig } from '../../functions/core/config/tenantConfig.js';
import { ReportStorage } from '../constructs/ReportStorage.js';

interface TrailproofStackProps extends StackProps {
  /**
   * The validated tenant configs this deployment serves (see `parseTenantConfig`). Tenant ids must be
   * unique, because they name S3 prefixes and report files.
   */
  readonly tenants: readonly TenantConfig[];
}

/**
 * The Trailproof pipeline. For now it holds the report storage; collection, analysis and
 * rendering are added in later issues.
 */
class TrailproofStack extends Stack {
  /** Report buckets and their key. */
  readonly storage: ReportStorage;

  constructor(scope: Construct, id: string, props: TrailproofStackProps) {
    checkTenantIds(props.tenants);
    super(scope, id, props);

    this.storage = new ReportStorage(this, 'ReportStorage');

    new CfnOutput(this, 'ReportsBucketName', {
      description: 'S3 bucket that holds the rendered evidence reports',
      value: this.storage.reportsBucket.bucketName,
    });
  }
}

/** Throws when the list is empty or when two tenant configs share an id. */
function checkTenantIds(tenants: readonly TenantConfig[]): void {
  if (tenants.length === 0) {
    throw new Error('tenants must contain at least one tenant config, got an empty list');
  }
  const seen = new Set<string>();
  for (const { id } of tenants) {
    if (seen.has(id)) {
      throw new Error(
        `tenant id "${id}" is used by more than one tenant config; give each tenant its own id`,
      );
    }
    seen.add(id);
  }
}

export { TrailproofStack, type TrailproofStackProps };
