/**
 * The report view model on real analyses: the sample tenant month (charts, inventory, coverage)
 * and a fleet of 180 service users (the caps that keep a big client's PDF readable).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHtmlRenderer } from '../../../functions/adapters/render/renderReportHtml.js';
import { comparePeriods, parsePreviousAnalysis } from '../../../functions/core/analysis/periodChange.js';
import { runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import type { Analysis } from '../../../functions/core/analysis/types.js';
import { parseTenantConfig, type TenantConfig } from '../../../functions/core/config/tenantConfig.js';
import type { FrameworkId } from '../../../functions/core/controls/catalog.js';
import type { RecordSource } from '../../../functions/core/ingest/types.js';
import {
  buildReportModel,
  REPORT_LIMITS,
  type ReportOptions,
} from '../../../functions/core/report/buildReportModel.js';
import { coverageStatement, dayRanges } from '../../../functions/core/report/coverageStatement.js';
import { generateTenantMonth } from '../../../functions/core/sample/generateTenantMonth.js';
import { loadPipelineData } from '../../../functions/jobs/loadPipelineData.js';

const data = await loadPipelineData('examples/demo-tenant.yaml');
const frameworkNames = Object.fromEntries(
  data.catalog.frameworks.map((f) => [f.id, { name: f.name, edition: f.edition }]),
) as Record<FrameworkId, { name: string; edition: string }>;

function memorySource(name: string, records: unknown[]): RecordSource {
  return {
    name,
    open: async function* () {
      yield Buffer.from(JSON.stringify({ Records: records }));
    },
  };
}

const october = { startMs: Date.UTC(2026, 9, 1), endMs: Date.UTC(2026, 10, 1), label: '2026-10' };

function analyse(records: unknown[], config: TenantConfig = data.config): Promise<Analysis> {
  return runAnalysis({
    sources: [memorySource('memory.json', records)],
    config,
    configHash: null,
    catalog: data.catalog,
    rules: data.rules,
    toolVersion: 'test',
    window: october,
  });
}

function options(config: TenantConfig, extra: Partial<ReportOptions> = {}): ReportOptions {
  return {
    config,
    generatedAt: new Date('2026-11-01T06:00:00Z'),
    reportId: 'test-report',
    logoDataUri: null,
    frameworkNames,
    groupTitles: new Map(data.catalog.groups.map((g) => [g.id, g.title])),
    ...extra,
  };
}

let sample: Analysis;

beforeAll(async () => {
  sample = await analyse([...generateTenantMonth({ month: '2026-10' })]);
}, 60_000);

describe('charts', () => {
  it('draws every action of the month once in the daily activity chart, with a bar per day', () => {
    const model = buildReportModel(sample, options(data.config));
    const chart = model.charts.activity;
    const drawn = chart.bars.reduce((n, b) => n + Number(b.title.split(': ')[1]!.replaceAll(',', '')), 0);
    expect(drawn).toBe(sample.summary.actions);
    expect(new Set(chart.bars.map((b) => b.title.slice(0, 10))).size).toBe(31);
    expect(chart.xLabels[0]?.text).toBe('10-01');
    // Bars stay inside the plot.
    for (const b of chart.bars) {
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width).toBeLessThanOrEqual(chart.width);
    }
  });

  it('counts open findings per framework by the controls they name', () => {
    const model = buildReportModel(sample, options(data.config));
    const open = sample.findings.filter((f) => !f.suppressed);
    const frameworkOf = new Map(sample.controls.map((c) => [c.id, c.framework]));
    const expected = ['owasp-nhi-2025', 'owasp-asi-2026', 'nist-csf-2.0'].map(
      (fw) => open.filter((f) => f.controls.some((c) => frameworkOf.get(c) === fw)).length,
    );
    expect(model.charts.findingsByFramework.totals.map((t) => Number(t.text))).toEqual(expected);
    expect(expected[0]).toBeGreaterThan(0);
  });

  it('ranks actors by privileged actions and tells same-named people apart', () => {
    const model = buildReportModel(sample, options(data.config));
    const rows = model.charts.topPrivileged.rows;
    const values = rows.map((r) => Number(r.value.replaceAll(',', '')));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(new Set(rows.map((r) => r.label)).size).toBe(rows.length);
  });
});

describe('executive summary', () => {
  it('says in plain words who acted, how much is accountable, and what is open', () => {
    const model = buildReportModel(sample, options(data.config));
    expect(model.lead[0]).toMatch(
      /^In 2026-10, [\d,]+ actions were recorded across 4 accounts and 2 regions\.$/,
    );
    expect(model.lead[1]).toMatch(
      /^Machine identities performed \d+% of them \(workloads \d+%, AI agents \d+%\); people \d+%/,
    );
    expect(model.lead.at(-1)).toMatch(/^There are \d+ open findings: \d+ high/);
    expect(model.highlights).toBeNull();
  });

  it('shows the three most important changes when the previous period is given', async () => {
    const september = await runAnalysis({
      sources: [
        memorySource('sep.json', [
          ...generateTenantMonth({ month: '2026-09', incidents: ['human-uses-service-identity'] }),
        ]),
      ],
      config: data.config,
      configHash: null,
      catalog: data.catalog,
      rules: data.rules,
      toolVersion: 'test',
      window: { startMs: Date.UTC(2026, 8, 1), endMs: Date.UTC(2026, 9, 1), label: '2026-09' },
    });
    const change = comparePeriods(
      sample,
      parsePreviousAnalysis(JSON.parse(JSON.stringify(september)), 'sep'),
      'sep',
    );
    const model = buildReportModel(sample, options(data.config, { change }));
    expect(model.highlights).toHaveLength(3);
    expect(model.highlights![0]!.text).toMatch(/new high-severity findings/);
    // A highlight links to the finding it names when that finding is shown in full.
    expect(model.highlights![0]!.anchor).toMatch(/^TP-/);
    expect(model.change!.findings.added.rows.length).toBeGreaterThan(0);
    expect(model.change!.trends.map((t) => t.label)).toContain('Machine actions tied to an owner');
  }, 60_000);
});

describe('coverage statement', () => {
  it('states every blind spot: silent and LookupEvents-only accounts, no data events, quiet days, integrity', async () => {
    const config: TenantConfig = {
      ...data.config,
      accounts: [
        ...data.config.accounts,
        { id: '555555555555', name: 'acme-sandbox', environment: 'dev', source: { lookupEvents: true } },
      ],
    };
    // Drop every prod event of 10–12 October: a delivery gap the statement must name.
    const records = [...generateTenantMonth({ month: '2026-10' })].filter(
      (r) =>
        !(
          r.recipientAccountId === '111111111111' &&
          (r.eventTime as string) >= '2026-10-10' &&
          (r.eventTime as string) < '2026-10-13'
        ),
    );
    const analysis = await analyse(records, config);
    const items = coverageStatement(analysis, config, {
      digest: { verified: 10, failed: 1, 'not-covered': 2 },
      failedAccounts: [{ account: '333333333333', reason: 'AccessDenied on s3:ListBucket' }],
    });
    const text = items.map((i) => `${i.level}: ${i.text}`);
    expect(text).toContain(
      'gap: Collection failed for acme-dev (333333333333): AccessDenied on s3:ListBucket. Its activity is not covered.',
    );
    expect(text).toContain(
      'gap: No events were read for acme-sandbox (555555555555): its activity is not covered by this report.',
    );
    expect(
      text.some((t) =>
        /^gap: acme-sandbox \(555555555555\) is read through the CloudTrail LookupEvents API/.test(t),
      ),
    ).toBe(true);
    expect(
      text.some((t) => /^gap: No data events were logged for .*acme-security \(444444444444\)/.test(t)),
    ).toBe(true);
    expect(text).toContain(
      'gap: acme-prod (111111111111) logged nothing on 3 day(s): 2026-10-10 – 2026-10-12. Check that the trail was logging and delivering then.',
    );
    expect(text.some((t) => /^gap: Log-file integrity check FAILED for 1 of 13 input objects/.test(t))).toBe(
      true,
    );
    expect(text).toContain("ok: 10 of 13 input objects match CloudTrail's signed digest files.");
    expect(text.some((t) => /^gap: 2 input objects are not listed in any digest file/.test(t))).toBe(true);
  }, 60_000);

  it('groups consecutive days into ranges', () => {
    expect(dayRanges(['2026-10-20', '2026-10-14', '2026-10-15', '2026-10-16', '2026-10-31'])).toEqual([
      '2026-10-14 – 2026-10-16',
      '2026-10-20',
      '2026-10-31',
    ]);
  });
});

describe('a large client: bounded tables', () => {
  /** 180 service users, each signing with its own AKIA key: 180 long-lived-key findings. */
  function fleet(): Record<string, unknown>[] {
    return Array.from({ length: 180 }, (_, i) => {
      const n = String(i).padStart(3, '0');
      return {
        eventVersion: '1.09',
        userIdentity: {
          type: 'IAMUser',
          principalId: `AIDAFLEET${n}EXAMPLE`,
          arn: `arn:aws:iam::111111111111:user/svc-fleet-${n}`,
          accountId: '111111111111',
          accessKeyId: `AKIAFLEET${n}EXAMPLE0`,
          userName: `svc-fleet-${n}`,
        },
        eventTime: `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00Z`,
        eventSource: 's3.amazonaws.com',
        eventName: 'ListBuckets',
        awsRegion: 'eu-west-1',
        sourceIPAddress: '192.0.2.50',
        userAgent: 'Boto3/1.34.10 md/Botocore#1.34.10 ua/2.0 os/linux lang/python#3.12',
        requestParameters: null,
        responseElements: null,
        requestID: `req-${n}`,
        eventID: `00000000-0000-4000-8000-000000000${n}`,
        readOnly: true,
        eventType: 'AwsApiCall',
        managementEvent: true,
        recipientAccountId: '111111111111',
        eventCategory: 'Management',
      };
    });
  }

  it('shows 25 findings in full and summarises the rest by rule', async () => {
    const config = parseTenantConfig(
      {
        id: 'fleet',
        name: 'Fleet Co',
        mssp: { name: 'Northwind' },
        accounts: [{ id: '111111111111', name: 'prod', environment: 'prod', source: { files: '.' } }],
        inventory: [
          {
            match: 'arn:aws:iam::111111111111:user/svc-fleet-1*',
            class: 'workload',
            owner: 'data@fleet.example',
          },
        ],
      },
      'tenant.yaml',
    );
    const analysis = await analyse(fleet(), config);
    const open = analysis.findings.filter((f) => !f.suppressed);
    expect(open.length).toBeGreaterThan(180);
    const model = buildReportModel(analysis, options(config));
    expect(model.findings).toHaveLength(REPORT_LIMITS.detailedFindings);
    expect(model.remainingFindings).toBe(String(open.length - REPORT_LIMITS.detailedFindings));
    // One row per rule, counting every remaining finding and naming a few identities.
    const rest = open.slice(REPORT_LIMITS.detailedFindings);
    expect(model.findingGroups.map((g) => g.rule).sort()).toEqual(
      [...new Set(rest.map((f) => f.rule))].sort(),
    );
    expect(model.findingGroups.reduce((n, g) => n + Number(g.findings.replaceAll(',', '')), 0)).toBe(
      rest.length,
    );
    const keys = model.findingGroups.find((g) => g.rule === 'long-lived-key-use')!;
    expect(keys.actors).toMatch(/^(user\/svc-fleet-\d{3}; ){4}and \d+ more$/);
    // The inventory is capped too, ownerless identities first.
    expect(model.inventory.rows).toHaveLength(REPORT_LIMITS.inventory);
    expect(model.inventory.omitted).toBe(String(analysis.actors.length - REPORT_LIMITS.inventory));
    const owned = model.inventory.rows.map((r) => r.owner !== null);
    expect(owned.indexOf(true)).toBe(-1);
    expect(model.inventory.ownerless).toBe(100);
    const evidenceOf = (user: string) =>
      model.inventory.rows.find((r) => r.id.endsWith(`/${user}`))?.keys[0]?.evidence;
    expect(evidenceOf('svc-fleet-000')).toBe(
      'long-lived key, in use since before 2026-10-01 (created earlier; age unknown from these logs)',
    );
    expect(evidenceOf('svc-fleet-005')).toBe(
      'long-lived key, first used 2026-10-06; creation not in these logs',
    );
    // Every control row links at most a few findings and says how many more there are.
    const nhi7 = model.frameworks[0]!.controls!.find((c) => c.id === 'NHI7:2025')!;
    expect(nhi7.findingLinks).toHaveLength(REPORT_LIMITS.findingsPerControl);
    expect(nhi7.moreFindings).toBe(String(180 - REPORT_LIMITS.findingsPerControl));
  }, 60_000);
});

describe('white label', () => {
  it('names no tool in the HTML unless the MSSP asks for the credit', async () => {
    const render = await createHtmlRenderer();
    const plain = render(buildReportModel(sample, options(data.config)));
    // The verify command and schema ids are how an auditor checks the files, not branding.
    const unbranded = plain.replaceAll('trailproof verify', '').replaceAll('trailproof/analysis@2', '');
    expect(unbranded).not.toMatch(/trailproof/i);
    const credited = { ...data.config, mssp: { ...data.config.mssp, poweredBy: true } };
    expect(render(buildReportModel(sample, options(credited)))).toMatch(/Trailproof/);
  });

  it('gives the same model for the same analysis', () => {
    const a = buildReportModel(sample, options(data.config));
    const b = buildReportModel(sample, options(data.config));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
