/**
 * The OCSF export of a real analysis (every Stratus Red Team detonation, one tenant, one
 * exception): class/type arithmetic, the attributes OCSF 1.3.0 requires, only attributes that
 * exist in the schema, the severity and status mappings, and a clean JSON round trip.
 */
import { describe, expect, it } from 'vitest';
import { loadControlCatalog } from '../../../functions/adapters/fs/loadControlCatalog.js';
import { loadRulePack } from '../../../functions/adapters/fs/loadRulePack.js';
import { runAnalysis } from '../../../functions/core/analysis/runAnalysis.js';
import type { Analysis, Finding } from '../../../functions/core/analysis/types.js';
import type { FrameworkId } from '../../../functions/core/controls/catalog.js';
import type { RecordSource } from '../../../functions/core/ingest/types.js';
import {
  controlsToOcsf,
  type FrameworkNames,
  findingsToOcsf,
  OCSF_VERSION,
} from '../../../functions/core/report/ocsf.js';
import { stratusTechniques } from '../../helpers/corpus.js';

type Json = Record<string, unknown>;

const catalog = await loadControlCatalog();
const rules = await loadRulePack(catalog);
const PRODUCT = { name: 'Trailproof', vendorName: 'Example MSSP', version: '9.9.9' };
const FRAMEWORK_NAMES: FrameworkNames = Object.fromEntries(
  catalog.frameworks.map((f) => [f.id, { name: f.name }]),
) as Record<FrameworkId, { name: string }>;

const SUPPRESSED_RULE = 'admin-policy-attached';
const EXCEPTION_REASON = 'break-glass test of the admin path, approved';

async function analyse(): Promise<Analysis> {
  const events = stratusTechniques().flatMap((t) => t.events);
  const source: RecordSource = {
    name: 'detonations.json',
    open: async function* () {
      yield Buffer.from(JSON.stringify(events));
    },
  };
  const accounts = [...new Set(events.map((e) => String(e.recipientAccountId)))];
  const config = {
    id: 'stratus-lab',
    name: 'Stratus lab',
    mssp: { name: 'm' },
    accounts: accounts.map((id) => ({ id, name: id, environment: 'lab', source: { files: '.' } as const })),
    inventory: [],
    exceptions: [
      { rule: SUPPRESSED_RULE, reason: EXCEPTION_REASON, expires: '2099-01-01', approvedBy: 'soc-lead' },
    ],
    recipients: [],
  };
  return runAnalysis({ sources: [source], config, configHash: null, catalog, rules, toolVersion: 'test' });
}

const analysis = await analyse();
const detections = findingsToOcsf(analysis, PRODUCT);
const compliance = controlsToOcsf(analysis, PRODUCT, FRAMEWORK_NAMES);

/**
 * Required attributes, read from the `requirement: "required"` markers of ocsf-schema tag 1.3.0:
 * base_event.json (metadata, severity_id), includes/classification.json (activity_id,
 * category_uid, class_uid, type_uid), includes/occurrence.json (time), profiles/cloud.json (cloud,
 * required once the profile is applied), finding.json (finding_info), compliance_finding.json
 * (compliance). Not applied, so not required: security_control (action_id) and osint (osint).
 */
const REQUIRED_FINDING = [
  'activity_id',
  'category_uid',
  'class_uid',
  'type_uid',
  'time',
  'severity_id',
  'metadata',
  'finding_info',
  'cloud',
];
const REQUIRED_COMPLIANCE = [...REQUIRED_FINDING, 'compliance'];

/** `required` attributes and `at_least_one` constraints of the objects emitted (objects/*.json, 1.3.0). */
const REQUIRED_IN_OBJECT: Readonly<Record<string, { required: string[]; atLeastOne?: string[] }>> = {
  metadata: { required: ['product', 'version'] },
  product: { required: ['vendor_name'], atLeastOne: ['name', 'uid'] },
  finding_info: { required: ['title', 'uid'] },
  analytic: { required: ['type_id'], atLeastOne: ['name', 'uid'] },
  related_event: { required: ['uid'] },
  actor: { required: [], atLeastOne: ['process', 'user', 'invoked_by', 'session', 'app_name', 'app_uid'] },
  user: { required: [], atLeastOne: ['account', 'name', 'uid'] },
  account: { required: [], atLeastOne: ['name', 'uid'] },
  cloud: { required: ['provider'] },
  resource_details: { required: [], atLeastOne: ['name', 'uid'] },
  remediation: { required: ['desc'] },
  observable: { required: ['name', 'type_id'] },
  compliance: { required: ['standards'] },
};

/**
 * Every attribute each class and object has in OCSF 1.3.0 (extends, $include and profiles
 * resolved), so that an invented attribute name fails the test.
 */
const FINDING_BASE = [
  'activity_id',
  'activity_name',
  'actor',
  'api',
  'category_name',
  'category_uid',
  'class_name',
  'class_uid',
  'cloud',
  'comment',
  'confidence',
  'confidence_id',
  'confidence_score',
  'count',
  'device',
  'duration',
  'end_time',
  'enrichments',
  'finding_info',
  'message',
  'metadata',
  'observables',
  'osint',
  'raw_data',
  'remediation',
  'resources',
  'severity',
  'severity_id',
  'start_time',
  'status',
  'status_code',
  'status_detail',
  'status_id',
  'time',
  'timezone_offset',
  'type_name',
  'type_uid',
  'unmapped',
];
const SCHEMA: Readonly<Record<string, readonly string[]>> = {
  detection_finding: [
    ...FINDING_BASE,
    'action',
    'action_id',
    'attacks',
    'authorizations',
    'disposition',
    'disposition_id',
    'evidences',
    'firewall_rule',
    'impact',
    'impact_id',
    'impact_score',
    'malware',
    'risk_details',
    'risk_level',
    'risk_level_id',
    'risk_score',
    'vulnerabilities',
  ],
  compliance_finding: [...FINDING_BASE, 'compliance', 'resource'],
  metadata: [
    'correlation_uid',
    'data_classification',
    'event_code',
    'extension',
    'extensions',
    'labels',
    'log_level',
    'log_name',
    'log_provider',
    'log_version',
    'logged_time',
    'loggers',
    'modified_time',
    'original_time',
    'processed_time',
    'product',
    'profiles',
    'sequence',
    'tenant_uid',
    'uid',
    'version',
  ],
  product: [
    'cpe_name',
    'data_classification',
    'feature',
    'lang',
    'name',
    'path',
    'uid',
    'url_string',
    'vendor_name',
    'version',
  ],
  finding_info: [
    'analytic',
    'attacks',
    'created_time',
    'data_sources',
    'desc',
    'first_seen_time',
    'kill_chain',
    'last_seen_time',
    'modified_time',
    'product_uid',
    'related_analytics',
    'related_events',
    'src_url',
    'title',
    'types',
    'uid',
  ],
  analytic: ['category', 'desc', 'name', 'related_analytics', 'type', 'type_id', 'uid', 'version'],
  related_event: [
    'attacks',
    'kill_chain',
    'observables',
    'product_uid',
    'type',
    'type_name',
    'type_uid',
    'uid',
  ],
  actor: ['app_name', 'app_uid', 'authorizations', 'idp', 'invoked_by', 'process', 'session', 'user'],
  user: [
    'account',
    'credential_uid',
    'domain',
    'email_addr',
    'full_name',
    'groups',
    'ldap_person',
    'name',
    'org',
    'risk_level',
    'risk_level_id',
    'risk_score',
    'type',
    'type_id',
    'uid',
    'uid_alt',
  ],
  account: ['labels', 'name', 'type', 'type_id', 'uid'],
  cloud: ['account', 'org', 'project_uid', 'provider', 'region', 'zone'],
  resource_details: [
    'agent_list',
    'cloud_partition',
    'criticality',
    'data',
    'data_classification',
    'group',
    'labels',
    'name',
    'namespace',
    'owner',
    'region',
    'type',
    'uid',
    'version',
  ],
  remediation: ['desc', 'kb_article_list', 'kb_articles', 'references'],
  observable: ['name', 'reputation', 'type', 'type_id', 'value'],
  compliance: [
    'compliance_references',
    'compliance_standards',
    'control',
    'requirements',
    'standards',
    'status',
    'status_code',
    'status_detail',
    'status_id',
  ],
};

/** The object type of each object-valued attribute emitted (dictionary.json, 1.3.0). */
const OBJECT_TYPE: Readonly<Record<string, string>> = {
  metadata: 'metadata',
  product: 'product',
  finding_info: 'finding_info',
  analytic: 'analytic',
  related_events: 'related_event',
  actor: 'actor',
  user: 'user',
  account: 'account',
  cloud: 'cloud',
  resources: 'resource_details',
  remediation: 'remediation',
  observables: 'observable',
  compliance: 'compliance',
};

/** Attributes of type timestamp_t in dictionary.json: epoch milliseconds. */
const TIMESTAMPS = new Set(['time', 'start_time', 'end_time', 'first_seen_time', 'last_seen_time']);

/** Walks an emitted object against the schema; returns one line per problem. */
function schemaProblems(value: Json, type: string, path: string): string[] {
  const allowed = SCHEMA[type];
  if (!allowed) return [`${path}: no schema listed for ${type}`];
  const problems: string[] = [];
  const rules = REQUIRED_IN_OBJECT[type];
  for (const key of rules?.required ?? []) {
    if (!(key in value)) problems.push(`${path}: ${type} requires ${key}`);
  }
  if (rules?.atLeastOne && !rules.atLeastOne.some((k) => k in value)) {
    problems.push(`${path}: ${type} needs one of ${rules.atLeastOne.join(', ')}`);
  }
  for (const [key, member] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (!allowed.includes(key)) problems.push(`${at}: not an attribute of ${type} in OCSF 1.3.0`);
    if (key === 'unmapped') continue;
    if (TIMESTAMPS.has(key) && !Number.isInteger(member))
      problems.push(`${at}: timestamp_t must be epoch ms`);
    const items = Array.isArray(member) ? member : [member];
    items.forEach((item, i) => {
      if (typeof item !== 'object' || item === null) return;
      const objectType = OBJECT_TYPE[key];
      if (!objectType) problems.push(`${at}: an object where the schema has no object type listed`);
      else
        problems.push(
          ...schemaProblems(item as Json, objectType, Array.isArray(member) ? `${at}[${i}]` : at),
        );
    });
  }
  return problems;
}

const byUid = (events: Json[]) =>
  new Map(events.map((e) => [(e.finding_info as Json).uid as string, e] as const));

describe('OCSF export of the Stratus detonations', () => {
  it('has findings, a suppressed one, and both kinds of control result to export', () => {
    expect(analysis.input.rejected).toBe(0);
    expect(analysis.findings.length).toBeGreaterThan(20);
    expect(analysis.findings.some((f) => f.suppressed)).toBe(true);
    expect(compliance.length).toBeGreaterThan(0);
  });

  it('keeps class_uid, category_uid and type_uid consistent', () => {
    for (const [events, classUid] of [
      [detections, 2004],
      [compliance, 2003],
    ] as const) {
      for (const e of events) {
        expect(e.category_uid).toBe(2);
        expect(e.class_uid).toBe(classUid);
        expect(Math.floor((e.class_uid as number) / 1000)).toBe(e.category_uid);
        expect(e.activity_id).toBe(1);
        expect(e.type_uid).toBe((e.class_uid as number) * 100 + (e.activity_id as number));
        expect(e.type_name).toBe(`${e.class_name}: ${e.activity_name}`);
      }
    }
  });

  it('has every required attribute and only attributes OCSF 1.3.0 defines', () => {
    for (const e of detections) {
      for (const key of REQUIRED_FINDING) expect(e, `detection finding lacks ${key}`).toHaveProperty(key);
      expect(schemaProblems(e, 'detection_finding', (e.finding_info as Json).uid as string)).toEqual([]);
    }
    for (const e of compliance) {
      for (const key of REQUIRED_COMPLIANCE) expect(e, `compliance finding lacks ${key}`).toHaveProperty(key);
      expect(schemaProblems(e, 'compliance_finding', (e.finding_info as Json).uid as string)).toEqual([]);
    }
  });

  it('names the OCSF version, the product, the tenant and the profiles applied', () => {
    for (const e of [...detections, ...compliance]) {
      const metadata = e.metadata as Json;
      expect(metadata.version).toBe(OCSF_VERSION);
      expect(OCSF_VERSION).toBe('1.3.0');
      expect(metadata.product).toEqual({ name: 'Trailproof', vendor_name: 'Example MSSP', version: '9.9.9' });
      expect(metadata.tenant_uid).toBe('stratus-lab');
      expect(metadata.uid).toBe((e.finding_info as Json).uid);
      expect(metadata.profiles).toContain('cloud');
      expect((e.unmapped as Json).tenant_name).toBe('Stratus lab');
      expect((e.cloud as Json).provider).toBe('AWS');
    }
    for (const e of detections) expect((e.metadata as Json).profiles).toEqual(['cloud', 'host']);
  });

  it('gives one detection finding per finding, with its times, event IDs, actor and controls', () => {
    expect(detections).toHaveLength(analysis.findings.length);
    const exported = byUid(detections);
    expect(exported.size).toBe(analysis.findings.length);
    for (const f of analysis.findings) {
      const e = exported.get(f.id)!;
      const info = e.finding_info as Json;
      expect(info.title).toBe(f.title);
      expect(info.first_seen_time).toBe(Date.parse(f.firstSeen));
      expect(info.last_seen_time).toBe(Date.parse(f.lastSeen));
      expect(e.time).toBe(Date.parse(f.lastSeen));
      expect(e.count).toBe(f.count);
      expect((info.related_events as Json[]).map((r) => r.uid)).toEqual(f.eventIds);
      expect(f.eventIds.length).toBeGreaterThan(0);
      expect((e.actor as { user: Json }).user.uid).toBe(f.actor);
      expect((e.actor as { user: Json }).user.name).toBe(f.actorName);
      expect((e.unmapped as Json).controls).toEqual(f.controls);
      expect((e.unmapped as Json).accounts).toEqual(f.accounts);
      if (f.resource) expect(e.resources).toEqual([{ uid: f.resource }]);
      else expect(e).not.toHaveProperty('resources');
      if (f.remediation) expect(e.remediation).toEqual({ desc: f.remediation });
    }
  });

  it('maps a known finding field by field', () => {
    const f = analysis.findings.find((x) => x.rule === 'secret-access-burst')!;
    expect(f.severity).toBe('high');
    const e = byUid(detections).get(f.id)!;
    expect(e.severity_id).toBe(4);
    expect(e.severity).toBe('High');
    expect(e.status_id).toBe(1);
    expect(e.actor).toEqual({
      user: {
        uid: 'arn:aws:iam::903144391865:user/christophe',
        name: 'user/christophe',
        type_id: 3,
        type: 'System',
        account: { uid: '903144391865', type_id: 10, type: 'AWS Account' },
        credential_uid: 'AKIA1JMTHE9ZMZMWG0MG',
      },
    });
    expect(e.cloud).toEqual({
      provider: 'AWS',
      account: { uid: '903144391865', type_id: 10, type: 'AWS Account' },
    });
    expect((e.finding_info as Json).analytic).toMatchObject({ uid: 'secret-access-burst', type_id: 2 });
    expect(e.observables).toContainEqual({
      name: 'actor.user.credential_uid',
      type_id: 19,
      type: 'User Credential ID',
      value: 'AKIA1JMTHE9ZMZMWG0MG',
    });
  });

  it('maps each of our severities to its OCSF severity_id', () => {
    const template = analysis.findings[0]!;
    const severities = ['info', 'low', 'medium', 'high', 'critical'] as const;
    const findings: Finding[] = severities.map((severity, i) => ({ ...template, id: `TP-${i}`, severity }));
    const out = findingsToOcsf({ ...analysis, findings }, PRODUCT);
    expect(out.map((e) => [e.severity_id, e.severity])).toEqual([
      [1, 'Informational'],
      [2, 'Low'],
      [3, 'Medium'],
      [4, 'High'],
      [5, 'Critical'],
    ]);
    // And on the real findings: each one's severity_id is its own severity's.
    const ids = { info: 1, low: 2, medium: 3, high: 4, critical: 5 } as const;
    const exported = byUid(detections);
    for (const f of analysis.findings) expect(exported.get(f.id)!.severity_id).toBe(ids[f.severity]);
  });

  it('exports suppressed findings with status Suppressed and the exception', () => {
    const suppressed = analysis.findings.filter((f) => f.suppressed);
    expect(suppressed.map((f) => f.rule)).toEqual([SUPPRESSED_RULE]);
    const exported = byUid(detections);
    for (const f of analysis.findings) {
      const e = exported.get(f.id)!;
      if (!f.suppressed) {
        expect([e.status_id, e.status]).toEqual([1, 'New']);
        expect(e).not.toHaveProperty('comment');
        continue;
      }
      expect([e.status_id, e.status]).toEqual([3, 'Suppressed']);
      expect(e.comment).toBe(EXCEPTION_REASON);
      expect(e.status_detail).toBe(`Exception until 2099-01-01 approved by soc-lead: ${EXCEPTION_REASON}`);
      expect((e.unmapped as Json).suppression).toEqual({
        reason: EXCEPTION_REASON,
        expires: '2099-01-01',
        approved_by: 'soc-lead',
      });
    }
  });

  it('gives compliance findings only for violated or evidenced controls, with exact control IDs', () => {
    const expected = analysis.controls.filter((c) => c.status === 'violated' || c.status === 'evidenced');
    expect(compliance.map((e) => (e.compliance as Json).control)).toEqual(expected.map((c) => c.id));
    const byControl = new Map(compliance.map((e) => [(e.compliance as Json).control as string, e]));
    for (const id of ['NHI7:2025', 'PR.AA-01', 'NHI2:2025', 'ASI03']) {
      expect(byControl.get(id)?.compliance, id).toMatchObject({ control: id, status_id: 3, status: 'Fail' });
    }
    expect(byControl.get('PR.AA-04')?.compliance).toMatchObject({ status_id: 1, status: 'Pass' });
    expect((byControl.get('NHI7:2025')!.compliance as Json).standards).toEqual([
      'OWASP Top 10 Non-Human Identities Risks',
    ]);
    expect((byControl.get('PR.AA-01')!.compliance as Json).standards).toEqual([
      'NIST Cybersecurity Framework (CSF) 2.0',
    ]);
    for (const c of analysis.controls.filter((x) => !expected.includes(x)))
      expect(byControl.has(c.id)).toBe(false);
    for (const c of expected) {
      const e = byControl.get(c.id)!;
      expect((e.compliance as Json).status_id).toBe(c.status === 'violated' ? 3 : 1);
      const related = ((e.finding_info as Json).related_events as Json[] | undefined) ?? [];
      const citing = analysis.findings.filter((f) => !f.suppressed && f.controls.includes(c.id));
      expect(related.map((r) => r.uid)).toEqual(citing.map((f) => f.id));
      expect(related).toHaveLength(c.findings);
      for (const r of related) expect(r.type_uid).toBe(200401);
    }
  });

  it('links compliance findings to detection findings by uid', () => {
    const detectionUids = new Set(detections.map((e) => (e.metadata as Json).uid));
    for (const e of compliance) {
      for (const r of ((e.finding_info as Json).related_events as Json[] | undefined) ?? []) {
        expect(detectionUids.has(r.uid)).toBe(true);
      }
    }
  });

  it('survives a JSON round trip unchanged', () => {
    for (const e of [...detections, ...compliance]) {
      expect(JSON.parse(JSON.stringify(e))).toStrictEqual(e);
    }
  });

  it('copies attacker-controlled values as plain strings', () => {
    const template = analysis.findings[0]!;
    const hostile = '<img src=x onerror=alert(1)> & "quoted"';
    const finding: Finding = {
      ...template,
      title: hostile,
      resource: hostile,
      actorName: hostile,
      context: { userAgent: hostile },
    };
    const [e] = findingsToOcsf({ ...analysis, findings: [finding] }, PRODUCT);
    expect((e!.finding_info as Json).title).toBe(hostile);
    expect((e!.finding_info as Json).desc).toContain(`userAgent: ${hostile}`);
    expect(e!.resources).toEqual([{ uid: hostile }]);
    expect((e!.actor as { user: Json }).user.name).toBe(hostile);
    expect((e!.unmapped as Json).context).toEqual({ userAgent: hostile });
  });
});
