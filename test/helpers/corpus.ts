/**
 * @module Loads the attributed CloudTrail corpus copied into test/fixtures/corpus (see its SOURCE.md files).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CORPUS = fileURLToPath(new URL('../fixtures/corpus/', import.meta.url));

type Json = Record<string, unknown>;

function readJsonl<T = Json>(file: string): T[] {
  return readFileSync(path.join(CORPUS, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** AWS documentation example events (CC BY-SA 4.0). */
function awsDocsEvents(): { docFile: string; event: Json }[] {
  return readJsonl<{ doc_file: string; event: Json }>(
    'awsdocs-examples/awsdocs_cloudtrail_examples.jsonl',
  ).map((r) => ({
    docFile: r.doc_file,
    event: r.event,
  }));
}

interface PantherTest {
  source_rule: string;
  test_name: string;
  expected: boolean;
  event: Json;
  mocks?: unknown;
}

/** panther-analysis rule unit tests (Apache-2.0). */
function pantherTests(): PantherTest[] {
  return readJsonl<PantherTest>('panther-analysis/panther_cloudtrail_rule_tests.jsonl');
}

const STRATUS_DIR = path.join(CORPUS, 'stratus-red-team/detonation-logs');

/** Stratus Red Team detonation logs (Apache-2.0), one JSON array per technique. */
function stratusTechniques(): { technique: string; file: string; events: Json[] }[] {
  return readdirSync(STRATUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      technique: f.replace(/\.json$/, ''),
      file: path.join(STRATUS_DIR, f),
      events: JSON.parse(readFileSync(path.join(STRATUS_DIR, f), 'utf8')) as Json[],
    }));
}

export type { Json, PantherTest };
export { awsDocsEvents, CORPUS, pantherTests, STRATUS_DIR, stratusTechniques };
