/**
 * @module Tests for the control catalog data (YAML) and its builder/loader.
 *
 * Counts and mappings are asserted against the reference sheet (frameworks.md §1, §2, §3, §4.1, §4.4)
 * so an accidental edit to the YAML shows up here, not in a client's report.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  CATALOG_FILES,
  clearControlCatalogCache,
  loadControlCatalog,
} from '../../../functions/adapters/fs/loadControlCatalog.js';
import {
  buildControlCatalog,
  type CatalogDocument,
  ControlCatalogError,
  FRAMEWORK_IDS,
  isCsf11Id,
  WITHDRAWN_CSF_IDS,
} from '../../../functions/core/controls/catalog.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CATALOG_DIR = path.join(REPO_ROOT, 'functions/core/controls/catalog');

/** Fresh parsed copies of the shipped YAML, for building bad variants without touching the files. */
function rawDocs(): CatalogDocument[] {
  return CATALOG_FILES.map((name) => ({
    file: name,
    data: parse(readFileSync(path.join(CATALOG_DIR, name), 'utf8')) as unknown,
  }));
}

interface RawControl {
  id: string;
  title: string;
  [key: string]: unknown;
}

function controlsOf(docs: CatalogDocument[], file: string): RawControl[] {
  const doc = docs.find((d) => d.file === file);
  if (doc === undefined) throw new Error(`no ${file}`);
  return (doc.data as { controls: RawControl[] }).controls;
}

function linksOf(docs: CatalogDocument[]): { from: string; to: string; source: string; kind: string }[] {
  const doc = docs.find((d) => d.file === 'links.yaml');
  if (doc === undefined) throw new Error('no links.yaml');
  return (doc.data as { links: never[] }).links;
}

function buildError(docs: CatalogDocument[]): ControlCatalogError {
  try {
    buildControlCatalog(docs);
  } catch (error) {
    if (error instanceof ControlCatalogError) return error;
    throw error;
  }
  throw new Error('expected buildControlCatalog to throw');
}

const catalog = await loadControlCatalog();
const controlsIn = (framework: string) => catalog.controls.filter((c) => c.framework === framework);
const csf = controlsIn('nist-csf-2.0');

describe('control catalog counts', () => {
  it('lists the frameworks in order nhi, asi, csf', () => {
    expect(catalog.frameworks.map((f) => f.id)).toEqual([...FRAMEWORK_IDS]);
    expect(FRAMEWORK_IDS).toEqual(['owasp-nhi-2025', 'owasp-asi-2026', 'nist-csf-2.0']);
  });

  it('has exactly NHI1:2025 … NHI10:2025', () => {
    expect(controlsIn('owasp-nhi-2025').map((c) => c.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `NHI${i + 1}:2025`),
    );
  });

  it('has exactly ASI01 … ASI10', () => {
    expect(controlsIn('owasp-asi-2026').map((c) => c.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => `ASI${String(i + 1).padStart(2, '0')}`),
    );
  });

  it('has the CSF 2.0 structure: 6 functions, 22 categories, 106 subcategories', () => {
    const functions = catalog.groups.filter((g) => g.parent === undefined);
    const categories = catalog.groups.filter((g) => g.parent !== undefined);
    expect(functions.map((g) => g.id)).toEqual(['GV', 'ID', 'PR', 'DE', 'RS', 'RC']);
    expect(categories).toHaveLength(22);
    expect(csf).toHaveLength(106);
  });

  it('has the per-function subcategory counts of frameworks.md §3.1', () => {
    const perFunction: Record<string, number> = {};
    for (const c of csf) perFunction[c.id.slice(0, 2)] = (perFunction[c.id.slice(0, 2)] ?? 0) + 1;
    expect(perFunction).toEqual({ GV: 31, ID: 21, PR: 22, DE: 11, RS: 13, RC: 8 });
  });

  it('has the per-category subcategory counts of frameworks.md §3.2', () => {
    const perCategory: Record<string, number> = {};
    for (const c of csf) perCategory[c.group ?? '?'] = (perCategory[c.group ?? '?'] ?? 0) + 1;
    expect(perCategory).toEqual({
      'GV.OC': 5,
      'GV.RM': 7,
      'GV.RR': 4,
      'GV.PO': 2,
      'GV.OV': 3,
      'GV.SC': 10,
      'ID.AM': 7,
      'ID.RA': 10,
      'ID.IM': 4,
      'PR.AA': 6,
      'PR.AT': 2,
      'PR.DS': 4,
      'PR.PS': 6,
      'PR.IR': 4,
      'DE.AE': 6,
      'DE.CM': 5,
      'RS.MA': 5,
      'RS.AN': 4,
      'RS.CO': 2,
      'RS.MI': 2,
      'RC.RP': 6,
      'RC.CO': 2,
    });
  });

  it('uses the official OWASP titles', () => {
    expect(catalog.byId.get('NHI7:2025')?.title).toBe('Long-Lived Secrets');
    expect(catalog.byId.get('NHI6:2025')?.title).toBe('Insecure Cloud Deployment Configurations');
    expect(catalog.byId.get('ASI02')?.title).toBe('Tool Misuse and Exploitation');
    expect(catalog.byId.get('ASI03')?.title).toBe('Identity and Privilege Abuse');
    expect(catalog.byId.get('ASI06')?.title).toBe('Memory & Context Poisoning');
  });

  it('carries verbatim NIST statements', () => {
    expect(catalog.byId.get('PR.AA-01')?.statement).toBe(
      'Identities and credentials for authorized users, services, and hardware are managed by the organization',
    );
    expect(catalog.byId.get('RS.MI-01')?.statement).toBe('Incidents are contained');
    expect(csf.every((c) => typeof c.statement === 'string' && c.statement.length > 0)).toBe(true);
  });
});

describe('control ids and groups', () => {
  it('uses the id format of each framework', () => {
    for (const c of controlsIn('owasp-nhi-2025')) expect(c.id).toMatch(/^NHI(?:[1-9]|10):2025$/);
    for (const c of controlsIn('owasp-asi-2026')) expect(c.id).toMatch(/^ASI(?:0[1-9]|10)$/);
    for (const c of csf) expect(c.id).toMatch(/^(?:GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}$/);
  });

  it('puts every CSF subcategory in an existing category whose id prefixes its own', () => {
    const groups = new Map(catalog.groups.map((g) => [g.id, g]));
    for (const c of csf) {
      const group = c.group === undefined ? undefined : groups.get(c.group);
      expect(group, c.id).toBeDefined();
      expect(group?.parent, c.id).toBeDefined();
      expect(c.id.startsWith(`${c.group}-`), c.id).toBe(true);
    }
    for (const g of catalog.groups.filter((x) => x.parent !== undefined)) {
      expect(groups.get(g.parent ?? '')?.parent, g.id).toBeUndefined();
      expect(g.id.startsWith(`${g.parent}.`), g.id).toBe(true);
    }
  });

  it('gives OWASP controls no statement or group', () => {
    for (const c of catalog.controls.filter((x) => x.framework !== 'nist-csf-2.0')) {
      expect(c.statement, c.id).toBeUndefined();
      expect(c.group, c.id).toBeUndefined();
    }
  });

  it('indexes every control by id', () => {
    expect(catalog.byId.size).toBe(catalog.controls.length);
    expect(catalog.byId.get('ASI01')?.framework).toBe('owasp-asi-2026');
  });
});

describe('CSF 1.1 identifiers', () => {
  it('recognises withdrawn IDs and IDs in 1.1-only categories', () => {
    expect(isCsf11Id('PR.AC-01')).toBe(true);
    expect(isCsf11Id('DE.AE-01')).toBe(true);
    expect(isCsf11Id('ID.AM-06')).toBe(true);
    expect(isCsf11Id('RS.RP-01')).toBe(true);
    expect(isCsf11Id('PR.IP')).toBe(true);
    expect(isCsf11Id('PR.AC-1')).toBe(true);
    expect(isCsf11Id('PR.AA-01')).toBe(false);
    expect(isCsf11Id('DE.AE-02')).toBe(false);
    expect(isCsf11Id('GV.OC-01')).toBe(false);
    expect(isCsf11Id('NHI1:2025')).toBe(false);
  });

  it('lists the 26 withdrawn subcategories of frameworks.md §3.4', () => {
    expect(WITHDRAWN_CSF_IDS.size).toBe(26);
    for (const id of ['ID.AM-06', 'PR.DS-08', 'DE.CM-08', 'RS.AN-05', 'RC.CO-02']) {
      expect(WITHDRAWN_CSF_IDS.has(id), id).toBe(true);
    }
  });

  it('never appears in functions/, templates/ or README.md', () => {
    const CSF_ID = /\b(?:GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}\b/g;
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === 'node_modules') continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.isFile() && statSync(full).size < 5_000_000) files.push(full);
      }
    };
    for (const dir of ['functions', 'templates']) {
      if (existsSync(path.join(REPO_ROOT, dir))) walk(path.join(REPO_ROOT, dir));
    }
    if (existsSync(path.join(REPO_ROOT, 'README.md'))) files.push(path.join(REPO_ROOT, 'README.md'));
    expect(files.length).toBeGreaterThan(0);

    const offenders: string[] = [];
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(CSF_ID)) {
        if (isCsf11Id(match[0])) offenders.push(`${path.relative(REPO_ROOT, file)}: ${match[0]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

describe('observability', () => {
  it('explains every partial and not-observable control in one line', () => {
    for (const c of catalog.controls.filter((x) => x.observability !== 'observable')) {
      expect(c.observabilityReason, c.id).toMatch(/\S/);
      expect(c.observabilityReason, c.id).not.toContain('\n');
    }
  });

  it('follows the honest calls of the reference sheet', () => {
    const obs = (id: string) => catalog.byId.get(id)?.observability;
    expect(obs('NHI7:2025')).toBe('observable');
    expect(obs('NHI2:2025')).toBe('partial');
    expect(obs('ASI01')).not.toBe('observable');
    for (const id of ['PR.AA-06', 'DE.CM-02', 'PR.IR-02']) expect(obs(id), id).toBe('not-observable');
    for (const c of csf.filter((x) => /^(?:GV\.|PR\.AT|RC\.CO)/.test(x.id))) {
      expect(c.observability, c.id).toBe('not-observable');
    }
    const seen = [
      'ID.AM-02',
      'ID.AM-08',
      'PR.AA-01',
      'PR.AA-03',
      'PR.AA-04',
      'PR.AA-05',
      'PR.PS-04',
      'DE.CM-03',
      'DE.CM-06',
      'DE.CM-09',
      'DE.AE-02',
      'DE.AE-03',
      'RS.AN-03',
      'RS.AN-07',
      'RS.MI-01',
    ];
    for (const id of seen) expect(obs(id), id).not.toBe('not-observable');
  });
});

describe('links', () => {
  it('only references controls in the catalog', () => {
    expect(catalog.links.length).toBeGreaterThan(0);
    for (const link of catalog.links) {
      expect(catalog.byId.has(link.from), link.from).toBe(true);
      expect(catalog.byId.has(link.to), link.to).toBe(true);
    }
  });

  it('reproduces Appendix C (NHI -> ASI) exactly', () => {
    const published = catalog.links
      .filter((l) => l.kind === 'published')
      .map((l) => `${l.from}>${l.to}>${l.source}`)
      .sort();
    const appendixC: Record<number, string[]> = {
      1: ['ASI04'],
      2: ['ASI02', 'ASI06'],
      3: ['ASI04', 'ASI03'],
      4: ['ASI03', 'ASI07'],
      5: ['ASI02', 'ASI03'],
      6: ['ASI04', 'ASI05'],
      7: ['ASI06', 'ASI08'],
      8: ['ASI08', 'ASI07'],
      9: ['ASI08', 'ASI04'],
      10: ['ASI09', 'ASI01'],
    };
    const expected = Object.entries(appendixC)
      .flatMap(([n, asis]) => asis.map((a) => `NHI${n}:2025>${a}>owasp-asi-2026-appendix-c`))
      .sort();
    expect(published).toEqual(expected);
  });

  it('holds our NHI -> CSF anchors of §4.4 (both columns) and nothing else', () => {
    const ours = catalog.links
      .filter((l) => l.kind === 'ours')
      .map((l) => `${l.from}>${l.to}`)
      .sort();
    const anchors: Record<number, string[]> = {
      1: ['ID.AM-02', 'ID.AM-08', 'PR.AA-01', 'GV.SC-10', 'DE.CM-03', 'DE.CM-09'],
      2: ['PR.DS-01', 'PR.DS-02', 'PR.AA-01', 'ID.RA-01', 'DE.CM-03', 'DE.CM-09', 'DE.AE-02', 'DE.AE-03'],
      3: ['GV.SC-05', 'GV.SC-06', 'GV.SC-07', 'ID.RA-10', 'DE.CM-06'],
      4: ['PR.AA-03', 'PR.AA-04', 'PR.DS-02', 'DE.CM-03'],
      5: ['PR.AA-05', 'DE.CM-03'],
      6: ['PR.PS-01', 'PR.PS-06', 'PR.AA-04', 'PR.AA-05', 'DE.CM-09'],
      7: ['PR.AA-01', 'PR.AA-04', 'DE.CM-03'],
      8: ['PR.IR-01', 'PR.AA-05', 'DE.CM-01', 'DE.CM-03'],
      9: ['PR.AA-01', 'PR.AA-05', 'DE.AE-03'],
      10: ['PR.AA-01', 'PR.AA-02', 'PR.AA-03', 'GV.RR-02', 'DE.CM-03'],
    };
    const expected = Object.entries(anchors)
      .flatMap(([n, ids]) => ids.map((id) => `NHI${n}:2025>${id}`))
      .sort();
    expect(ours).toEqual(expected);
    expect(catalog.links.filter((l) => l.kind === 'ours').every((l) => l.source === 'trailproof')).toBe(true);
  });

  it('finds links from either end', () => {
    const nhi1 = catalog.linksOf('NHI1:2025').map((l) => l.to);
    expect(nhi1).toContain('ASI04');
    expect(nhi1).toContain('ID.AM-08');
    expect(catalog.linksOf('ASI04').map((l) => l.from)).toEqual(
      expect.arrayContaining(['NHI1:2025', 'NHI3:2025', 'NHI6:2025', 'NHI9:2025']),
    );
    expect(catalog.linksOf('RC.CO-04')).toEqual([]);
  });
});

describe('buildControlCatalog validation', () => {
  it('builds the shipped documents', () => {
    expect(buildControlCatalog(rawDocs()).controls).toHaveLength(126);
  });

  it('rejects a duplicate id, naming file and control', () => {
    const docs = rawDocs();
    const nhi = controlsOf(docs, 'owasp-nhi-2025.yaml');
    const first = nhi[0];
    if (first === undefined) throw new Error('no NHI control');
    nhi.push({ ...first, title: 'Copy' });
    const error = buildError(docs);
    expect(error.message).toMatch(
      /owasp-nhi-2025\.yaml: controls\[10\] \(NHI1:2025\)\.id: duplicate control id/,
    );
  });

  it('rejects a withdrawn CSF id, naming file and control', () => {
    const docs = rawDocs();
    const target = controlsOf(docs, 'nist-csf-2.0.yaml').find((c) => c.id === 'ID.AM-07');
    if (target === undefined) throw new Error('no ID.AM-07');
    target.id = 'ID.AM-06';
    const error = buildError(docs);
    expect(error.message).toMatch(
      /nist-csf-2\.0\.yaml: controls\[\d+\] \(ID\.AM-06\)\.id: .*withdrawn CSF 1\.1/,
    );
  });

  it('rejects a CSF 1.1 id cited in free text', () => {
    const docs = rawDocs();
    const target = controlsOf(docs, 'owasp-asi-2026.yaml')[2];
    if (target === undefined) throw new Error('no ASI03');
    target.description = 'Maps to PR.AC-04 in the old framework.';
    expect(buildError(docs).message).toMatch(/owasp-asi-2026\.yaml: controls\[2\] \(ASI03\): .*PR\.AC-04/);
  });

  it('rejects a link to an unknown id, naming file, link and field', () => {
    const docs = rawDocs();
    linksOf(docs).push({ from: 'NHI1:2025', to: 'ASI11', source: 'trailproof', kind: 'ours' });
    expect(buildError(docs).message).toMatch(
      /links\.yaml: links\[\d+\] \(NHI1:2025 -> ASI11\)\.to: unknown control id ASI11/,
    );
  });

  it('rejects a link to a withdrawn CSF id', () => {
    const docs = rawDocs();
    linksOf(docs).push({ from: 'NHI5:2025', to: 'PR.AC-04', source: 'trailproof', kind: 'ours' });
    expect(buildError(docs).message).toMatch(/links\.yaml: .*\.to: PR\.AC-04 is a withdrawn CSF 1\.1/);
  });

  it('requires a reason for partial and not-observable controls', () => {
    const docs = rawDocs();
    const target = controlsOf(docs, 'owasp-nhi-2025.yaml')[1];
    if (target === undefined) throw new Error('no NHI2');
    delete target.observability_reason;
    expect(buildError(docs).message).toMatch(
      /owasp-nhi-2025\.yaml: controls\[1\] \(NHI2:2025\)\.observability_reason: required when observability is partial/,
    );
  });

  it('rejects bad shapes with the field path and a CSF control outside its group', () => {
    const docs = rawDocs();
    const nhi = controlsOf(docs, 'owasp-nhi-2025.yaml');
    const csfControls = controlsOf(docs, 'nist-csf-2.0.yaml');
    const [a, b] = [nhi[3], csfControls[0]];
    if (a === undefined || b === undefined) throw new Error('missing controls');
    a.observability = 'sometimes';
    a.colour = 'red';
    b.group = 'GV.RM';
    const message = buildError(docs).message;
    expect(message).toMatch(/owasp-nhi-2025\.yaml: controls\[3\] \(NHI4:2025\)\.observability: /);
    expect(message).toMatch(/owasp-nhi-2025\.yaml: controls\[3\] \(NHI4:2025\): unknown key\(s\) "colour"/);
    expect(message).toMatch(
      /nist-csf-2\.0\.yaml: controls\[0\] \(GV\.OC-01\)\.group: GV\.OC-01 does not belong/,
    );
  });

  it('rejects a missing framework document', () => {
    const docs = rawDocs().filter((d) => d.file !== 'owasp-asi-2026.yaml');
    expect(buildError(docs).message).toMatch(/no document for framework owasp-asi-2026/);
  });
});

describe('catalog version', () => {
  it('is a 12-digit hex hash, stable across loads', async () => {
    expect(catalog.version).toMatch(/^[0-9a-f]{12}$/);
    expect(buildControlCatalog(rawDocs()).version).toBe(catalog.version);
    expect(buildControlCatalog(rawDocs().reverse()).version).toBe(catalog.version);
    clearControlCatalogCache();
    const reloaded = await loadControlCatalog();
    expect(reloaded).not.toBe(catalog);
    expect(reloaded.version).toBe(catalog.version);
  });

  it('changes when one title changes', () => {
    const docs = rawDocs();
    const target = controlsOf(docs, 'nist-csf-2.0.yaml')[5];
    if (target === undefined) throw new Error('no control');
    target.title = `${target.title} (edited)`;
    expect(buildControlCatalog(docs).version).not.toBe(catalog.version);
  });
});

describe('loadControlCatalog', () => {
  const tempDirs: string[] = [];
  afterAll(async () => {
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function copyCatalog(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'trailproof-catalog-'));
    tempDirs.push(dir);
    for (const name of CATALOG_FILES) {
      await writeFile(path.join(dir, name), readFileSync(path.join(CATALOG_DIR, name), 'utf8'));
    }
    return dir;
  }

  it('caches per directory', async () => {
    const dir = await copyCatalog();
    const [a, b] = await Promise.all([loadControlCatalog(dir), loadControlCatalog(dir)]);
    expect(a).toBe(b);
    expect(await loadControlCatalog(pathToFileURL(`${dir}/`))).toBe(a);
    expect(a.version).toBe(catalog.version);
  });

  it('reports YAML syntax errors with file, line and column', async () => {
    const dir = await copyCatalog();
    await writeFile(path.join(dir, 'links.yaml'), 'links:\n  - { from: ASI01, to: [ASI02\nfoo: bar\n');
    await expect(loadControlCatalog(dir)).rejects.toThrow(/links\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('names a missing file', async () => {
    const dir = await copyCatalog();
    await rm(path.join(dir, 'owasp-asi-2026.yaml'));
    await expect(loadControlCatalog(dir)).rejects.toThrow(/owasp-asi-2026\.yaml: cannot read/);
  });
});
