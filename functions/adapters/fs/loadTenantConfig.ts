/**
 * @module Reads a tenant config file: YAML syntax errors with line and column, schema errors by field.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseTenantConfig, type TenantConfig } from '../../core/config/tenantConfig.js';
import { parseYamlText, YamlFileError } from './readYamlDocument.js';

interface LoadedTenantConfig {
  readonly config: TenantConfig;
  readonly file: string;
  /** sha256 of the file's bytes, recorded in the analysis so a report names the exact config it used. */
  readonly hash: string;
}

/**
 * @throws YamlFileError when the file cannot be read or parsed
 * @throws TenantConfigError listing every invalid field
 */
async function loadTenantConfig(file: string): Promise<LoadedTenantConfig> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new YamlFileError(file, `cannot read tenant config (${(error as Error).message})`);
  }
  const config = parseTenantConfig(parseYamlText(bytes.toString('utf8'), file), file);
  return { config, file, hash: createHash('sha256').update(bytes).digest('hex') };
}

export type { LoadedTenantConfig };
export { loadTenantConfig };
