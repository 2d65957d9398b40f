/**
 * @module OCSF export for SIEM import: each finding as a Detection Finding (class 2004), each
 * violated or evidenced control as a Compliance Finding (class 2003). Pure: no I/O, no clock.
 *
 * Schema checked: OCSF 1.3.0, repository ocsf/ocsf-schema at tag `1.3.0` (version.json "1.3.0"):
 * events/base_event.json, events/findings/finding.json, events/findings/detection_finding.json,
 * events/findings/compliance_finding.json, includes/classification.json, includes/occurrence.json,
 * profiles/cloud.json, profiles/host.json, categories.json, dictionary.json (attribute types and the
 * severity_id enum), and objects/ metadata, product, finding_info, analytic, related_event, actor,
 * user, account, cloud, resource_details, _resource, _entity, remediation, observable, compliance.
 * Every attribute emitted below exists in those files for the class or object it sits in; anything
 * of ours with no OCSF attribute goes in `unmapped` (base_event: "attributes that are not mapped
 * to the event schema"), never in an invented attribute.
 *
 * Profiles: `cloud` (makes `cloud` required) on both classes; `host` on detection findings, since
 * `actor` reaches the finding classes through profiles/host.json. The `security_control` profile of
 * Detection Finding is not applied: Trailproof reads logs after the fact and takes no action, and
 * that profile would require `action_id`.
 *
 * Timestamps are `timestamp_t` (epoch milliseconds). Values that come from CloudTrail (names,
 * resources, context) are attacker-controlled: they are copied as plain strings, never as markup.
 */
import type { ActorSummary, Analysis, ControlResult, Finding } from '../analysis/types.js';
import type { FrameworkId } from '../controls/catalog.js';
import type { Severity } from '../controls/ruleSchema.js';
import type { ActorClass } from '../identity/principal.js';

const OCSF_VERSION = '1.3.0';

interface OcsfProduct {
  readonly name: string;
  readonly vendorName: string;
  readonly version: string;
}

/** Framework display names, as the catalog has them; without one, `standards` holds the framework id. */
type FrameworkNames = Readonly<Partial<Record<FrameworkId, { readonly name: string }>>>;

type OcsfObject = Record<string, unknown>;

interface Caption {
  readonly id: number;
  readonly caption: string;
}

/** categories.json: `findings` is uid 2. */
const CATEGORY: Caption = { id: 2, caption: 'Findings' };
/** class_uid = category_uid * 1000 + the class's own uid (detection_finding 4, compliance_finding 3). */
const DETECTION_CLASS: Caption = { id: 2004, caption: 'Detection Finding' };
const COMPLIANCE_CLASS: Caption = { id: 2003, caption: 'Compliance Finding' };
/** finding.json activity_id: 1 Create. */
const ACTIVITY_CREATE: Caption = { id: 1, caption: 'Create' };

/** dictionary.json severity_id: 1 Informational … 5 Critical. */
const SEVERITY: Readonly<Record<Severity, Caption>> = {
  info: { id: 1, caption: 'Informational' },
  low: { id: 2, caption: 'Low' },
  medium: { id: 3, caption: 'Medium' },
  high: { id: 4, caption: 'High' },
  critical: { id: 5, caption: 'Critical' },
};
const SEVERITY_RANK: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** finding.json status_id: 1 New, 3 Suppressed ("reviewed, determined to be benign … suppressed"). */
const FINDING_NEW: Caption = { id: 1, caption: 'New' };
const FINDING_SUPPRESSED: Caption = { id: 3, caption: 'Suppressed' };

/** compliance.json status_id: 1 Pass, 3 Fail. */
const COMPLIANCE_PASS: Caption = { id: 1, caption: 'Pass' };
const COMPLIANCE_FAIL: Caption = { id: 3, caption: 'Fail' };

/** user.json type_id: 0 Unknown, 1 User, 2 Admin, 3 System, 99 Other. */
const USER_TYPE: Readonly<Record<ActorClass, Caption>> = {
  human: { id: 1, caption: 'User' },
  workload: { id: 3, caption: 'System' },
  'ai-agent': { id: 3, caption: 'System' },
  'aws-service': { id: 3, caption: 'System' },
  'third-party': { id: 99, caption: 'Third party' },
  unknown: { id: 0, caption: 'Unknown' },
};
const USER_TYPE_ADMIN: Caption = { id: 2, caption: 'Admin' };

/** account.json type_id 10: AWS Account. */
const AWS_ACCOUNT: Caption = { id: 10, caption: 'AWS Account' };

/** analytic.json type_id: 1 Rule (single events), 2 Behavioral (windows, sequences, first sightings). */
const ANALYTIC_RULE: Caption = { id: 1, caption: 'Rule' };
const ANALYTIC_BEHAVIORAL: Caption = { id: 2, caption: 'Behavioral' };

/** Observable type_ids from dictionary.json: username_t 4, resource_uid_t 10, credential_uid 19. */
const OBSERVABLE_USER_NAME: Caption = { id: 4, caption: 'User Name' };
const OBSERVABLE_RESOURCE_UID: Caption = { id: 10, caption: 'Resource UID' };
const OBSERVABLE_CREDENTIAL: Caption = { id: 19, caption: 'User Credential ID' };

const DATA_SOURCES = ['AWS CloudTrail'];
const AWS = 'AWS';
const ACCOUNT_IN_ARN = /^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}):/;

/** Drops null and undefined members, so that what is emitted survives a JSON round trip unchanged. */
function compact(value: Record<string, unknown>): OcsfObject {
  const out: OcsfObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined && member !== null) out[key] = member;
  }
  return out;
}

function epochMs(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

function classification(cls: Caption): OcsfObject {
  return {
    activity_id: ACTIVITY_CREATE.id,
    activity_name: ACTIVITY_CREATE.caption,
    category_uid: CATEGORY.id,
    category_name: CATEGORY.caption,
    class_uid: cls.id,
    class_name: cls.caption,
    type_uid: cls.id * 100 + ACTIVITY_CREATE.id,
    type_name: `${cls.caption}: ${ACTIVITY_CREATE.caption}`,
  };
}

function metadata(
  analysis: Analysis,
  product: OcsfProduct,
  uid: string,
  profiles: readonly string[],
): OcsfObject {
  return {
    version: OCSF_VERSION,
    uid,
    product: { name: product.name, vendor_name: product.vendorName, version: product.version },
    profiles: [...profiles],
    tenant_uid: analysis.tenant.id,
  };
}

function awsAccount(id: string | undefined): OcsfObject | undefined {
  return id === undefined ? undefined : { uid: id, type_id: AWS_ACCOUNT.id, type: AWS_ACCOUNT.caption };
}

/** `cloud.account` holds one account: it is set when exactly one is involved; `unmapped.accounts` lists all. */
function cloud(accounts: readonly string[]): OcsfObject {
  return compact({ provider: AWS, account: awsAccount(accounts.length === 1 ? accounts[0] : undefined) });
}

/** Metadata about the analysis that has no OCSF attribute (metadata has `tenant_uid` but no tenant name). */
function analysisUnmapped(analysis: Analysis): OcsfObject {
  return compact({
    tenant_name: analysis.tenant.name,
    period: analysis.period ? { ...analysis.period } : undefined,
  });
}

function actorOf(f: Finding, summary: ActorSummary | undefined): OcsfObject {
  const type = summary?.principalType === 'Root' ? USER_TYPE_ADMIN : USER_TYPE[f.actorClass];
  return {
    user: compact({
      uid: f.actor,
      name: f.actorName,
      type_id: type.id,
      type: type.caption,
      account: awsAccount(ACCOUNT_IN_ARN.exec(f.actor)?.[1]),
      credential_uid: f.credentials[0],
    }),
  };
}

function describe(f: Finding): string {
  const events = f.count === 1 ? '1 event' : `${f.count} events`;
  return [
    `${f.title}: ${events} by ${f.actorName} from ${f.firstSeen} to ${f.lastSeen}.`,
    ...Object.entries(f.context).map(([key, value]) => `${key}: ${value}`),
  ].join('\n');
}

function detectionFinding(
  analysis: Analysis,
  product: OcsfProduct,
  f: Finding,
  actors: ReadonlyMap<string, ActorSummary>,
): OcsfObject {
  const first = epochMs(f.firstSeen);
  const last = epochMs(f.lastSeen);
  const severity = SEVERITY[f.severity];
  const status = f.suppressed ? FINDING_SUPPRESSED : FINDING_NEW;
  const summary = actors.get(f.actor);
  const analytic = f.kind === 'detector' ? ANALYTIC_BEHAVIORAL : ANALYTIC_RULE;
  const credential = f.credentials[0];
  const observables = [
    {
      name: 'actor.user.name',
      type_id: OBSERVABLE_USER_NAME.id,
      type: OBSERVABLE_USER_NAME.caption,
      value: f.actorName,
    },
    ...(credential === undefined
      ? []
      : [
          {
            name: 'actor.user.credential_uid',
            type_id: OBSERVABLE_CREDENTIAL.id,
            type: OBSERVABLE_CREDENTIAL.caption,
            value: credential,
          },
        ]),
    ...(f.resource === null
      ? []
      : [
          {
            name: 'resources.uid',
            type_id: OBSERVABLE_RESOURCE_UID.id,
            type: OBSERVABLE_RESOURCE_UID.caption,
            value: f.resource,
          },
        ]),
  ];
  return compact({
    ...classification(DETECTION_CLASS),
    time: last ?? first ?? 0,
    start_time: first,
    end_time: last,
    duration: first !== undefined && last !== undefined ? last - first : undefined,
    count: f.count,
    timezone_offset: 0,
    severity_id: severity.id,
    severity: severity.caption,
    status_id: status.id,
    status: status.caption,
    status_detail: f.suppressed
      ? `Exception until ${f.suppressed.expires}` +
        (f.suppressed.approvedBy ? ` approved by ${f.suppressed.approvedBy}` : '') +
        `: ${f.suppressed.reason}`
      : undefined,
    // finding.json `comment`: "A user provided comment about the finding"; the exception's reason is one.
    comment: f.suppressed?.reason,
    message: f.title,
    metadata: metadata(analysis, product, f.id, ['cloud', 'host']),
    finding_info: compact({
      uid: f.id,
      title: f.title,
      desc: describe(f),
      types: [f.rule],
      analytic: {
        uid: f.rule,
        name: f.rule,
        type_id: analytic.id,
        type: analytic.caption,
        version: analysis.rulesVersion,
      },
      data_sources: [...DATA_SOURCES],
      first_seen_time: first,
      last_seen_time: last,
      // The CloudTrail eventIDs that prove the finding (capped; all are in evidence.ndjson). An
      // OCSF-normalized CloudTrail event carries its eventID as metadata.uid, which is what
      // related_event.uid points at.
      related_events: f.eventIds.map((uid) => ({ uid })),
    }),
    actor: actorOf(f, summary),
    cloud: cloud(f.accounts),
    resources: f.resource === null ? undefined : [{ uid: f.resource }],
    observables,
    remediation: f.remediation === null ? undefined : { desc: f.remediation },
    unmapped: compact({
      ...analysisUnmapped(analysis),
      rule: f.rule,
      kind: f.kind,
      // Detection Finding 1.3.0 has no `compliance` attribute: the controls a finding cites go here.
      controls: [...f.controls],
      accounts: [...f.accounts],
      credentials: [...f.credentials],
      actor_class: f.actorClass,
      actor_owner: f.owner,
      principal_type: summary?.principalType,
      context: { ...f.context },
      suppression: f.suppressed
        ? compact({
            reason: f.suppressed.reason,
            expires: f.suppressed.expires,
            approved_by: f.suppressed.approvedBy,
          })
        : undefined,
    }),
  });
}

/** One Detection Finding (class 2004) per finding, suppressed ones included with status Suppressed. */
function findingsToOcsf(analysis: Analysis, product: OcsfProduct): OcsfObject[] {
  const actors = new Map(analysis.actors.map((a) => [a.id, a]));
  return analysis.findings.map((f) => detectionFinding(analysis, product, f, actors));
}

function highestSeverity(findings: readonly Finding[]): Severity {
  let rank = 0;
  for (const f of findings) rank = Math.max(rank, SEVERITY_RANK.indexOf(f.severity));
  return SEVERITY_RANK[rank] ?? 'info';
}

function complianceFinding(
  analysis: Analysis,
  product: OcsfProduct,
  c: ControlResult,
  frameworkNames: FrameworkNames,
): OcsfObject {
  // The findings that make the control violated: unsuppressed ones citing it (as ControlResult.findings counts).
  const related = analysis.findings.filter((f) => !f.suppressed && f.controls.includes(c.id));
  const failed = c.status === 'violated';
  const result = failed ? COMPLIANCE_FAIL : COMPLIANCE_PASS;
  const severity = SEVERITY[failed ? highestSeverity(related) : 'info'];
  const seen = related
    .flatMap((f) => [epochMs(f.firstSeen), epochMs(f.lastSeen)])
    .filter((t) => t !== undefined);
  const first = seen.length > 0 ? Math.min(...seen) : undefined;
  const last = seen.length > 0 ? Math.max(...seen) : undefined;
  const detail = failed
    ? `${c.findings === 1 ? '1 open finding cites' : `${c.findings} open findings cite`} ${c.id}`
    : `${c.evidence === 1 ? '1 event shows' : `${c.evidence} events show`} ${c.id} operating`;
  const uid = `${analysis.tenant.id}/${c.id}`;
  const remediations = [...new Set(related.map((f) => f.remediation).filter((r) => r !== null))];
  return compact({
    ...classification(COMPLIANCE_CLASS),
    time: epochMs(analysis.input.lastEventTime) ?? epochMs(analysis.period?.to) ?? last ?? 0,
    start_time: first,
    end_time: last,
    timezone_offset: 0,
    severity_id: severity.id,
    severity: severity.caption,
    status_id: FINDING_NEW.id,
    status: FINDING_NEW.caption,
    message: `${c.id} ${c.title}: ${result.caption}`,
    metadata: metadata(analysis, product, uid, ['cloud']),
    compliance: {
      standards: [frameworkNames[c.framework]?.name ?? c.framework],
      control: c.id,
      status_id: result.id,
      status: result.caption,
      status_detail: detail,
    },
    finding_info: compact({
      uid,
      title: `${c.id} ${c.title}`,
      desc: detail,
      data_sources: [...DATA_SOURCES],
      first_seen_time: first,
      last_seen_time: last,
      // Each detection finding's metadata.uid is its finding id, which related_event.uid must equal.
      related_events:
        related.length === 0
          ? undefined
          : related.map((f) => ({
              uid: f.id,
              type_uid: DETECTION_CLASS.id * 100 + ACTIVITY_CREATE.id,
              type_name: `${DETECTION_CLASS.caption}: ${ACTIVITY_CREATE.caption}`,
            })),
    }),
    cloud: cloud(analysis.summary.accounts),
    remediation: remediations.length > 0 ? { desc: remediations.join('\n\n') } : undefined,
    unmapped: compact({
      ...analysisUnmapped(analysis),
      framework: c.framework,
      control_group: c.group,
      control_status: c.status,
      open_findings: c.findings,
      events: c.events,
      evidence_events: c.evidence,
      rules: [...c.rules],
      accounts: [...analysis.summary.accounts],
      catalog_version: analysis.catalogVersion,
    }),
  });
}

/**
 * One Compliance Finding (class 2003) per control that is violated (compliance status Fail) or
 * evidenced (Pass); controls not observed or not observable from CloudTrail are left out.
 */
function controlsToOcsf(
  analysis: Analysis,
  product: OcsfProduct,
  frameworkNames: FrameworkNames = {},
): OcsfObject[] {
  return analysis.controls
    .filter((c) => c.status === 'violated' || c.status === 'evidenced')
    .map((c) => complianceFinding(analysis, product, c, frameworkNames));
}

export { controlsToOcsf, type FrameworkNames, findingsToOcsf, OCSF_VERSION, type OcsfProduct };
