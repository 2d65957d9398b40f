import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { STRATUS_DIR, stratusTechniques } from '../helpers/corpus.js';
import { pdfPages } from '../helpers/pdfText.js';
import { runCli } from '../helpers/runCli.js';

let work: string;
const stratusEvents = stratusTechniques().flatMap((t) => t.events);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trailproof-cli-'));
  await writeFile(
    path.join(work, 'bad.json'),
    '{"Records": [{"eventID": "x"}, {"not": "cloudtrail"}, {"eventID": tr',
  );
  await writeFile(
    path.join(work, 'tenant.yaml'),
    [
      'id: stratus-lab',
      'name: Stratus Lab <Test> & Co',
      'mssp: { name: Northwind Security, colors: { primary: "#0b3d91", accent: "#f28c28" } }',
      'accounts:',
      ...[...new Set(stratusEvents.map((e) => e.recipientAccountId as string))].map(
        (id) => `  - { id: "${id}", name: lab-${id.slice(-4)}, environment: test, source: { files: x } }`,
      ),
    ].join('\n'),
  );
  await writeFile(
    path.join(work, 'broken.yaml'),
    'id: Bad Id\nname: x\nmssp: { name: y }\naccounts:\n  - { id: "123", name: a, environment: b, source: { files: c } }\n',
  );
});

describe('trailproof analyze', () => {
  it('writes analysis.json and evidence.ndjson whose counts add up, exit 0 despite rejections', async () => {
    const out = path.join(work, 'analyze');
    const r = await runCli([
      'analyze',
      STRATUS_DIR,
      path.join(work, 'bad.json'),
      '--config',
      path.join(work, 'tenant.yaml'),
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Input\s+19 sources, 160 records: 157 accepted, 0 duplicates, 3 rejected/);
    const analysis = JSON.parse(await readFile(path.join(out, 'analysis.json'), 'utf8'));
    expect(analysis.schema).toBe('trailproof/analysis@2');
    const { input } = analysis;
    expect(input.records).toBe(input.accepted + input.duplicates + input.rejected);
    const bad = await readFile(path.join(work, 'bad.json'), 'utf8');
    expect(
      input.rejections.map((x: { source: string; position: string }) => [
        path.basename(x.source),
        x.position,
      ]),
    ).toEqual([
      ['bad.json', `record 1 (byte ${bad.indexOf('{"eventID": "x"}')})`],
      ['bad.json', `record 2 (byte ${bad.indexOf('{"not"')})`],
      ['bad.json', `record 3 (byte ${bad.indexOf('{"eventID": tr')})`],
    ]);
    expect(analysis.controls).toHaveLength(126);
    expect(new Set(analysis.controls.map((c: { framework: string }) => c.framework))).toEqual(
      new Set(['owasp-nhi-2025', 'owasp-asi-2026', 'nist-csf-2.0']),
    );
    for (const f of analysis.findings) {
      expect(f.eventIds.length).toBeGreaterThan(0);
      expect(
        f.controls.every((id: string) =>
          /^(NHI\d{1,2}:2025|ASI\d{2}|(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2})$/.test(id),
        ),
      ).toBe(true);
    }
    const lines = (await readFile(path.join(out, 'evidence.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(157);
    expect(new Set(lines.map((l) => l.eventId))).toEqual(new Set(stratusEvents.map((e) => e.eventID)));
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(
        expect.arrayContaining([
          'eventId',
          'eventTime',
          'eventSource',
          'eventName',
          'account',
          'region',
          'actor',
          'class',
          'credential',
          'controls',
        ]),
      );
      expect(['long-lived', 'temporary', 'none']).toContain(l.credential.kind);
    }
    // Every finding's event IDs are in the evidence file under that finding.
    const byFinding = new Map<string, string[]>();
    for (const l of lines)
      for (const f of l.findings) byFinding.set(f, [...(byFinding.get(f) ?? []), l.eventId]);
    const ids = new Set(lines.map((l) => l.eventId));
    for (const f of analysis.findings) {
      if (f.kind === 'event') expect(byFinding.get(f.id)).toEqual(expect.arrayContaining(f.eventIds));
      else for (const id of f.eventIds) expect(ids.has(id)).toBe(true);
    }
  });

  it('exits 1 when nothing usable could be read', async () => {
    const r = await runCli(['analyze', path.join(work, 'bad.json'), '--out', path.join(work, 'nothing')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no usable CloudTrail record/);
  });

  it('exits 2 with the field named when the config is invalid', async () => {
    const r = await runCli([
      'analyze',
      STRATUS_DIR,
      '--config',
      path.join(work, 'broken.yaml'),
      '--out',
      path.join(work, 'x'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: invalid tenant config .*broken\.yaml/);
    expect(r.stderr).toMatch(/id: expected lowercase letters/);
    expect(r.stderr).toMatch(/accounts\[0\]\.id: expected a 12-digit AWS account id/);
  });

  it('exits 2 on a bad period', async () => {
    const r = await runCli(['analyze', STRATUS_DIR, '--period', '2026-13']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--period expects a month like 2026-11/);
  });
});

describe('trailproof report', () => {
  it('renders HTML and a PDF whose text carries the client, findings and controls', async () => {
    const out = path.join(work, 'report');
    const r = await runCli([
      'report',
      STRATUS_DIR,
      '--config',
      path.join(work, 'tenant.yaml'),
      '--out',
      out,
      '--from',
      '2024-07-01T00:00:00Z',
      '--to',
      '2024-12-01T00:00:00Z',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Stratus Lab &lt;Test&gt; &amp; Co');
    expect(html).not.toContain('<Test>');
    const pages = await pdfPages(path.join(out, 'report.pdf'));
    expect(pages.length).toBeGreaterThanOrEqual(5);
    expect(pages.length).toBeLessThanOrEqual(40);
    const text = pages.join('\n');
    expect(text).toContain('Stratus Lab <Test> & Co');
    expect(text).toContain('Northwind Security');
    expect(text).toContain('2024-07-01T00:00:00Z to 2024-12-01T00:00:00Z');
    expect(text).toMatch(/CloudTrail logging stopped or trail deleted/);
    expect(text).toMatch(/NHI7:2025/);
    expect(text).toMatch(/PR\.AA-01/);
    expect(text).toMatch(/Page 2 of \d+/);
    const csv = await readFile(path.join(out, 'findings.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^id,severity,rule,title,actor/);
  }, 120_000);
});

describe('trailproof analyze is deterministic', () => {
  it('gives byte-identical analysis.json and evidence.ndjson for the same input and config', async () => {
    const args = (out: string) => [
      'analyze',
      STRATUS_DIR,
      '--config',
      path.join(work, 'tenant.yaml'),
      '--out',
      out,
    ];
    const [a, b] = [path.join(work, 'det-a'), path.join(work, 'det-b')];
    expect((await runCli(args(a))).code).toBe(0);
    expect((await runCli(args(b))).code).toBe(0);
    for (const file of ['analysis.json', 'evidence.ndjson']) {
      expect(await readFile(path.join(a, file), 'utf8')).toBe(await readFile(path.join(b, file), 'utf8'));
    }
  });
});

describe('trailproof demo', () => {
  it('reports on the sample month with change since the previous one, exports and a signed manifest', async () => {
    const out = path.join(work, 'demo');
    const r = await runCli(['demo', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Generated [\d,]+ CloudTrail records in [\d,]+ files/);
    expect(r.stdout).toMatch(/Change since 2026-09: \d+ new, 0 resolved, \d+ persisting findings/);
    const report = path.join(out, 'report');
    expect((await readdir(report)).sort()).toEqual([
      'analysis.json',
      'change.json',
      'evidence.ndjson.gz',
      'findings.csv',
      'findings.ocsf.jsonl',
      'manifest.json',
      'manifest.pub.pem',
      'report.html',
      'report.pdf',
    ]);
    const analysis = JSON.parse(await readFile(path.join(report, 'analysis.json'), 'utf8'));
    expect(analysis.input.accepted).toBeGreaterThan(25_000);
    expect(analysis.input.rejected).toBe(0);
    const classes = new Set(analysis.actors.map((a: { class: string }) => a.class));
    for (const c of ['human', 'workload', 'ai-agent', 'aws-service', 'third-party'])
      expect(classes).toContain(c);
    const rules = new Set(analysis.findings.map((f: { rule: string }) => f.rule));
    expect(rules).toContain('console-use-of-service-identity');
    expect(rules).toContain('llm-jacking');
    expect(analysis.findings.some((f: { suppressed: unknown }) => f.suppressed)).toBe(true);

    // The evidence file holds one line per accepted event.
    const evidence = gunzipSync(await readFile(path.join(report, 'evidence.ndjson.gz'))).toString('utf8');
    expect(evidence.trimEnd().split('\n')).toHaveLength(analysis.input.accepted);
    const ocsf = (await readFile(path.join(report, 'findings.ocsf.jsonl'), 'utf8')).trimEnd().split('\n');
    expect(ocsf.map((l) => JSON.parse(l).class_uid)).toEqual(expect.arrayContaining([2004, 2003]));
    expect(ocsf.filter((l) => JSON.parse(l).class_uid === 2004)).toHaveLength(analysis.findings.length);

    const pages = await pdfPages(path.join(report, 'report.pdf'));
    expect(pages.length).toBeGreaterThanOrEqual(15);
    expect(pages.length).toBeLessThanOrEqual(45);
    const text = pages.join('\n');
    expect(pages[0]).toContain('Acme Robotics');
    expect(pages[0]).toContain('Northwind Security');
    expect(text).toMatch(/Machine identities performed \d+% of them/);
    expect(text).toMatch(/Most important changes since 2026-09/);
    expect(text).toMatch(/new high-severity findings?:/);
    expect(text).toMatch(/No data events were logged for acme-dev/);
    expect(text).toMatch(/Log-file integrity \(CloudTrail digest files\) was not validated/);
    expect(text).toMatch(/Service identity used interactively/);
    expect(text).toMatch(/Non-human identity inventory/);
    expect(text).toMatch(/Persisting findings \(\d+\)/);
    expect(text).toMatch(/Input set digest/);
    expect(text).toMatch(/Page 3 of \d+/);
    // White-label: the MSSP did not ask for a Trailproof credit.
    expect(text).not.toMatch(/Trailproof/);
    // Print layout: table headers repeat on every page a table spans, and no page ends on a heading.
    expect(
      pages.filter((p) => p.includes('Credentials (kind and age evidence)')).length,
    ).toBeGreaterThanOrEqual(2);
    const html = await readFile(path.join(report, 'report.html'), 'utf8');
    const headings = [...html.matchAll(/<h[23][^>]*>([\s\S]*?)<\/h[23]>/g)]
      .map((m) =>
        m[1]!
          .replace(/<[^>]+>/g, '')
          .replace(/&amp;/g, '&')
          .replace(/\s+/g, ' ')
          .trim(),
      )
      .filter((h) => h.length > 3);
    expect(headings.length).toBeGreaterThan(30);
    // A table's header row alone at the foot of a page is orphaned too.
    const headerRows = [...html.matchAll(/<thead><tr>([\s\S]*?)<\/tr><\/thead>/g)].map((m) =>
      [...m[1]!.matchAll(/<th[^>]*>([\s\S]*?)<\/th>/g)]
        .map((t) => t[1]!.replace(/<[^>]+>/g, '').trim())
        .join(' '),
    );
    headings.push(...new Set(headerRows));
    const orphaned = pages
      // The footer comes last on each page (its report id may be split by ligatures).
      .map((p) => p.slice(0, p.lastIndexOf('Acme Robotics · 2026-10 ·')).trim())
      .map((body, i) => ({ page: i + 1, heading: headings.find((h) => body.endsWith(h)) }))
      // The contents page lists the section titles by design.
      .filter((p) => p.page !== 2)
      .filter((p) => p.heading);
    expect(orphaned).toEqual([]);

    const verify = await runCli(['verify', report]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/Verified: all 7 artifacts match the signed manifest/);
    const manifest = JSON.parse(await readFile(path.join(report, 'manifest.json'), 'utf8')).manifest;
    expect(manifest.inputs).toHaveLength(analysis.input.sources);
    expect(manifest.inputs[0].name).toMatch(/^2026-10\/AWSLogs\/\d{12}\/CloudTrail\//);
    expect(manifest.inputTotals.records).toBe(analysis.input.records);
  }, 180_000);

  it('refuses to write a report into a directory holding other files', async () => {
    const out = path.join(work, 'not-empty');
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'notes.txt'), 'mine');
    const r = await runCli([
      'report',
      STRATUS_DIR,
      '-c',
      path.join(work, 'tenant.yaml'),
      '--out',
      out,
      '--format',
      'csv',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not-empty holds 1 file\(s\) that are not part of a report \(notes.txt\)/);
    expect(await readFile(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });
});

describe('trailproof catalog', () => {
  it('lists all 126 controls as JSON and filters by framework', async () => {
    const all = JSON.parse((await runCli(['catalog', '--json'])).stdout);
    expect(all.controls).toHaveLength(126);
    const nhi = await runCli(['catalog', '--framework', 'owasp-nhi-2025']);
    expect(nhi.code).toBe(0);
    expect(nhi.stdout).toMatch(/NHI10:2025\s+Human Use of NHI/);
    expect(nhi.stdout).not.toMatch(/^ {2}ASI01 /m);
    expect(nhi.stdout).toMatch(/linked: .*ASI/);
  });
});
