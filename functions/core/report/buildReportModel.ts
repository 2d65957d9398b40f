/**
 * @module The report view model: everything the templates show, computed and formatted here.
 *
 * Templates see only this model and contain no logic beyond loops and conditionals, so what a
 * report says is testable without a browser. Strings from logs stay plain strings here; the
 * template engine escapes them, and nothing in the model is ever marked as trusted HTML.
 *
 * The PDF is a bounded summary: every table is capped (REPORT_LIMITS) and says how many more
 * rows are in the machine-readable files beside it, so a client with thousands of identities
 * still gets a readable report.
 */

import type { PeriodChange } from '../analysis/periodChange.js';
import {
  type ActorSummary,
  ANALYSIS_SCHEMA,
  type Analysis,
  type ControlResult,
  type ControlStatus,
  type Finding,
} from '../analysis/types.js';
import type { TenantConfig } from '../config/tenantConfig.js';
import type { FrameworkId } from '../controls/catalog.js';
import type { Severity } from '../controls/ruleSchema.js';
import type { AccountabilityChain } from '../identity/AccountabilityTracker.js';
import { ACTOR_CLASSES, type ActorClass, MACHINE_CLASSES } from '../identity/principal.js';
import {
  activityChart,
  CLASS_COLOURS,
  CLASS_LABELS,
  findingsByFrameworkChart,
  topPrivilegedChart,
} from './charts.js';
import { readableOn } from './colourContrast.js';
import { type CollectionFacts, coverageStatement, type DigestStatus } from './coverageStatement.js';

/** Caps that keep the PDF a readable summary; full detail is in the files beside it. */
const REPORT_LIMITS = {
  /** Findings shown in full (chain, evidence, remediation). */
  detailedFindings: 25,
  /** The rest are summarised one row per rule; this many actors are named per row. */
  actorsPerRuleRow: 4,
  eventIdsPerFinding: 5,
  findingsPerControl: 4,
  inventory: 60,
  otherActors: 25,
  credentialsPerIdentity: 3,
  rejections: 10,
  changeRows: 15,
  sources: 12,
} as const;

const STATUS_LABELS: Record<ControlStatus, string> = {
  violated: 'Violated',
  evidenced: 'Evidenced',
  'not-observed': 'Not observed',
  'not-observable-from-cloudtrail': 'Not observable',
};

/** Actor classes as they read inside a sentence. */
const CLASS_PHRASES: Readonly<Record<ActorClass, string>> = {
  human: 'people',
  workload: 'workloads',
  'ai-agent': 'AI agents',
  'aws-service': 'AWS services',
  'third-party': 'third parties',
  unknown: 'unattributed actors',
};

/** What each file beside the report holds, for the appendix. */
const EXPORT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'report.html': 'This report as a web page (no scripts, nothing loaded from the network).',
  'report.pdf': 'This report.',
  'analysis.json': `The complete analysis (schema ${ANALYSIS_SCHEMA}): every actor, finding, control status and input count.`,
  'evidence.ndjson.gz':
    'One line per accepted event: identity, credential, place, controls and the findings it proves.',
  'findings.csv': 'Every finding, one row each, for spreadsheets.',
  'findings.ocsf.jsonl':
    'Findings as OCSF 1.3.0 Detection Findings and control results as Compliance Findings, one per line, for SIEM import.',
  'change.json':
    'Change since the previous period in full: new, resolved and persisting findings, identities, controls.',
  'manifest.json': 'Signed list of the SHA-256 of every file here and of every input object.',
  'manifest.pub.pem': 'The public key that verifies the manifest signature.',
};

const COVERAGE_MARKS = { gap: 'Gap', ok: 'OK', note: 'Note' } as const;

const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
const FRAMEWORK_ORDER: readonly FrameworkId[] = ['owasp-nhi-2025', 'owasp-asi-2026', 'nist-csf-2.0'];

/** One input object as the manifest lists it. */
interface ReportSource {
  readonly name: string;
  readonly bytes: number;
  readonly sha256: string | null;
  readonly records: number;
  readonly digest: DigestStatus;
}

interface ReportOptions {
  readonly config: TenantConfig;
  readonly generatedAt: Date;
  readonly reportId: string;
  /** `data:` URI of the MSSP logo, already read and checked by the caller. */
  readonly logoDataUri: string | null;
  readonly frameworkNames: Readonly<Record<FrameworkId, { name: string; edition: string }>>;
  readonly groupTitles: ReadonlyMap<string, string>;
  /** Change since the previous period, when its analysis was given. */
  readonly change?: PeriodChange | null;
  /** Every input object read (names relative to the input root or S3 keys). */
  readonly sources?: readonly ReportSource[];
  /** Digest of the source list as the manifest records it (see `sourceSetDigest`). */
  readonly sourceSetDigest?: string | null;
  readonly failedAccounts?: CollectionFacts['failedAccounts'];
  /** What collection could not see, in plain words (e.g. LookupEvents' 90-day limit). */
  readonly collectionNotes?: CollectionFacts['notes'];
  /** File names written beside the report (findings.csv, evidence.ndjson.gz, …). */
  readonly exportFiles?: readonly string[];
}

const num = (n: number) => n.toLocaleString('en-US');
const pct = (part: number, whole: number) =>
  whole === 0 ? '0%' : `${((part / whole) * 100).toFixed(part / whole < 0.1 && part > 0 ? 1 : 0)}%`;

/** Long attacker-controlled values are cut for layout; the full value is in the evidence files. */
function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function formatInstant(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** HTML id for a control anchor: control ids contain `:` and `.`, which are awkward in fragments. */
function controlAnchor(id: string): string {
  return `ctl-${id.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

function plural(n: number, one: string, many: string): string {
  return `${num(n)} ${n === 1 ? one : many}`;
}

/** `role/deployer ← role/ops-admin ← alice@acme.example`: the holder first, then who issued its credential. */
function chainText(chain: AccountabilityChain | undefined): string | null {
  if (!chain) return null;
  const path = chain.path.map((s) => clip(s.actorName, 60)).join(' ← ');
  return chain.break ? `${path} (chain breaks: ${chain.breakReason})` : path;
}

/** The chain behind a finding: the one for the finding's credential, else the actor's most used. */
function chainForFinding(f: Finding, actor: ActorSummary | undefined): AccountabilityChain | undefined {
  const chains = actor?.accountability ?? [];
  return chains.find((c) => c.credential !== null && f.credentials.includes(c.credential)) ?? chains[0];
}

function whenText(f: Finding): string {
  return day(f.firstSeen) === day(f.lastSeen)
    ? formatInstant(f.firstSeen)
    : `${day(f.firstSeen)} – ${day(f.lastSeen)}`;
}

function findingRow(f: Finding, actor: ActorSummary | undefined, detailed: ReadonlySet<string>) {
  const ids = f.eventIds.slice(0, REPORT_LIMITS.eventIdsPerFinding);
  const chain = chainForFinding(f, actor);
  return {
    anchor: detailed.has(f.id) ? f.id : null,
    chain: chainText(chain),
    accountableOwner: chain?.owner ? clip(chain.owner, 80) : null,
    id: f.id,
    rule: f.rule,
    kindLabel: f.kind === 'detector' ? 'behaviour over the period' : 'single events',
    title: f.title,
    severity: f.severity,
    severityLabel: f.severity.toUpperCase(),
    actor: clip(f.actor, 200),
    actorName: clip(f.actorName, 80),
    actorClass: CLASS_LABELS[f.actorClass],
    owner: f.owner ? clip(f.owner, 80) : null,
    resource: f.resource ? clip(f.resource, 120) : null,
    controls: f.controls.map((id) => ({ id, anchor: controlAnchor(id) })),
    count: num(f.count),
    when: whenText(f),
    eventIds: ids,
    moreEventIds: f.count > ids.length ? num(f.count - ids.length) : null,
    // Label each evidence field by its last path segment: `userIdentity.accessKeyId` → `accessKeyId`.
    context: Object.entries(f.context).map(([key, value]) => ({
      key: key.split('.').at(-1) ?? key,
      value: clip(value, 200),
    })),
    remediation: f.remediation,
    suppressed: f.suppressed
      ? {
          reason: clip(f.suppressed.reason, 300),
          expires: f.suppressed.expires,
          approvedBy: f.suppressed.approvedBy,
        }
      : null,
  };
}

/**
 * The findings not shown in full, one row per rule: a big client has hundreds of findings of a few
 * kinds (a long-lived key per service user), and a row per kind reads better than a row per finding.
 */
function findingGroups(findings: readonly Finding[]) {
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byRule.get(f.rule) ?? [];
    list.push(f);
    byRule.set(f.rule, list);
  }
  return [...byRule.values()].map((list) => {
    const first = list[0]!;
    const actors = [...new Set(list.map((f) => f.actorName))];
    const shown = actors.slice(0, REPORT_LIMITS.actorsPerRuleRow).map((a) => clip(a, 50));
    const times = list.flatMap((f) => [f.firstSeen, f.lastSeen]).sort();
    const firstSeen = times[0]!;
    const lastSeen = times.at(-1)!;
    return {
      rule: first.rule,
      title: first.title,
      severity: first.severity,
      severityLabel: first.severity.toUpperCase(),
      findings: num(list.length),
      events: num(list.reduce((n, f) => n + f.count, 0)),
      actors: `${shown.join('; ')}${actors.length > shown.length ? `; and ${num(actors.length - shown.length)} more` : ''}`,
      when: day(firstSeen) === day(lastSeen) ? day(firstSeen) : `${day(firstSeen)} – ${day(lastSeen)}`,
      controls: first.controls.map((id) => ({ id, anchor: controlAnchor(id) })),
      ids: list.slice(0, 3).map((f) => f.id),
      moreIds: list.length > 3 ? num(list.length - 3) : null,
    };
  });
}

function statusCounts(controls: readonly ControlResult[]) {
  const count = (s: ControlStatus) => controls.filter((c) => c.status === s).length;
  return {
    total: controls.length,
    violated: count('violated'),
    evidenced: count('evidenced'),
    notObserved: count('not-observed'),
    notObservable: count('not-observable-from-cloudtrail'),
  };
}

function frameworkSections(
  analysis: Analysis,
  open: readonly Finding[],
  detailed: ReadonlySet<string>,
  options: ReportOptions,
) {
  const findingsByControl = new Map<string, Finding[]>();
  for (const f of open) {
    for (const c of f.controls) {
      const list = findingsByControl.get(c) ?? [];
      list.push(f);
      findingsByControl.set(c, list);
    }
  }
  const controlRow = (c: ControlResult) => {
    const findings = findingsByControl.get(c.id) ?? [];
    const shown = findings.slice(0, REPORT_LIMITS.findingsPerControl);
    return {
      id: c.id,
      anchor: controlAnchor(c.id),
      title: c.title,
      status: c.status,
      statusLabel: STATUS_LABELS[c.status],
      findingCount: c.findings ? num(c.findings) : '',
      events: c.events ? num(c.events) : '',
      relatedNote:
        c.events && c.status !== 'evidenced' ? `${num(c.events)} related events in the evidence file` : null,
      evidence: c.evidence ? num(c.evidence) : '',
      findingLinks: shown.map((f) => ({
        id: f.id,
        anchor: detailed.has(f.id) ? f.id : null,
        label: clip(`${f.title} (${f.actorName})`, 90),
        severity: f.severity,
      })),
      moreFindings: findings.length > shown.length ? num(findings.length - shown.length) : null,
      evidenceNote:
        c.status === 'evidenced'
          ? `${num(c.evidence)} events show it operating (rules ${c.rules.slice(0, 3).join(', ')}${c.rules.length > 3 ? ', …' : ''})`
          : null,
      note: c.status === 'not-observable-from-cloudtrail' ? (c.observabilityReason ?? '') : null,
    };
  };
  return FRAMEWORK_ORDER.map((id) => {
    const controls = analysis.controls.filter((c) => c.framework === id);
    const meta = options.frameworkNames[id];
    const functions =
      id === 'nist-csf-2.0'
        ? [...new Set(controls.map((c) => (c.group ?? '').split('.')[0] ?? ''))].map((fn) => ({
            id: fn,
            title: options.groupTitles.get(fn) ?? fn,
            categories: [
              ...new Set(controls.filter((c) => (c.group ?? '').startsWith(`${fn}.`)).map((c) => c.group!)),
            ].map((g) => ({
              id: g,
              title: options.groupTitles.get(g) ?? g,
              controls: controls.filter((c) => c.group === g).map(controlRow),
            })),
          }))
        : null;
    return {
      id,
      anchor: `fw-${id.replace(/[^a-z0-9]+/g, '-')}`,
      name: meta.name,
      edition: meta.edition,
      counts: statusCounts(controls),
      controls: functions ? null : controls.map(controlRow),
      functions,
    };
  });
}

/** What the logs say about a credential's age: created in the period, or in use since before it. */
function credentialEvidence(
  credential: ActorSummary['credentials'][number],
  actor: ActorSummary,
  analysis: Analysis,
): string {
  if (credential.kind === 'temporary')
    return `temporary (STS), used ${day(credential.firstUsed)} – ${day(credential.lastUsed)}`;
  if (credential.kind === 'none') return 'no credential (service or anonymous)';
  const created = [...actor.lifecycle, ...analysis.identityLifecycle.flatMap((l) => l.events)].find(
    (e) => e.eventName === 'CreateAccessKey' && e.accessKeyId === credential.id,
  );
  if (created) return `long-lived key, created ${day(created.eventTime)} (event ${created.eventId})`;
  const periodStart = analysis.period?.from;
  if (periodStart && Date.parse(credential.firstUsed) - Date.parse(periodStart) < 2 * 86_400_000) {
    return `long-lived key, in use since before ${day(periodStart)} (created earlier; age unknown from these logs)`;
  }
  return `long-lived key, first used ${day(credential.firstUsed)}; creation not in these logs`;
}

/**
 * `1 long-lived key, 49 temporary (STS) credentials`: the kinds of the listed credentials,
 * counted, and how many events used credentials beyond those (the analysis lists 50 per actor).
 */
function credentialSummary(a: ActorSummary): string {
  const longLived = a.credentials.filter((c) => c.kind === 'long-lived').length;
  const none = a.credentials.filter((c) => c.kind === 'none').length;
  const temporary = a.credentials.length - longLived - none;
  const parts: string[] = [];
  if (longLived) parts.push(plural(longLived, 'long-lived key', 'long-lived keys'));
  if (temporary) parts.push(plural(temporary, 'temporary (STS) credential', 'temporary (STS) credentials'));
  if (none) parts.push('calls without a credential');
  if (a.unlistedCredentialEvents)
    parts.push(
      `more credentials (${plural(a.unlistedCredentialEvents, 'event', 'events')} with credentials not listed)`,
    );
  return parts.join(', ') || 'none';
}

function inventoryRows(analysis: Analysis, config: TenantConfig) {
  const envOf = new Map(config.accounts.map((a) => [a.id, a.environment]));
  const machine = analysis.actors.filter((a) => MACHINE_CLASSES.has(a.class));
  const ownerOf = (a: ActorSummary) => a.owner ?? a.accountability.find((c) => c.owner)?.owner ?? null;
  // Ownerless first: they are what an auditor asks about; then the busiest.
  const sorted = [...machine].sort(
    (a, b) =>
      Number(ownerOf(a) !== null) - Number(ownerOf(b) !== null) ||
      b.events - a.events ||
      a.id.localeCompare(b.id),
  );
  const shown = sorted.slice(0, REPORT_LIMITS.inventory);
  return {
    total: machine.length,
    ownerless: machine.filter((a) => ownerOf(a) === null).length,
    undeclared: machine.filter((a) => !a.declared).length,
    rows: shown.map((a) => {
      const owner = ownerOf(a);
      const environments = [
        ...new Set(
          [a.environment, ...a.accounts.map((acc) => envOf.get(acc) ?? null)].filter((e): e is string => !!e),
        ),
      ];
      return {
        name: clip(a.name, 70),
        id: clip(a.id, 160),
        classLabel: CLASS_LABELS[a.class],
        agent: a.class === 'ai-agent',
        declared: a.declared,
        owner: owner ? clip(owner, 60) : null,
        ownerViaChain: !a.owner && owner !== null,
        purpose: a.purpose ? clip(a.purpose, 120) : null,
        credentialSummary: credentialSummary(a),
        keys: a.credentials
          .filter((c) => c.kind === 'long-lived')
          .slice(0, REPORT_LIMITS.credentialsPerIdentity)
          .map((c) => ({ id: c.id ? clip(c.id, 40) : '—', evidence: credentialEvidence(c, a, analysis) })),
        environments: environments.join(', ') || '—',
        accounts: a.accounts.join(', '),
        regions: a.regions.join(', '),
        scope: a.allowedScope
          ? `declared: ${clip(a.allowedScope.actions.join(', '), 110)}`
          : `observed: ${clip(a.services.top.map((s) => s.value).join(', '), 110)}${a.services.more ? ` +${a.services.more}` : ''}`,
        events: num(a.events),
        findings: a.findings ? num(a.findings) : '',
        lastSeen: day(a.lastSeen),
      };
    }),
    omitted: machine.length > shown.length ? num(machine.length - shown.length) : null,
  };
}

/** The list of input objects summarised by account and region (CloudTrail delivery layout). */
function sourceGroups(sources: readonly ReportSource[]) {
  const groups = new Map<string, { objects: number; bytes: number; records: number; unreadable: number }>();
  for (const s of sources) {
    const m = /AWSLogs\/(?:o-[a-z0-9]+\/)?(\d{12})\/CloudTrail\/([a-z0-9-]+)\//.exec(s.name);
    const key = m ? `${m[1]} · ${m[2]}` : 'other files';
    const g = groups.get(key) ?? { objects: 0, bytes: 0, records: 0, unreadable: 0 };
    g.objects++;
    g.bytes += s.bytes;
    g.records += s.records;
    if (s.sha256 === null) g.unreadable++;
    groups.set(key, g);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a === 'other files' ? 1 : b === 'other files' ? -1 : a.localeCompare(b)))
    .map(([key, g]) => ({
      key,
      objects: num(g.objects),
      bytes: formatBytes(g.bytes),
      records: num(g.records),
      unreadable: g.unreadable ? num(g.unreadable) : '',
    }));
}

function changeModel(change: PeriodChange | null | undefined, detailed: ReadonlySet<string>) {
  if (!change) return null;
  const cap = REPORT_LIMITS.changeRows;
  const findingList = <
    T extends { id: string; title: string; severity: Severity; actorName: string; count: number },
  >(
    list: readonly T[],
    extra?: (f: T) => string,
  ) => ({
    total: num(list.length),
    rows: list.slice(0, cap).map((f) => ({
      id: f.id,
      anchor: detailed.has(f.id) ? f.id : null,
      title: f.title,
      severity: f.severity,
      severityLabel: f.severity.toUpperCase(),
      actorName: clip(f.actorName, 70),
      count: num(f.count),
      note: extra ? extra(f) : '',
    })),
    more: list.length > cap ? num(list.length - cap) : null,
  });
  const identityList = (list: PeriodChange['identities']['new']) => ({
    total: num(list.length),
    rows: list.slice(0, cap).map((a) => ({
      name: clip(a.name, 70),
      classLabel: CLASS_LABELS[a.class],
      owner: a.owner ? clip(a.owner, 60) : null,
      events: num(a.events),
    })),
    more: list.length > cap ? num(list.length - cap) : null,
  });
  const c = change.coverage;
  const trend = (label: string, previous: string, current: string, better: boolean | null) => ({
    label,
    previous,
    current,
    direction:
      previous === current ? 'unchanged' : better === null ? 'changed' : better ? 'improved' : 'worse',
  });
  const share = (n: number) => `${(n * 100).toFixed(1)}%`;
  return {
    previousPeriod: change.previous.period ?? 'previous run',
    catalogChanged: change.catalogChanged,
    previousCatalog: change.previous.catalogVersion,
    findings: {
      added: findingList(change.findings.new),
      resolved: findingList(change.findings.resolved),
      persisting: findingList(change.findings.persisting, (f) =>
        f.count === f.previousCount ? '' : `was ${num(f.previousCount)}`,
      ),
      nowExcepted: findingList(change.findings.nowExcepted),
    },
    identities: {
      added: identityList(change.identities.new),
      vanished: identityList(change.identities.vanished),
    },
    controls: {
      newlyViolated: change.controls.newlyViolated.map((x) => ({ ...x, anchor: controlAnchor(x.id) })),
      noLongerViolated: change.controls.noLongerViolated.map((x) => ({ ...x, anchor: controlAnchor(x.id) })),
    },
    trends: [
      trend(
        'Machine actions tied to an owner',
        share(c.accountability.previous),
        share(c.accountability.current),
        c.accountability.current > c.accountability.previous,
      ),
      trend(
        'Ownerless machine identities',
        num(c.ownerlessMachineIdentities.previous),
        num(c.ownerlessMachineIdentities.current),
        c.ownerlessMachineIdentities.current < c.ownerlessMachineIdentities.previous,
      ),
      trend('Events analysed', num(c.events.previous), num(c.events.current), null),
      trend(
        'Records rejected',
        num(c.rejected.previous),
        num(c.rejected.current),
        c.rejected.current < c.rejected.previous,
      ),
      trend(
        'Accounts with events',
        num(c.accounts.previous),
        num(c.accounts.current),
        c.accountsLost.length ? false : c.accountsAdded.length ? true : null,
      ),
    ],
  };
}

/** The executive summary's opening, in plain words. */
function leadSentences(analysis: Analysis, periodLabel: string, openCount: number): string[] {
  const { summary } = analysis;
  const total = summary.actions;
  if (total === 0) return [`No CloudTrail events were read for ${periodLabel}.`];
  const share = (c: (typeof ACTOR_CLASSES)[number]) => summary.actionsByClass[c];
  const parts = ACTOR_CLASSES.filter((c) => share(c) > 0 && !MACHINE_CLASSES.has(c)).map(
    (c) => `${CLASS_PHRASES[c]} ${pct(share(c), total)}`,
  );
  const machine = summary.machineActions;
  const machineParts = [...MACHINE_CLASSES]
    .filter((c) => share(c) > 0)
    .map((c) => `${c === 'ai-agent' ? 'AI agents' : 'workloads'} ${pct(share(c), total)}`);
  const sentences = [
    `In ${periodLabel}, ${plural(total, 'action was', 'actions were')} recorded across ${plural(summary.accounts.length, 'account', 'accounts')} and ${plural(summary.regions.length, 'region', 'regions')}.`,
    `Machine identities performed ${pct(machine, total)} of them${machineParts.length ? ` (${machineParts.join(', ')})` : ''}${parts.length ? `; ${parts.join(', ')}` : ''}.`,
  ];
  if (machine > 0) {
    const acc = analysis.accountability;
    sentences.push(
      `${pct(acc.ownedActions, acc.machineActions)} of machine actions trace through their credential and session to a named owner${acc.breaks.length ? `; the rest break where ${acc.breaks[0]!.text.charAt(0).toLowerCase()}${acc.breaks[0]!.text.slice(1).replace(/\.$/, '')}` : ''}.`,
    );
  }
  const sev = SEVERITY_ORDER.filter((s) => summary.findingsBySeverity[s] > 0).map(
    (s) => `${num(summary.findingsBySeverity[s])} ${s}`,
  );
  sentences.push(
    openCount
      ? `There ${openCount === 1 ? 'is' : 'are'} ${plural(openCount, 'open finding', 'open findings')}: ${sev.join(', ')}.`
      : 'There are no open findings.',
  );
  return sentences;
}

function periodDays(analysis: Analysis): string[] {
  const from = analysis.period
    ? Date.parse(analysis.period.from)
    : analysis.activity[0]
      ? Date.parse(`${analysis.activity[0].day}T00:00:00Z`)
      : NaN;
  const to = analysis.period
    ? Date.parse(analysis.period.to)
    : analysis.activity.at(-1)
      ? Date.parse(`${analysis.activity.at(-1)!.day}T00:00:00Z`) + 86_400_000
      : NaN;
  const days: string[] = [];
  if (!Number.isFinite(from) || !Number.isFinite(to)) return days;
  for (let t = from - (from % 86_400_000); t < to && days.length < 400; t += 86_400_000)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

function buildReportModel(analysis: Analysis, options: ReportOptions) {
  const { summary, input } = analysis;
  const { config } = options;
  const totalActions = summary.actions;
  const actorsById = new Map(analysis.actors.map((a) => [a.id, a]));
  const open = analysis.findings.filter((f) => !f.suppressed);
  const suppressed = analysis.findings.filter((f) => f.suppressed);
  const detailedFindings = open.slice(0, REPORT_LIMITS.detailedFindings);
  const remainingFindings = open.slice(REPORT_LIMITS.detailedFindings);
  const detailed = new Set(detailedFindings.map((f) => f.id));
  const periodLabel = analysis.period
    ? analysis.period.label
    : input.firstEventTime && input.lastEventTime
      ? `${day(input.firstEventTime)} – ${day(input.lastEventTime)}`
      : 'no events';
  const declaredAccounts = config.accounts.map((a) => ({
    id: a.id,
    name: a.name,
    environment: a.environment,
  }));
  const seenAccounts = summary.accounts.map((id) => {
    const declared = declaredAccounts.find((a) => a.id === id);
    return { id, name: declared?.name ?? '(not declared)', environment: declared?.environment ?? '' };
  });
  const sources = options.sources ?? [];
  const digest: Partial<Record<DigestStatus, number>> = {};
  for (const s of sources) digest[s.digest] = (digest[s.digest] ?? 0) + 1;
  const frameworkList = FRAMEWORK_ORDER.map((id) => ({ id, name: options.frameworkNames[id].name }));
  const classRows = ACTOR_CLASSES.filter(
    (c) => summary.actionsByClass[c] > 0 || summary.actorsByClass[c] > 0,
  ).map((c) => ({
    label: CLASS_LABELS[c],
    colour: CLASS_COLOURS[c],
    actions: num(summary.actionsByClass[c]),
    share: pct(summary.actionsByClass[c], totalActions),
    actors: num(summary.actorsByClass[c]),
  }));
  const otherActors = analysis.actors.filter((a) => !MACHINE_CLASSES.has(a.class));
  const otherShown = otherActors.slice(0, REPORT_LIMITS.otherActors);
  const change = changeModel(options.change, detailed);
  const poweredBy = config.mssp.poweredBy === true;

  return {
    title: `Machine identity evidence report — ${config.name} — ${periodLabel}`,
    reportId: options.reportId,
    generatedAt: formatInstant(options.generatedAt.toISOString()),
    brand: {
      name: config.mssp.name,
      logo: options.logoDataUri,
      primary: config.mssp.colors?.primary ?? '#1f3a5f',
      accent: config.mssp.colors?.accent ?? '#d97706',
      // Text in brand colours must stay readable whatever the MSSP picked (WCAG AA, 4.5:1 on white).
      primaryText: readableOn(config.mssp.colors?.primary ?? '#1f3a5f'),
      accentText: readableOn(config.mssp.colors?.accent ?? '#d97706'),
      contact: config.mssp.contact ?? null,
      poweredBy,
    },
    client: { name: config.name, id: config.id },
    period: {
      label: periodLabel,
      range: analysis.period
        ? `${formatInstant(analysis.period.from)} to ${formatInstant(analysis.period.to)}`
        : null,
    },
    coverage: {
      accounts: seenAccounts,
      regions: summary.regions.join(', ') || 'none',
      statement: coverageStatement(analysis, config, {
        digest,
        failedAccounts: options.failedAccounts,
        notes: options.collectionNotes,
      }).map((item) => ({ ...item, mark: COVERAGE_MARKS[item.level] })),
    },
    lead: leadSentences(analysis, periodLabel, open.length),
    figures: [
      { label: 'Actions analysed', value: num(totalActions), note: null },
      {
        label: 'Machine actions',
        value: pct(summary.machineActions, totalActions),
        note: `${num(summary.machineActions)} by workloads and AI agents`,
      },
      {
        label: 'Accountability coverage',
        value: summary.machineActions
          ? pct(analysis.accountability.ownedActions, analysis.accountability.machineActions)
          : 'n/a',
        note: 'of machine actions tie to an identity, a credential and a named owner',
      },
      {
        label: 'Machine identities',
        value: num(summary.actorsByClass.workload + summary.actorsByClass['ai-agent']),
        note: `${num(summary.actorsByClass['ai-agent'])} AI agents`,
      },
      {
        label: 'Open findings',
        value: num(open.length),
        note: suppressed.length ? `${num(suppressed.length)} under approved exceptions` : null,
      },
    ],
    severityRows: SEVERITY_ORDER.filter((s) => s !== 'info' || summary.findingsBySeverity.info > 0).map(
      (s) => ({
        key: s,
        label: s.toUpperCase(),
        count: num(summary.findingsBySeverity[s]),
      }),
    ),
    highlights: change
      ? (options.change?.highlights ?? []).slice(0, 3).map((h) => ({
          text: h.text,
          anchor: h.ref
            ? detailed.has(h.ref)
              ? h.ref
              : h.ref.startsWith('TP-')
                ? null
                : controlAnchor(h.ref)
            : null,
        }))
      : null,
    classRows,
    charts: {
      activity: activityChart(analysis.activity, periodDays(analysis)),
      findingsByFramework: findingsByFrameworkChart(open, analysis.controls, frameworkList),
      topPrivileged: topPrivilegedChart(analysis.actors),
    },
    accountabilityBreaks: analysis.accountability.breaks.map((b) => ({
      text: b.text,
      actions: num(b.actions),
      share: pct(b.actions, analysis.accountability.machineActions),
    })),
    findings: detailedFindings.map((f) => findingRow(f, actorsById.get(f.actor), detailed)),
    findingGroups: findingGroups(remainingFindings),
    remainingFindings: remainingFindings.length ? num(remainingFindings.length) : null,
    openFindings: num(open.length),
    suppressedFindings: suppressed.map((f) => findingRow(f, actorsById.get(f.actor), detailed)),
    frameworks: frameworkSections(analysis, open, detailed, options),
    inventory: inventoryRows(analysis, config),
    otherActors: {
      rows: otherShown.map((a) => ({
        name: clip(a.name, 70),
        id: a.id === a.name ? null : clip(a.id, 160),
        classLabel: CLASS_LABELS[a.class],
        events: num(a.events),
        findings: a.findings ? num(a.findings) : '',
        privileged: a.privilegedActions ? num(a.privilegedActions) : '',
        lastSeen: day(a.lastSeen),
      })),
      omitted: otherActors.length > otherShown.length ? num(otherActors.length - otherShown.length) : null,
    },
    change,
    input: {
      sources: num(input.sources),
      bytes: formatBytes(input.bytes),
      records: num(input.records),
      accepted: num(input.accepted),
      duplicates: num(input.duplicates),
      rejected: num(input.rejected),
      rejectionCategories: Object.entries(input.rejectionsByCategory).map(([category, n]) => ({
        category,
        count: num(n),
      })),
      rejections: input.rejections.slice(0, REPORT_LIMITS.rejections).map((r) => ({
        source: clip(r.source, 120),
        position: r.position,
        reason: clip(r.reason, 200),
      })),
      rejectionsOmitted:
        input.rejected > REPORT_LIMITS.rejections ? num(input.rejected - REPORT_LIMITS.rejections) : null,
      sourceGroups: sourceGroups(sources),
      sourceSample: sources.slice(0, REPORT_LIMITS.sources).map((s) => ({
        name: clip(s.name, 140),
        bytes: formatBytes(s.bytes),
        records: num(s.records),
        sha256: s.sha256 ?? 'unreadable',
        digest: s.digest,
      })),
      sourcesOmitted:
        sources.length > REPORT_LIMITS.sources ? num(sources.length - REPORT_LIMITS.sources) : null,
      sourceSetDigest: options.sourceSetDigest ?? null,
    },
    exceptions: analysis.exceptions.map((e) => ({ ...e, reason: clip(e.reason, 300) })),
    exportFiles: (options.exportFiles ?? []).map((name) => ({
      name,
      description: EXPORT_DESCRIPTIONS[name] ?? '',
    })),
    versions: {
      tool: analysis.tool.version,
      catalog: analysis.catalogVersion,
      rules: analysis.rulesVersion,
      config: analysis.tenant.configHash ? analysis.tenant.configHash.slice(0, 12) : 'none',
    },
  };
}

type ReportModel = ReturnType<typeof buildReportModel>;

export type { ReportModel, ReportOptions, ReportSource };
export { buildReportModel, controlAnchor, REPORT_LIMITS };
