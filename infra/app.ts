/**
 * @module CDK entry point: validates the tenant configs, then builds the Trailproof stack with the
 * cdk-nag AwsSolutions checks attached, so any finding fails `cdk synth`.
 *
 * Tenant configs come from the `tenants` context value, one path or a comma-separated list, relative
 * to the working directory: `npx cdk synth -c tenants=tenants/acme.yaml,tenants/globex.yaml`.
 */
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseYamlText, YamlFileError } from '../functions/adapters/fs/readYamlDocument.js';
import { parseTenantConfig, type TenantConfig } from '../functions/core/config/tenantConfig.js';
import { TrailproofStack } from './stacks/TrailproofStack.js';

const DEFAULT_TENANTS = 'examples/demo-tenant.yaml';

/** Splits the `tenants` context value (a string, or a list when set in cdk.json) into file paths. */
function tenantFiles(value: unknown): string[] {
  const raw = value ?? DEFAULT_TENANTS;
  const parts = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  const files = parts.map((part) => part.trim()).filter((part) => part !== '');
  if (files.length === 0) {
    throw new Error(`context value tenants must name at least one tenant config file, got "${String(raw)}"`);
  }
  return files;
}

/**
 * Reads and validates one tenant config.
 * @throws YamlFileError when the file cannot be read or is not YAML; TenantConfigError when it is invalid
 */
function loadTenantConfig(file: string): TenantConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new YamlFileError(file, `cannot read tenant config (${(error as Error).message})`);
  }
  return parseTenantConfig(parseYamlText(text, file), file);
}

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

const files = tenantFiles(app.node.tryGetContext('tenants'));
const tenants = files.map(loadTenantConfig);
const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;

new TrailproofStack(app, String(app.node.tryGetContext('stackName') ?? 'Trailproof'), {
  description: 'Trailproof: CloudTrail evidence reports for MSSP clients',
  tenants,
  tenantConfigFiles: Object.fromEntries(tenants.map((t, i) => [t.id, files[i] as string])),
  ...(alarmEmail ? { alarmEmail } : {}),
});
