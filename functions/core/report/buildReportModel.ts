/**
 * @module The report view model: everything the templates show, computed and formatted here.
 *
 * Templates see only this model and contain no logic beyond loops and conditionals, so what a
 * report says is testable without a browser. Strings from logs stay plain strings here; the
 * template engine escapes them, and nothing in the model is ever marked as trusted HTML.
 */

import type { ActorSummary, Analysis, ControlResult, ControlStatus, Finding } from '../analysis/types.js';
import type { TenantConfig } from '../config/tenantConfig.js';
import type { FrameworkId } from '../controls/catalog.js';
import type { Severity } from '../controls/ruleSchema.js';
import type { AccountabilityChain } from '../identity/AccountabilityTracker.js';
import { ACTOR_CLASSES, type ActorClass, MACHINE_CLASSES } from '../identity/principal.js';

/** Caps that keep the PDF a readable summary; full detail is in the files beside it. */
const REPORT_LIMITS = { findings: 40, eventIdsPerFinding: 5, actors: 40, rejections: 10 } as const;

const CLASS_LABELS: Record<ActorClass, string> = {
  human: 'Human',
  workload: 'Workload (NHI)',
  'ai-agent': 'AI agent',
  'aws-service': 'AWS service',
  'third-party': 'Third party',
  unknown: 'Unknown',
};

const CLASS_COLOURS: Record<ActorClass, string> = {
  human: '#4c78a8',
  workload: '#f58518',
  'ai-agent': '#b279a2',
  'aws-service': '#72b7b2',
  'third-party': '#e45756',
  unknown: '#9d9d9d',
};

const STATUS_LABELS: Record<ControlStatus, string> = {
  violated: 'Violated',
  evidenced: 'Evidenced',
  'not-observed': 'Not observed',
  'not-observable-from-cloudtrail': 'Not observable',
};

const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

interface ReportOptions {
  readonly config: TenantConfig;
  readonly generatedAt: Date;
  readonly reportId: string;
  /** `data:` URI of the MSSP logo, already read and checked by the caller. */
  readonly logoDataUri: string | null;
  readonly frameworkNames: Readonly<Record<FrameworkId, { name: string; edition: string }>>;
  readonly groupTitles: ReadonlyMap<string, string>;
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

function findingRow(f: Finding, actor?: ActorSummary) {
  const ids = f.eventIds.slice(0, REPORT_LIMITS.eventIdsPerFinding);
  const chain = chainForFinding(f, actor);
  return {
    chain: chainText(chain),
    accountableOwner: chain?.owner ? clip(chain.owner, 80) : null,
    id: f.id,
    rule: f.rule,
    title: f.title,
    severity: f.severity,
    severityLabel: f.severity.toUpperCase(),
    actor: clip(f.actor, 200),
    actorName: clip(f.actorName, 80),
    actorClass: CLASS_LABELS[f.actorClass],
    owner: f.owner ? clip(f.owner, 80) : null,
    resource: f.resource ? clip(f.resource, 120) : null,
    controls: f.controls,
    count: num(f.count),
    when:
      day(f.firstSeen) === day(f.lastSeen)
        ? formatInstant(f.firstSeen)
        : `${day(f.firstSeen)} – ${day(f.lastSeen)}`,
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

function controlRow(c: ControlResult) {
  return {
    id: c.id,
    title: c.title,
    status: c.status,
    statusLabel: STATUS_LABELS[c.status],
    findings: c.findings ? num(c.findings) : '',
    events: c.events ? num(c.events) : '',
    evidence: c.evidence ? num(c.evidence) : '',
    note: c.status === 'not-observable-from-cloudtrail' ? (c.observabilityReason ?? '') : '',
  };
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

function buildReportModel(analysis: Analysis, options: ReportOptions) {
  const { summary, input } = analysis;
  const { config } = options;
  const totalActions = summary.actions;
  const maxClassActions = Math.max(1, ...ACTOR_CLASSES.map((c) => summary.actionsByClass[c]));
  const classRows = ACTOR_CLASSES.filter(
    (c) => summary.actionsByClass[c] > 0 || summary.actorsByClass[c] > 0,
  ).map((c, i) => ({
    key: c,
    label: CLASS_LABELS[c],
    colour: CLASS_COLOURS[c],
    actions: num(summary.actionsByClass[c]),
    share: pct(summary.actionsByClass[c], totalActions),
    actors: num(summary.actorsByClass[c]),
    barWidth: Math.round((summary.actionsByClass[c] / maxClassActions) * 300),
    machine: MACHINE_CLASSES.has(c),
    y: i * 26,
  }));
  const actorsById = new Map(analysis.actors.map((a) => [a.id, a]));
  const open = analysis.findings.filter((f) => !f.suppressed);
  const suppressed = analysis.findings.filter((f) => f.suppressed);
  const shownFindings = open.slice(0, REPORT_LIMITS.findings);
  const frameworks = (['owasp-nhi-2025', 'owasp-asi-2026', 'nist-csf-2.0'] as const).map((id) => {
    const controls = analysis.controls.filter((c) => c.framework === id);
    const meta = options.frameworkNames[id];
    const groups =
      id === 'nist-csf-2.0'
        ? [...new Set(controls.map((c) => c.group ?? ''))].map((g) => ({
            id: g,
            title: options.groupTitles.get(g) ?? g,
            functionTitle: options.groupTitles.get(g.split('.')[0] ?? '') ?? '',
            controls: controls.filter((c) => (c.group ?? '') === g).map(controlRow),
          }))
        : null;
    return {
      id,
      name: meta.name,
      edition: meta.edition,
      counts: statusCounts(controls),
      controls: groups ? null : controls.map(controlRow),
      groups,
    };
  });
  const machineActions = summary.machineActions;
  const actorRows = analysis.actors.slice(0, REPORT_LIMITS.actors).map((a) => ({
    name: clip(a.name, 70),
    id: clip(a.id, 160),
    classLabel: CLASS_LABELS[a.class],
    classKey: a.class,
    declared: a.declared,
    owner: a.owner ? clip(a.owner, 60) : null,
    events: num(a.events),
    findings: a.findings ? num(a.findings) : '',
    credentials: a.credentials
      .slice(0, 3)
      .map((c) => `${c.kind}${c.id ? ` ${c.id}` : ''}`)
      .join(', '),
    lastSeen: day(a.lastSeen),
    reason: clip(a.reasons[0] ?? '', 220),
    accountableOwner: a.accountability[0]?.owner ? clip(a.accountability[0].owner, 60) : null,
    chain: a.accountability[0] && a.accountability[0].path.length > 1 ? chainText(a.accountability[0]) : null,
  }));
  const severityRows = SEVERITY_ORDER.filter((s) => s !== 'info').map((s) => ({
    key: s,
    label: s.toUpperCase(),
    count: num(summary.findingsBySeverity[s]),
  }));
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
  return {
    title: `Machine identity evidence report — ${config.name} — ${periodLabel}`,
    reportId: options.reportId,
    generatedAt: formatInstant(options.generatedAt.toISOString()),
    brand: {
      name: config.mssp.name,
      logo: options.logoDataUri,
      primary: config.mssp.colors?.primary ?? '#1f3a5f',
      accent: config.mssp.colors?.accent ?? '#d97706',
      contact: config.mssp.contact ?? null,
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
      missingAccounts: declaredAccounts.filter((a) => !summary.accounts.includes(a.id)),
      regions: summary.regions.join(', ') || 'none',
    },
    figures: [
      { label: 'Actions analysed', value: num(totalActions), note: null },
      {
        label: 'Machine actions',
        value: pct(machineActions, totalActions),
        note: `${num(machineActions)} by workloads and AI agents`,
      },
      {
        label: 'Accountability coverage',
        value: analysis.summary.machineActions
          ? pct(analysis.accountability.ownedActions, analysis.accountability.machineActions)
          : 'n/a',
        note: 'of machine actions tie to an identity, a credential and a named owner',
      },
      { label: 'Actors', value: num(analysis.actors.length), note: null },
      {
        label: 'Open findings',
        value: num(open.length),
        note: suppressed.length ? `${num(suppressed.length)} suppressed by exceptions` : null,
      },
    ],
    classRows,
    classChartHeight: classRows.length * 26,
    severityRows,
    findings: shownFindings.map((f) => findingRow(f, actorsById.get(f.actor))),
    findingsOmitted: open.length > shownFindings.length ? num(open.length - shownFindings.length) : null,
    suppressedFindings: suppressed.map((f) => findingRow(f, actorsById.get(f.actor))),
    accountabilityBreaks: analysis.accountability.breaks.map((b) => ({
      text: b.text,
      actions: num(b.actions),
      share: pct(b.actions, analysis.accountability.machineActions),
    })),
    frameworks,
    actors: actorRows,
    actorsOmitted:
      analysis.actors.length > actorRows.length ? num(analysis.actors.length - actorRows.length) : null,
    input: {
      sources: num(input.sources),
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
    },
    exceptions: analysis.exceptions.map((e) => ({ ...e, reason: clip(e.reason, 300) })),
    versions: {
      tool: analysis.tool.version,
      catalog: analysis.catalogVersion,
      rules: analysis.rulesVersion,
      config: analysis.tenant.configHash ? analysis.tenant.configHash.slice(0, 12) : 'none',
    },
  };
}

type ReportModel = ReturnType<typeof buildReportModel>;

export type { ReportModel, ReportOptions };
export { buildReportModel, CLASS_LABELS, REPORT_LIMITS };
