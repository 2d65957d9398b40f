/**
 * @module Reads the rule files (one YAML per rule) and compiles them against the control catalog.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlCatalog } from '../../core/controls/catalog.js';
import { buildRulePack, type RulePack } from '../../core/controls/RuleEngine.js';
import { assetPath } from './assetPaths.js';
import { readYamlDocument } from './readYamlDocument.js';

const DEFAULT_RULES_DIRECTORY = assetPath('functions/core/controls/rules/');

/** Every `*.yaml` file below the directory, sorted, so the pack is the same on every machine. */
async function listRuleFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/**
 * Loads, validates and compiles the rule pack.
 * @throws YamlFileError for unreadable or malformed files, RuleDefinitionError for invalid rules
 */
async function loadRulePack(
  catalog: ControlCatalog,
  directory: URL | string = DEFAULT_RULES_DIRECTORY,
): Promise<RulePack> {
  const dir = path.resolve(directory instanceof URL ? fileURLToPath(directory) : directory);
  const files = await listRuleFiles(dir);
  const documents = await Promise.all(files.map((file) => readYamlDocument(file, 'rule file')));
  return buildRulePack(
    documents.map((d) => ({ file: path.relative(process.cwd(), d.file) || d.file, data: d.data })),
    catalog,
  );
}

export { DEFAULT_RULES_DIRECTORY, listRuleFiles, loadRulePack };
