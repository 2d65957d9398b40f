/**
 * @module Control catalog: the three frameworks Trailproof maps evidence to (OWASP NHI Top 10 2025,
 * OWASP Top 10 for Agentic Applications 2026, NIST CSF 2.0) and the links between them.
 *
 * The data lives in YAML next to this file; this module only validates already-parsed documents, so
 * it stays pure and testable (the fs adapter does the reading). Validation is deliberately strict:
 * a report that cites a misspelt, duplicated or withdrawn control ID is wrong in front of a client,
 * so every such problem is an error that names the file, the control and the field.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { describeIssue, formatIssuePath } from '../shared/zodIssues.js';

const FRAMEWORK_ID_VALUES = ['owasp-nhi-2025', 'owasp-asi-2026', 'nist-csf-2.0'] as const;
const OBSERVABILITY_VALUES = ['observable', 'partial', 'not-observable'] as const;
const LINK_KIND_VALUES = ['published', 'ours'] as const;

type FrameworkId = (typeof FRAMEWORK_ID_VALUES)[number];
type Observability = (typeof OBSERVABILITY_VALUES)[number];

/** Framework order is the order reports list them in, so it is fixed here rather than taken from input. */
const FRAMEWORK_IDS: readonly FrameworkId[] = Object.freeze([...FRAMEWORK_ID_VALUES]);

interface Control {
  id: string;
  framework: FrameworkId;
  title: string;
  description: string;
  /** CSF only: the verbatim NIST outcome statement. */
  statement?: string;
  /** CSF only: the category id, e.g. `PR.AA`. */
  group?: string;
  /** What CloudTrail management and data events can show about this control (our judgement). */
  observability: Observability;
  observabilityReason?: string;
}

interface ControlGroup {
  id: string;
  title: string;
  parent?: string;
  framework: FrameworkId;
}

interface FrameworkInfo {
  id: FrameworkId;
  name: string;
  edition: string;
  publisher: string;
  url: string;
  licenceNote: string;
}

interface ControlLink {
  from: string;
  to: string;
  source: string;
  kind: (typeof LINK_KIND_VALUES)[number];
}

interface ControlCatalog {
  /** First 12 hex digits of the sha256 of the canonical JSON of all catalog data. */
  version: string;
  frameworks: readonly FrameworkInfo[];
  controls: readonly Control[];
  groups: readonly ControlGroup[];
  links: readonly ControlLink[];
  byId: ReadonlyMap<string, Control>;
  linksOf(id: string): readonly ControlLink[];
}

/** One parsed YAML file; `file` is only used to name the file in error messages. */
interface CatalogDocument {
  file: string;
  data: unknown;
}

// ---------------------------------------------------------------------------------------------
// CSF 1.1 identifiers
// ---------------------------------------------------------------------------------------------

/**
 * Subcategory numbers withdrawn from categories that still exist in CSF 2.0 (reference sheet §3.4).
 * Kept as numbers, not full IDs, so this source file never contains a literal withdrawn ID: the
 * repository-wide scan in the tests would (rightly) flag it.
 */
const WITHDRAWN_NUMBERS_BY_CATEGORY: Readonly<Record<string, readonly number[]>> = {
  'ID.AM': [6],
  'PR.AT': [3, 4, 5],
  'PR.DS': [3, 4, 5, 6, 7, 8],
  'DE.AE': [1, 5],
  'DE.CM': [4, 5, 7, 8],
  'RS.AN': [1, 2, 4, 5],
  'RS.CO': [1, 4, 5],
  'RS.MI': [3],
  'RC.CO': [1, 2],
};

/** CSF 1.1 categories with no CSF 2.0 counterpart: every ID under them is a 1.1 citation. */
const CSF11_ONLY_CATEGORIES: ReadonlySet<string> = new Set([
  'DE.DP',
  'ID.BE',
  'ID.GV',
  'ID.RM',
  'ID.SC',
  'PR.AC',
  'PR.IP',
  'PR.MA',
  'PR.PT',
  'RC.IM',
  'RS.IM',
  'RS.RP',
]);

const WITHDRAWN_CSF_IDS: ReadonlySet<string> = new Set(
  Object.entries(WITHDRAWN_NUMBERS_BY_CATEGORY).flatMap(([category, numbers]) =>
    numbers.map((n) => `${category}-${String(n).padStart(2, '0')}`),
  ),
);

/**
 * True for an ID that cites CSF 1.1 rather than a CSF 2.0 outcome: a withdrawn subcategory, or any
 * category or subcategory ID in a 1.1-only category. CSF 1.1 wrote numbers unpadded, so a single
 * digit is normalised before the lookup.
 */
function isCsf11Id(id: string): boolean {
  const match = /^([A-Z]{2}\.[A-Z]{2})(?:-(\d{1,2}))?$/.exec(id);
  const category = match?.[1];
  if (category === undefined) return false;
  if (CSF11_ONLY_CATEGORIES.has(category)) return true;
  const number = match?.[2];
  return number !== undefined && WITHDRAWN_CSF_IDS.has(`${category}-${number.padStart(2, '0')}`);
}

/** CSF-looking IDs inside free text, used to keep 1.1 citations out of descriptions and reasons too. */
const CSF_ID_IN_TEXT = /\b(?:GV|ID|PR|DE|RS|RC)\.[A-Z]{2}(?:-\d{1,2})?\b/g;

// ---------------------------------------------------------------------------------------------
// Schemas (shape only; cross-references are checked after parsing)
// ---------------------------------------------------------------------------------------------

const Text = z.string().regex(/\S/, 'expected non-empty text');
const OneLine = Text.regex(/^[^\n]*$/, 'expected a single line');

const RawControlSchema = z
  .strictObject({
    id: z.string(),
    title: OneLine,
    description: Text,
    statement: OneLine.optional(),
    group: z.string().optional(),
    observability: z.enum(OBSERVABILITY_VALUES),
    observability_reason: OneLine.optional(),
  })
  .superRefine((control, ctx) => {
    // A partial or blind spot must say why, or the report cannot explain the gap to a client.
    if (control.observability !== 'observable' && control.observability_reason === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['observability_reason'],
        message: `required when observability is ${control.observability}: say what CloudTrail can and cannot show`,
      });
    }
  });

const RawGroupSchema = z.strictObject({
  id: z.string(),
  title: OneLine,
  parent: z.string().optional(),
});

const FrameworkDocumentSchema = z.strictObject({
  framework: z.enum(FRAMEWORK_ID_VALUES),
  name: OneLine,
  edition: z.string({ error: "expected text (quote years and versions, e.g. '2025')" }).regex(/\S/),
  publisher: OneLine,
  url: z.url(),
  licence_note: OneLine,
  groups: z.array(RawGroupSchema).optional(),
  controls: z.array(RawControlSchema).min(1, 'list at least one control'),
});

const LinksDocumentSchema = z.strictObject({
  links: z.array(
    z.strictObject({
      from: z.string().min(1),
      to: z.string().min(1),
      source: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'expected a lowercase slug such as trailproof'),
      kind: z.enum(LINK_KIND_VALUES),
    }),
  ),
});

type FrameworkDocument = z.infer<typeof FrameworkDocumentSchema>;
type LinksDocument = z.infer<typeof LinksDocumentSchema>;

const CONTROL_ID_FORMAT: Readonly<Record<FrameworkId, { pattern: RegExp; example: string }>> = {
  'owasp-nhi-2025': { pattern: /^NHI(?:[1-9]|10):2025$/, example: 'NHI7:2025' },
  'owasp-asi-2026': { pattern: /^ASI(?:0[1-9]|10)$/, example: 'ASI01' },
  'nist-csf-2.0': { pattern: /^(?:GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}$/, example: 'PR.AA-01' },
};
const CSF_FUNCTION_ID = /^(?:GV|ID|PR|DE|RS|RC)$/;
const CSF_CATEGORY_ID = /^(?:GV|ID|PR|DE|RS|RC)\.[A-Z]{2}$/;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Catalog data that failed validation; `problems` holds one line per issue, each naming file and field. */
class ControlCatalogError extends Error {
  override name = 'ControlCatalogError' as const;
  constructor(readonly problems: readonly string[]) {
    super(`invalid control catalog:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** ` (PR.AA-01)` for a control or group, ` (NHI1:2025 -> ASI04)` for a link, so errors name the entry. */
function labelOf(node: unknown): string {
  if (!isRecord(node)) return '';
  if (typeof node.id === 'string') return ` (${node.id})`;
  if (typeof node.from === 'string' && typeof node.to === 'string') return ` (${node.from} -> ${node.to})`;
  return '';
}

function zodProblems(file: string, data: unknown, error: z.ZodError): string[] {
  return error.issues.map(
    (issue) => `${file}: ${describeIssue(issue, formatIssuePath(issue.path, data, labelOf))}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

interface ParsedFramework {
  file: string;
  doc: FrameworkDocument;
}

/** Sorted keys and no undefined values, so the hash depends on content only, not on key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Free-text fields must not cite CSF 1.1 either, or a report would quote them. */
function csf11Mentions(texts: readonly (string | undefined)[]): string[] {
  const found = new Set<string>();
  for (const text of texts) {
    for (const match of text?.matchAll(CSF_ID_IN_TEXT) ?? []) {
      if (isCsf11Id(match[0])) found.add(match[0]);
    }
  }
  return [...found];
}

function checkGroups(file: string, framework: FrameworkId, doc: FrameworkDocument, problems: string[]): void {
  const groups = doc.groups ?? [];
  if (framework !== 'nist-csf-2.0') {
    if (groups.length > 0) problems.push(`${file}: groups: only nist-csf-2.0 has groups`);
    return;
  }
  const seen = new Map<string, number>();
  groups.forEach((group, i) => {
    const where = `${file}: groups[${i}] (${group.id})`;
    const first = seen.get(group.id);
    if (first !== undefined) problems.push(`${where}.id: duplicate group id, first at groups[${first}]`);
    else seen.set(group.id, i);
    if (isCsf11Id(group.id)) {
      problems.push(`${where}.id: ${group.id} is a CSF 1.1 category, not part of CSF 2.0`);
    } else if (group.parent === undefined) {
      if (!CSF_FUNCTION_ID.test(group.id)) {
        problems.push(`${where}.id: a group without parent must be a CSF function such as GV`);
      }
    } else if (!CSF_CATEGORY_ID.test(group.id) || !group.id.startsWith(`${group.parent}.`)) {
      problems.push(
        `${where}.id: expected a category id like ${group.parent}.XX under parent ${group.parent}`,
      );
    }
  });
  groups.forEach((group, i) => {
    if (group.parent === undefined) return;
    const parent = groups.find((g) => g.id === group.parent);
    if (parent === undefined || parent.parent !== undefined) {
      problems.push(
        `${file}: groups[${i}] (${group.id}).parent: ${group.parent} is not a function in this file`,
      );
    }
  });
}

function checkControls(
  file: string,
  framework: FrameworkId,
  doc: FrameworkDocument,
  firstSeen: Map<string, string>,
  problems: string[],
): void {
  const format = CONTROL_ID_FORMAT[framework];
  const categories = new Set((doc.groups ?? []).filter((g) => g.parent !== undefined).map((g) => g.id));
  doc.controls.forEach((control, i) => {
    const where = `${file}: controls[${i}] (${control.id})`;
    const previous = firstSeen.get(control.id);
    if (previous !== undefined)
      problems.push(`${where}.id: duplicate control id, first defined at ${previous}`);
    else firstSeen.set(control.id, `${file} controls[${i}]`);

    if (framework === 'nist-csf-2.0' && isCsf11Id(control.id)) {
      problems.push(`${where}.id: ${control.id} is a withdrawn CSF 1.1 identifier, not a CSF 2.0 outcome`);
    } else if (!format.pattern.test(control.id)) {
      problems.push(`${where}.id: expected an id like ${format.example} for ${framework}`);
    }

    const cited = csf11Mentions([
      control.title,
      control.description,
      control.statement,
      control.observability_reason,
    ]);
    if (cited.length > 0)
      problems.push(`${where}: text cites withdrawn CSF 1.1 identifier(s) ${cited.join(', ')}`);

    if (framework !== 'nist-csf-2.0') {
      if (control.statement !== undefined)
        problems.push(`${where}.statement: only nist-csf-2.0 controls have one`);
      if (control.group !== undefined) problems.push(`${where}.group: only nist-csf-2.0 controls have one`);
      return;
    }
    if (control.statement === undefined) problems.push(`${where}.statement: required (verbatim NIST text)`);
    if (control.group === undefined) {
      problems.push(`${where}.group: required (the CSF category id)`);
    } else if (!categories.has(control.group)) {
      problems.push(`${where}.group: ${control.group} is not a category in groups`);
    } else if (!control.id.startsWith(`${control.group}-`)) {
      problems.push(`${where}.group: ${control.id} does not belong to category ${control.group}`);
    }
  });
}

/**
 * `unverifiable` holds frameworks whose document failed validation: their IDs are unknown, and
 * reporting every link into them would bury the one real problem under dozens of echoes.
 */
function checkLinks(
  file: string,
  doc: LinksDocument,
  known: ReadonlySet<string>,
  unverifiable: readonly FrameworkId[],
  problems: string[],
): void {
  const seen = new Map<string, number>();
  doc.links.forEach((link, i) => {
    const where = `${file}: links[${i}] (${link.from} -> ${link.to})`;
    for (const end of ['from', 'to'] as const) {
      const id = link[end];
      if (isCsf11Id(id)) problems.push(`${where}.${end}: ${id} is a withdrawn CSF 1.1 identifier`);
      else if (known.has(id)) continue;
      else if (!unverifiable.some((f) => CONTROL_ID_FORMAT[f].pattern.test(id))) {
        problems.push(`${where}.${end}: unknown control id ${id}`);
      }
    }
    if (link.from === link.to) problems.push(`${where}: a control cannot link to itself`);
    const key = `${link.from}\u0000${link.to}\u0000${link.source}`;
    const first = seen.get(key);
    if (first !== undefined) problems.push(`${where}: duplicate of links[${first}]`);
    else seen.set(key, i);
  });
}

function toControl(framework: FrameworkId, raw: FrameworkDocument['controls'][number]): Control {
  return Object.freeze({
    id: raw.id,
    framework,
    title: raw.title,
    description: raw.description,
    ...(raw.statement !== undefined && { statement: raw.statement }),
    ...(raw.group !== undefined && { group: raw.group }),
    observability: raw.observability,
    ...(raw.observability_reason !== undefined && { observabilityReason: raw.observability_reason }),
  });
}

/**
 * Validates the parsed catalog documents (one per framework plus at most one links document, in any
 * order) and returns the catalog.
 * @throws ControlCatalogError listing every problem found, each naming file, entry and field
 */
function buildControlCatalog(docs: readonly CatalogDocument[]): ControlCatalog {
  const problems: string[] = [];
  const frameworks = new Map<FrameworkId, ParsedFramework>();
  let links: { file: string; doc: LinksDocument } | undefined;
  const attempted = new Set<unknown>();

  for (const { file, data } of docs) {
    if (isRecord(data) && 'framework' in data) {
      attempted.add(data.framework);
      const result = FrameworkDocumentSchema.safeParse(data, { reportInput: true });
      if (!result.success) {
        problems.push(...zodProblems(file, data, result.error));
        continue;
      }
      const other = frameworks.get(result.data.framework);
      if (other !== undefined) {
        problems.push(`${file}: framework: ${result.data.framework} is already defined in ${other.file}`);
        continue;
      }
      frameworks.set(result.data.framework, { file, doc: result.data });
    } else if (isRecord(data) && 'links' in data) {
      const result = LinksDocumentSchema.safeParse(data, { reportInput: true });
      if (!result.success) {
        problems.push(...zodProblems(file, data, result.error));
      } else if (links !== undefined) {
        problems.push(`${file}: links: a links document was already given in ${links.file}`);
      } else {
        links = { file, doc: result.data };
      }
    } else {
      problems.push(
        `${file}: (top level): expected a framework document (framework:) or a links document (links:)`,
      );
    }
  }

  const firstSeen = new Map<string, string>();
  for (const id of FRAMEWORK_IDS) {
    const parsed = frameworks.get(id);
    if (parsed === undefined) {
      // A framework whose file failed validation is already reported: one cause, one message.
      if (!attempted.has(id)) problems.push(`(catalog): no document for framework ${id}`);
      continue;
    }
    checkGroups(parsed.file, id, parsed.doc, problems);
    checkControls(parsed.file, id, parsed.doc, firstSeen, problems);
  }
  if (links !== undefined) {
    const unverifiable = FRAMEWORK_IDS.filter((id) => !frameworks.has(id));
    checkLinks(links.file, links.doc, new Set(firstSeen.keys()), unverifiable, problems);
  }
  if (problems.length > 0) throw new ControlCatalogError(problems);

  const frameworkInfos: FrameworkInfo[] = [];
  const controls: Control[] = [];
  const groups: ControlGroup[] = [];
  for (const id of FRAMEWORK_IDS) {
    const parsed = frameworks.get(id);
    if (parsed === undefined) continue;
    const { doc } = parsed;
    frameworkInfos.push(
      Object.freeze({
        id,
        name: doc.name,
        edition: doc.edition,
        publisher: doc.publisher,
        url: doc.url,
        licenceNote: doc.licence_note,
      }),
    );
    for (const group of doc.groups ?? []) {
      groups.push(
        Object.freeze({
          id: group.id,
          title: group.title,
          ...(group.parent !== undefined && { parent: group.parent }),
          framework: id,
        }),
      );
    }
    for (const control of doc.controls) controls.push(toControl(id, control));
  }
  const linkList: ControlLink[] = (links?.doc.links ?? []).map((link) => Object.freeze({ ...link }));

  const version = createHash('sha256')
    .update(canonicalJson({ frameworks: frameworkInfos, groups, controls, links: linkList }))
    .digest('hex')
    .slice(0, 12);

  const byId = new Map(controls.map((c) => [c.id, c]));
  const linksById = new Map<string, ControlLink[]>();
  for (const link of linkList) {
    for (const id of new Set([link.from, link.to])) {
      const list = linksById.get(id);
      if (list) list.push(link);
      else linksById.set(id, [link]);
    }
  }
  for (const list of linksById.values()) Object.freeze(list);
  const none: readonly ControlLink[] = Object.freeze([]);

  return Object.freeze({
    version,
    frameworks: Object.freeze(frameworkInfos),
    controls: Object.freeze(controls),
    groups: Object.freeze(groups),
    links: Object.freeze(linkList),
    byId,
    linksOf: (id: string): readonly ControlLink[] => linksById.get(id) ?? none,
  });
}

export {
  buildControlCatalog,
  type CatalogDocument,
  type Control,
  type ControlCatalog,
  ControlCatalogError,
  type ControlGroup,
  type ControlLink,
  FRAMEWORK_IDS,
  type FrameworkId,
  type FrameworkInfo,
  isCsf11Id,
  type Observability,
  WITHDRAWN_CSF_IDS,
};
