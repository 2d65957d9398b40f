/**
 * @module Loads what every job needs once: the tenant config, the control catalog and the rule pack.
 */
import { loadControlCatalog } from '../adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../adapters/fs/loadRulePack.js';
import { loadTenantConfig } from '../adapters/fs/loadTenantConfig.js';
import { defaultTenantConfig, type TenantConfig } from '../core/config/tenantConfig.js';
import type { ControlCatalog } from '../core/controls/catalog.js';
import type { RulePack } from '../core/controls/RuleEngine.js';

interface PipelineData {
  readonly config: TenantConfig;
  readonly configFile: string | null;
  readonly configHash: string | null;
  readonly catalog: ControlCatalog;
  readonly rules: RulePack;
}

async function loadPipelineData(configFile?: string): Promise<PipelineData> {
  const loaded = configFile ? await loadTenantConfig(configFile) : undefined;
  const catalog = await loadControlCatalog();
  const rules = await loadRulePack(catalog);
  return {
    config: loaded?.config ?? defaultTenantConfig(),
    configFile: loaded?.file ?? null,
    configHash: loaded?.hash ?? null,
    catalog,
    rules,
  };
}

export type { PipelineData };
export { loadPipelineData };
