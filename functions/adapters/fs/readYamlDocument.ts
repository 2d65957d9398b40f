/**
 * @module Reads a YAML file and reports syntax errors as `file:line:column: reason`.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';

/** A YAML file that could not be read or parsed; the message names the file and position. */
class YamlFileError extends Error {
  override name = 'YamlFileError' as const;
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line === undefined ? `${file}: ${message}` : `${file}:${line}:${column ?? 1}: ${message}`);
  }
}

/** Parses YAML text; duplicate keys are errors because the second would silently win. */
function parseYamlText(text: string, file: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = document.errors[0];
  if (first !== undefined) {
    const position = first.linePos?.[0];
    // The library appends its own "at line L, column C:" plus a source excerpt; keep only the reason.
    const reason = first.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    const more = document.errors.length > 1 ? ` (and ${document.errors.length - 1} more YAML error(s))` : '';
    throw new YamlFileError(file, `YAML syntax error: ${reason}${more}`, position?.line, position?.col);
  }
  return document.toJS();
}

/**
 * Reads and parses one YAML file.
 * @throws YamlFileError when the file cannot be read or is not valid YAML
 */
async function readYamlDocument(file: string, what = 'file'): Promise<{ file: string; data: unknown }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new YamlFileError(file, `cannot read ${what} (${(error as Error).message})`);
  }
  return { file, data: parseYamlText(text, file) };
}

export { parseYamlText, readYamlDocument, YamlFileError };
