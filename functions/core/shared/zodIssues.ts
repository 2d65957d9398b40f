/**
 * @module Turns zod validation issues into one-line messages that name the field and the value.
 */
import type { z } from 'zod';

/**
 * Renders a path as `accounts[0].source.s3.bucket`. `labelOf` may add a label after an array
 * index (e.g. a control id), given the element at that index.
 */
function formatIssuePath(
  path: readonly PropertyKey[],
  data?: unknown,
  labelOf?: (node: unknown) => string,
): string {
  let out = '';
  let node = data;
  for (const key of path) {
    if (node !== null && typeof node === 'object') node = (node as Record<PropertyKey, unknown>)[key];
    else node = undefined;
    if (typeof key === 'number') out += `[${key}]${labelOf ? labelOf(node) : ''}`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(top level)';
}

function describeReceived(input: unknown): string {
  if (input === undefined) return 'nothing';
  const text = JSON.stringify(input);
  return text && text.length > 60 ? `${text.slice(0, 57)}...` : (text ?? String(input));
}

/** `where: message, got value` (or the list of unknown keys). Custom checks describe the value themselves. */
function describeIssue(issue: z.core.$ZodIssue, where: string): string {
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  const received =
    'input' in issue && issue.code !== 'custom' ? `, got ${describeReceived(issue.input)}` : '';
  return `${where}: ${issue.message}${received}`;
}

export { describeIssue, describeReceived, formatIssuePath };
