/**
 * @module The parts of a tenant config that rules look at, indexed for per-event use.
 */
import type { TenantConfig } from '../config/tenantConfig.js';
import type { TenantContext } from './checks.js';

function tenantContextOf(config: Pick<TenantConfig, 'accounts' | 'inventory'>): TenantContext {
  return {
    environments: new Map(config.accounts.map((a) => [a.id, a.environment])),
    inventorySize: config.inventory.length,
  };
}

export { tenantContextOf };
