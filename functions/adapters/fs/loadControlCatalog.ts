/**
 * @module Reads the control catalog YAML files from disk and builds the catalog.
 *
 * The core builder is pure; this adapter owns file access, YAML parsing and caching. The catalog
 * ships with the code and never changes while a process runs, so one load per directory is enough.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildControlCatalog, type ControlCatalog } from '../../core/controls/catalog.js';
import { assetPath } from './assetPaths.js';
import { readYamlDocument, YamlFileError } from './readYamlDocument.js';

const CATALOG_FILES = [
  'owasp-nhi-2025.yaml',
  'owasp-asi-2026.yaml',
  'nist-csf-2.0.yaml',
  'links.yaml',
] as const;

const DEFAULT_DIRECTORY = assetPath('functions/core/controls/catalog/');

// Promises, not results, so concurrent first callers share one read instead of racing.
const cache = new Map<string, Promise<ControlCatalog>>();

function toDirectoryPath(directory: URL | string): string {
  return path.resolve(directory instanceof URL ? fileURLToPath(directory) : directory);
}

/**
 * Loads and validates the control catalog. `directory` defaults to the catalog shipped with the code.
 * @throws YamlFileError for unreadable files or YAML syntax errors (with line and column)
 * @throws ControlCatalogError for data that is valid YAML but not a valid catalog
 */
function loadControlCatalog(directory: URL | string = DEFAULT_DIRECTORY): Promise<ControlCatalog> {
  const key = toDirectoryPath(directory);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const loading = Promise.all(
    CATALOG_FILES.map((name) => readYamlDocument(path.join(key, name), 'control catalog file')),
  ).then(buildControlCatalog);
  cache.set(key, loading);
  // A failed load is not cached, so fixing the file and retrying works without a restart.
  loading.catch(() => {
    if (cache.get(key) === loading) cache.delete(key);
  });
  return loading;
}

/** Forgets cached catalogs; for tests and long-running dev processes that edit the YAML. */
function clearControlCatalogCache(): void {
  cache.clear();
}

export {
  CATALOG_FILES,
  clearControlCatalogCache,
  loadControlCatalog,
  YamlFileError as ControlCatalogFileError,
};
