/**
 * Sharing against a real S3-compatible server (Ceph radosgw on loopback): reports of two tenants
 * published by the real CLI, presigned links fetched with fetch(), the index page, notifications
 * (SES mocked) and the `share` command.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTenantConfig } from '../../functions/adapters/fs/loadTenantConfig.js';
import { writeTrailFiles } from '../../functions/adapters/fs/writeTrailFiles.js';
import {
  presignObject,
  presignReport,
  signingCredentialsOf,
} from '../../functions/adapters/share/presignReport.js';
import type { TenantConfig } from '../../functions/core/config/tenantConfig.js';
import { generateTenantMonth } from '../../functions/core/sample/generateTenantMonth.js';
import { ShareError, ShareScopeError } from '../../functions/core/share/errors.js';
import { linkLifetime, parseLinkExpiry } from '../../functions/core/share/linkExpiry.js';
import { reportPlaceOf } from '../../functions/core/share/reportKeys.js';
import { publishIndexJob } from '../../functions/jobs/publishIndexJob.js';
import { shareReportJob } from '../../functions/jobs/shareReportJob.js';
import { runCli } from '../helpers/runCli.js';
import {
  freshBucket,
  type S3TestServer,
  s3ProcessEnv,
  s3TestClient,
  s3TestServer,
} from '../helpers/s3Client.js';

const WEEK = parseLinkExpiry('7d');
const ACME = { root: '', tenantId: 'acme', period: '2026-10-09' };

let server: S3TestServer;
let s3: S3Client;
let bucket: string;
let work: string;
let acme: TenantConfig;
let globexFile: string;

const env = () => s3ProcessEnv(server);

async function getBytes(key: string): Promise<Uint8Array> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return response.Body!.transformToByteArray();
}

async function putText(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

async function report(args: string[]): Promise<void> {
  const run = await runCli(['report', ...args], env());
  if (run.code !== 0) throw new Error(`report ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
}

beforeAll(async () => {
  server = await s3TestServer();
  s3 = s3TestClient();
  work = await mkdtemp(path.join(tmpdir(), 'trailproof-share-'));
  const tree = path.join(work, 'trail');
  const records = [...generateTenantMonth({ month: '2026-10', targetEvents: 6_000 })].filter(
    (r) => (r.eventTime as string) >= '2026-10-08' && (r.eventTime as string) < '2026-10-10',
  );
  await writeTrailFiles(records, tree);
  bucket = await freshBucket('share');
  acme = (await loadTenantConfig('examples/demo-tenant.yaml')).config;
  globexFile = path.join(work, 'globex.yaml');
  await writeFile(
    globexFile,
    (await readFile('examples/demo-tenant.yaml', 'utf8'))
      .replace(/^id: acme$/m, 'id: globex')
      .replace(/^name: Acme Robotics$/m, 'name: Globex Corporation'),
  );

  // acme 2026-10-08, then 2026-10-09 with the change since 10-08 (and a PDF); globex 2026-10-09.
  await Promise.all([
    report([
      tree,
      '-c',
      'examples/demo-tenant.yaml',
      '--period',
      '2026-10-08',
      '--format',
      'html,json,csv',
      '--out',
      `s3://${bucket}/acme/2026-10-08/`,
    ]),
    report([
      tree,
      '-c',
      globexFile,
      '--period',
      '2026-10-09',
      '--format',
      'html,json',
      '--out',
      `s3://${bucket}/globex/2026-10-09/`,
    ]),
  ]);
  const previous = path.join(work, 'previous-analysis.json');
  await writeFile(previous, await getBytes('acme/2026-10-08/analysis.json'));
  await report([
    tree,
    '-c',
    'examples/demo-tenant.yaml',
    '--period',
    '2026-10-09',
    '--previous',
    previous,
    '--out',
    `s3://${bucket}/acme/2026-10-09/`,
  ]);

  // Traps inside acme's folder: another tenant's report, a manifest that names a key outside the
  // folder, and a folder that is not a report.
  for (const name of ['report.html', 'analysis.json', 'manifest.json']) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `acme/2026-10-10/${name}`,
        Body: await getBytes(`globex/2026-10-09/${name}`),
      }),
    );
  }
  const crafted = JSON.parse(Buffer.from(await getBytes('acme/2026-10-09/manifest.json')).toString('utf8'));
  crafted.manifest.artifacts[0].name = '../../globex/2026-10-09/report.html';
  await putText('acme/2026-10-11/manifest.json', JSON.stringify(crafted));
  await putText('acme/drafts/notes.txt', 'not a report');
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('Function: presignReport', () => {
  it('signs one link per file of the manifest that serves the exact bytes as a named attachment', async () => {
    const shared = await presignReport({ client: s3, place: { bucket, ...ACME }, expiry: WEEK });
    const manifest = JSON.parse(
      Buffer.from(await getBytes('acme/2026-10-09/manifest.json')).toString('utf8'),
    );
    const names = shared.links.map((l) => l.name);
    expect(names).toEqual(
      [
        ...manifest.manifest.artifacts.map((a: { name: string }) => a.name),
        'manifest.json',
        'manifest.pub.pem',
      ].sort(),
    );
    expect(names).toEqual(
      expect.arrayContaining(['report.pdf', 'report.html', 'change.json', 'evidence.ndjson.gz']),
    );
    expect(shared.warnings).toEqual([]);
    expect(Date.parse(shared.effectiveExpiresAt) - Date.now()).toBeGreaterThan(WEEK.seconds * 1000 - 60_000);
    for (const link of shared.links) {
      const response = await fetch(link.url);
      expect(response.status, link.name).toBe(200);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(
        await getBytes(`acme/2026-10-09/${link.name}`),
      );
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="acme-2026-10-09-${link.name}"`,
      );
      expect(link.url).toContain('X-Amz-Expires=604800');
    }
    const pdf = shared.links.find((l) => l.name === 'report.pdf')!;
    expect((await fetch(pdf.url)).headers.get('content-type')).toBe('application/pdf');
    const html = shared.links.find((l) => l.name === 'report.html')!;
    expect((await fetch(html.url)).headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('gives links that stop working once they expire', async () => {
    // X-Amz-Date has whole seconds: sign just after a second starts, so the link lives ~1 s.
    while (Date.now() % 1000 > 100) await sleep(10);
    const url = await presignObject(s3, {
      bucket,
      key: 'acme/2026-10-09/findings.csv',
      fileName: 'acme-2026-10-09-findings.csv',
      contentType: 'text/csv; charset=utf-8',
      disposition: 'attachment',
      expiresInSeconds: parseLinkExpiry('1s').seconds,
      now: new Date(),
    });
    expect(url).toContain('X-Amz-Expires=1&');
    expect((await fetch(url)).status).toBe(200);
    await sleep(2_000);
    const late = await fetch(url);
    expect(late.status).toBe(403);
    expect(await late.text()).toMatch(/AccessDenied|expired/i);
  });

  it('gives links that fail when any signed part is changed', async () => {
    const shared = await presignReport({ client: s3, place: { bucket, ...ACME }, expiry: WEEK });
    const csv = shared.links.find((l) => l.name === 'findings.csv')!.url;
    expect((await fetch(csv)).status).toBe(200);
    const tampered = [
      csv.replace('findings.csv', 'analysis.json'),
      csv.replace('/acme/2026-10-09/', '/globex/2026-10-09/'),
      csv.replace('X-Amz-Expires=604800', 'X-Amz-Expires=604799'),
      csv.replace('attachment', 'inline'),
      csv.replace(/X-Amz-Signature=([0-9a-f])/, (_, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`),
    ];
    for (const url of tampered) {
      expect(url).not.toBe(csv);
      expect((await fetch(url)).status, url).toBe(403);
    }
  });

  it("signs only keys inside the tenant's own period folder", async () => {
    const shared = await presignReport({ client: s3, place: { bucket, ...ACME }, expiry: WEEK });
    for (const link of shared.links) {
      expect(link.key.startsWith('acme/2026-10-09/')).toBe(true);
      expect(new URL(link.url).pathname).toBe(`/${bucket}/acme/2026-10-09/${link.name}`);
      expect(link.url).not.toContain('globex');
    }
    const globex = await presignReport({
      client: s3,
      place: { bucket, root: '', tenantId: 'globex', period: '2026-10-09' },
      expiry: WEEK,
    });
    expect(globex.links.every((l) => l.key.startsWith('globex/2026-10-09/'))).toBe(true);
    expect(globex.links.map((l) => l.url).join(' ')).not.toMatch(/\/acme\//);
  });

  it('refuses crafted prefixes, another tenant’s report in the folder, and a manifest naming keys outside it', async () => {
    expect(() => reportPlaceOf(bucket, 'acme/../globex/2026-10-09/')).toThrow(ShareScopeError);
    await expect(
      presignReport({
        client: s3,
        place: { bucket, root: '', tenantId: 'acme', period: '../globex/2026-10-09' },
        expiry: WEEK,
      }),
    ).rejects.toThrow(ShareScopeError);
    await expect(
      presignReport({
        client: s3,
        place: { bucket, root: 'globex/..', tenantId: 'acme', period: '2026-10-09' },
        expiry: WEEK,
      }),
    ).rejects.toThrow(ShareScopeError);
    await expect(
      presignReport({
        client: s3,
        place: { bucket, root: '', tenantId: 'acme', period: '2026-10-10' },
        expiry: WEEK,
      }),
    ).rejects.toThrow(/manifest\.json is a report of tenant "globex", not "acme": refusing to share it/);
    await expect(
      presignReport({
        client: s3,
        place: { bucket, root: '', tenantId: 'acme', period: '2026-10-11' },
        expiry: WEEK,
      }),
    ).rejects.toThrow(/is not a report manifest: .*unsafe artifact name/);
    await expect(
      presignReport({
        client: s3,
        place: { bucket, root: '', tenantId: 'acme', period: 'drafts' },
        expiry: WEEK,
      }),
    ).rejects.toThrow(/drafts\/ holds no manifest\.json \(found notes\.txt\): not a published report/);
    await expect(
      presignReport({
        client: s3,
        place: { bucket, root: '', tenantId: 'acme', period: '2026-09' },
        expiry: WEEK,
      }),
    ).rejects.toThrow(ShareError);
  });

  it('detects temporary signing credentials and says when the links die with them', async () => {
    const expiration = new Date(Date.now() + 3_600_000);
    const temporary = s3TestClient({
      credentials: {
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        sessionToken: 'session-token',
        expiration,
      },
    });
    const credentials = await signingCredentialsOf(temporary);
    expect(credentials).toEqual({ temporary: true, expiresAt: expiration });
    expect(linkLifetime(WEEK, credentials, new Date()).warning).toBe(
      `requested 7d but the signing credentials expire at ${expiration.toISOString()}; links stop working then — use CloudFront signed URLs with a key group for week-long links`,
    );
    const url = await presignObject(temporary, {
      bucket,
      key: 'acme/2026-10-09/findings.csv',
      fileName: 'x.csv',
      contentType: 'text/csv',
      disposition: 'attachment',
      expiresInSeconds: WEEK.seconds,
      now: new Date(),
    });
    expect(new URL(url).searchParams.get('X-Amz-Security-Token')).toBe('session-token');
    expect(await signingCredentialsOf(s3)).toEqual({ temporary: false, expiresAt: null });
  });
});

describe('Job: publishIndexJob', () => {
  it("writes the tenant's index with its reports, newest first, and links that work", async () => {
    const result = await publishIndexJob({ client: s3, bucket, root: '', config: acme, expiry: WEEK });
    expect(result.key).toBe('acme/index.html');
    expect(result.reports.map((r) => r.place.period)).toEqual(['2026-10-08', '2026-10-09']);
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^not listed: .*acme\/2026-10-10\/manifest\.json is a report of tenant "globex"/,
        ),
        expect.stringMatching(/^not listed: .*acme\/2026-10-11\/manifest\.json is not a report manifest/),
        expect.stringMatching(/^not listed: .*acme\/drafts\/ holds no manifest\.json/),
      ]),
    );
    const page = await fetch(result.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-disposition')).toBe('inline; filename="acme-reports-index.html"');
    const html = await page.text();
    expect(html).toBe(Buffer.from(await getBytes('acme/index.html')).toString('utf8'));
    expect(html).toContain('Northwind Security');
    expect(html).toContain('Acme Robotics: machine identity evidence reports');
    expect(html.indexOf('<h2 id="period-0">2026-10-09</h2>')).toBeGreaterThan(0);
    expect(html.indexOf('2026-10-09</h2>')).toBeLessThan(html.indexOf('2026-10-08</h2>'));
    expect(html).not.toMatch(/2026-10-10|2026-10-11|drafts|globex|Globex/);

    // The figures are those of the report's own files.
    const analysis = JSON.parse(
      Buffer.from(await getBytes('acme/2026-10-09/analysis.json')).toString('utf8'),
    );
    const change = JSON.parse(Buffer.from(await getBytes('acme/2026-10-09/change.json')).toString('utf8'));
    const october5 = html.slice(html.indexOf('id="period-0"'), html.indexOf('id="period-1"'));
    const bySeverity = analysis.summary.findingsBySeverity as Record<string, number>;
    const open = Object.values(bySeverity).reduce((n, c) => n + c, 0);
    expect(open).toBeGreaterThan(0);
    expect(october5).toContain(`<th scope="row">Open findings</th><td><strong>${open}</strong></td>`);
    for (const [severity, count] of Object.entries(bySeverity))
      expect(october5).toContain(`<th scope="row">${severity}</th><td>${count}</td>`);
    expect(october5).toContain(`<th scope="row">New findings</th><td>${change.findings.new.length}</td>`);
    expect(october5).toContain(`<th scope="row">Resolved</th><td>${change.findings.resolved.length}</td>`);
    expect(october5).toContain(
      `<th scope="row">Persisting</th><td>${change.findings.persisting.length}</td>`,
    );
    // No finding details leave the report.
    for (const finding of analysis.findings.slice(0, 5)) expect(html).not.toContain(finding.title);

    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) =>
      m[1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&'),
    );
    const shared = result.reports.flatMap((r) => r.links);
    expect(hrefs.sort()).toEqual(shared.map((l) => l.url).sort());
    const sample = shared.filter((l) => l.name === 'manifest.json' || l.name === 'report.html');
    expect(sample).toHaveLength(4);
    for (const link of sample) {
      const response = await fetch(hrefs.find((h) => h === link.url)!);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(await getBytes(link.key));
    }
  });
});

describe('Job: shareReportJob with notification', () => {
  it('e-mails each recipient the summary figures and the links through SES, nothing else', async () => {
    const ses = new SESv2Client({ region: 'eu-west-1' });
    const mock = mockClient(ses);
    mock.on(SendEmailCommand).resolves({ MessageId: 'id' });
    const config: TenantConfig = {
      ...acme,
      sharing: { linkExpiry: '7d', notify: { ses: { from: 'reports@northwind.example' } } },
    };
    try {
      const result = await shareReportJob({
        client: s3,
        place: { bucket, ...ACME },
        expiry: WEEK,
        notify: { config, clients: { ses } },
      });
      expect(result.notification).toEqual({
        channel: 'ses',
        to: ['security@acme.example', 'acme-account@northwind.example'],
        messageIds: ['id', 'id'],
      });
      const analysis = JSON.parse(
        Buffer.from(await getBytes('acme/2026-10-09/analysis.json')).toString('utf8'),
      );
      const s = analysis.summary.findingsBySeverity;
      const open = s.critical + s.high + s.medium + s.low + s.info;
      const calls = mock.commandCalls(SendEmailCommand);
      expect(calls.map((c) => c.args[0].input.Destination)).toEqual([
        { ToAddresses: ['security@acme.example'] },
        { ToAddresses: ['acme-account@northwind.example'] },
      ]);
      const input = calls[0]!.args[0].input;
      expect(input.FromEmailAddress).toBe('reports@northwind.example');
      expect(input.ConfigurationSetName).toBeUndefined();
      expect(input.Content?.Simple?.Subject).toEqual({
        Data: 'Acme Robotics: machine identity evidence report 2026-10-09',
        Charset: 'UTF-8',
      });
      const text = input.Content!.Simple!.Body!.Text!.Data!;
      expect(text).toContain(
        `Open findings: ${open} (critical ${s.critical}, high ${s.high}, medium ${s.medium}, low ${s.low}, info ${s.info})`,
      );
      for (const link of result.shared.links) expect(text).toContain(`  ${link.name}: ${link.url}\n`);
      const html = input.Content!.Simple!.Body!.Html!.Data!;
      for (const finding of analysis.findings) {
        expect(text).not.toContain(finding.title);
        expect(html).not.toContain(finding.actorName);
      }
      expect(text).not.toContain('111111111111');
      expect(html).not.toMatch(/<script|<img/i);
    } finally {
      mock.restore();
    }
  });

  it('refuses to notify when the tenant config names no channel', async () => {
    await expect(
      shareReportJob({ client: s3, place: { bucket, ...ACME }, expiry: WEEK, notify: { config: acme } }),
    ).rejects.toThrow(/sharing\.notify: the tenant config of acme names no channel/);
  });
});

describe('CLI: trailproof share', () => {
  it('prints one line per file, name then link, and the same links as JSON', async () => {
    const uri = `s3://${bucket}/acme/2026-10-09/`;
    const text = await runCli(['share', uri, '--expires', '12h'], env());
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    const rows = lines.map((l) => /^(\S+) +(http\S+)$/.exec(l));
    expect(rows.every(Boolean)).toBe(true);
    const names = rows.map((r) => r![1]);
    expect(names).toEqual(
      expect.arrayContaining(['report.pdf', 'report.html', 'manifest.json', 'change.json']),
    );
    for (const row of rows) {
      expect(row![2]).toContain('X-Amz-Expires=43200');
      expect(new URL(row![2]!).pathname).toBe(`/${bucket}/acme/2026-10-09/${row![1]}`);
    }
    const manifestUrl = rows.find((r) => r![1] === 'manifest.json')![2]!;
    expect(new Uint8Array(await (await fetch(manifestUrl)).arrayBuffer())).toEqual(
      await getBytes('acme/2026-10-09/manifest.json'),
    );

    const json = await runCli(['share', uri, '--json'], env());
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({
      report: uri,
      tenant: { id: 'acme', name: 'Acme Robotics' },
      period: '2026-10-09',
      expires: '7d',
      warnings: [],
      index: null,
      notification: null,
    });
    expect(out.links.map((l: { name: string }) => l.name)).toEqual(names);
    expect(out.links.find((l: { name: string }) => l.name === 'report.pdf')).toMatchObject({
      fileName: 'acme-2026-10-09-report.pdf',
      contentType: 'application/pdf',
    });
    expect((await fetch(out.links[0].url)).status).toBe(200);
  }, 60_000);

  it('shares a tenant period from its config and root, and regenerates the index', async () => {
    const run = await runCli(
      [
        'share',
        '--config',
        'examples/demo-tenant.yaml',
        '--period',
        '2026-10-08',
        '--root',
        `s3://${bucket}`,
        '--index',
      ],
      env(),
    );
    expect(run.code).toBe(0);
    const rows = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/ +/));
    expect(rows.map((r) => r[0])).toEqual([
      'analysis.json',
      'evidence.ndjson.gz',
      'findings.csv',
      'manifest.json',
      'manifest.pub.pem',
      'report.html',
      'index.html',
    ]);
    expect(
      rows.slice(0, -1).every((r) => new URL(r[1]!).pathname.startsWith(`/${bucket}/acme/2026-10-08/`)),
    ).toBe(true);
    // The folders that are not acme's reports are named on stderr, not listed.
    expect(run.stderr).toMatch(
      /warning: not listed: .*acme\/2026-10-10\/manifest\.json is a report of tenant "globex"/,
    );
    const index = await fetch(rows.at(-1)![1]!);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<h2 id="period-1">2026-10-08</h2>');
  }, 60_000);

  it.each([
    [['share', 's3://BUCKET/acme/2026-10-09/', '--expires', '8d'], /--expires: 8d is longer than 7d/],
    [
      ['share', 's3://BUCKET/acme/2026-10-09/', '--expires', 'soon'],
      /--expires: expected a duration like 7d/,
    ],
    [
      ['share', 's3://BUCKET/acme/2026-09/'],
      /nothing is published under s3:\/\/\S+\/acme\/2026-09\/: no report to share there/,
    ],
    [
      ['share', 's3://BUCKET/acme/drafts/'],
      /holds no manifest\.json \(found notes\.txt\): not a published report/,
    ],
    [['share', 's3://BUCKET/acme/2026-10-10/'], /is a report of tenant "globex", not "acme"/],
    [['share', 's3://BUCKET/acme/../globex/2026-10-09/'], /may not hold empty, '\.' or '\.\.' segments/],
    [['share', 's3://BUCKET/2026-10-09/'], /is not a published report's prefix/],
    [
      ['share', 's3://BUCKET/globex/2026-10-09/', '--config', 'examples/demo-tenant.yaml'],
      /is in the folder of tenant globex, not of acme/,
    ],
    [
      ['share', '--config', 'examples/demo-tenant.yaml', '--period', '2026-10-09'],
      /--root s3:\/\/bucket\[\/prefix\]/,
    ],
    [['share', 'out/report'], /is not an s3:\/\/ location/],
    [['share'], /give a published report/],
  ])(
    'exits 2 with a clear message: %j',
    async (args, message) => {
      const run = await runCli(
        args.map((a) => a.replace('BUCKET', bucket)),
        { ...env(), TRAILPROOF_REPORTS_ROOT: '' },
      );
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/^error: /);
      expect(run.code).toBe(2);
    },
    60_000,
  );
});
