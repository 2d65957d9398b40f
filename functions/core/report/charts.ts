/**
 * @module Chart geometry for the report: plain numbers and labels that the templates draw as
 * inline SVG (no scripts, no fonts or images to fetch).
 *
 * Everything a chart shows is computed here, so a test can check the bars against the analysis
 * without a browser. Labels that come from logs (actor names) are clipped and stay plain text;
 * colours come from fixed palettes, never from data.
 */
import type { ActorSummary, ControlResult, DailyActivity, Finding } from '../analysis/types.js';
import type { FrameworkId } from '../controls/catalog.js';
import type { Severity } from '../controls/ruleSchema.js';
import { ACTOR_CLASSES, type ActorClass } from '../identity/principal.js';

const CLASS_LABELS: Readonly<Record<ActorClass, string>> = {
  human: 'Human',
  workload: 'Workload (NHI)',
  'ai-agent': 'AI agent',
  'aws-service': 'AWS service',
  'third-party': 'Third party',
  unknown: 'Unknown',
};

/** Colour-blind-safe palette (Tableau 10 family); each class keeps its colour in every chart. */
const CLASS_COLOURS: Readonly<Record<ActorClass, string>> = {
  human: '#4c78a8',
  workload: '#f58518',
  'ai-agent': '#b279a2',
  'aws-service': '#72b7b2',
  'third-party': '#e45756',
  unknown: '#9d9d9d',
};

const SEVERITY_COLOURS: Readonly<Record<Severity, string>> = {
  critical: '#7f1d1d',
  high: '#b91c1c',
  medium: '#b45309',
  low: '#1d4ed8',
  info: '#6b7280',
};

const SEVERITIES_DESC: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

interface Bar {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly fill: string;
  /** Tooltip text (SVG <title>), e.g. `2026-10-03 · Workload (NHI): 1,204`. */
  readonly title: string;
}

interface AxisLabel {
  readonly x: number;
  readonly y: number;
  readonly text: string;
}

interface LegendItem {
  readonly label: string;
  readonly fill: string;
}

const num = (n: number) => n.toLocaleString('en-US');

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A round axis maximum ≥ `value`: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function compact(n: number): string {
  if (n >= 1_000_000) return `${+(n / 1_000_000).toFixed(1)}M`;
  if (n >= 1_000) return `${+(n / 1_000).toFixed(1)}k`;
  return String(n);
}

const ACTIVITY = { width: 680, height: 190, left: 44, right: 8, top: 8, bottom: 22 } as const;

/**
 * Daily actions stacked by actor class. Days without events inside the period show as gaps,
 * which is itself evidence (delivery stopped, or a quiet weekend).
 */
function activityChart(activity: readonly DailyActivity[], days: readonly string[]) {
  const byDay = new Map(activity.map((a) => [a.day, a.byClass]));
  const axisDays = days.length ? days : activity.map((a) => a.day);
  const classes = ACTOR_CLASSES.filter((c) => activity.some((a) => a.byClass[c] > 0));
  const totals = axisDays.map((d) => {
    const counts = byDay.get(d);
    return counts ? ACTOR_CLASSES.reduce((n, c) => n + counts[c], 0) : 0;
  });
  const max = niceCeiling(Math.max(0, ...totals));
  const plotWidth = ACTIVITY.width - ACTIVITY.left - ACTIVITY.right;
  const plotHeight = ACTIVITY.height - ACTIVITY.top - ACTIVITY.bottom;
  const slot = axisDays.length ? plotWidth / axisDays.length : plotWidth;
  const barWidth = Math.max(1, Math.round(slot * 0.8 * 10) / 10);
  const bars: Bar[] = [];
  axisDays.forEach((d, i) => {
    const counts = byDay.get(d);
    if (!counts) return;
    let base = ACTIVITY.top + plotHeight;
    for (const c of classes) {
      const n = counts[c];
      if (!n) continue;
      const h = (n / max) * plotHeight;
      base -= h;
      bars.push({
        x: round(ACTIVITY.left + i * slot + (slot - barWidth) / 2),
        y: round(base),
        width: barWidth,
        height: round(Math.max(h, 0.5)),
        fill: CLASS_COLOURS[c],
        title: `${d} · ${CLASS_LABELS[c]}: ${num(n)}`,
      });
    }
  });
  const every = Math.max(1, Math.ceil(axisDays.length / 10));
  const xLabels: AxisLabel[] = axisDays
    .map((d, i) => ({ d, i }))
    .filter(({ i }) => i % every === 0)
    .map(({ d, i }) => ({
      x: round(ACTIVITY.left + i * slot + slot / 2),
      y: ACTIVITY.height - 6,
      text: d.slice(5),
    }));
  const yLabels: AxisLabel[] = [0, 0.5, 1].map((f) => ({
    x: ACTIVITY.left - 6,
    y: round(ACTIVITY.top + plotHeight * (1 - f) + 3),
    text: compact(max * f),
  }));
  const quiet = axisDays.filter((_, i) => totals[i] === 0);
  const peak = totals.length ? Math.max(...totals) : 0;
  return {
    width: ACTIVITY.width,
    height: ACTIVITY.height,
    bars,
    xLabels,
    yLabels,
    gridLines: [0.5, 1].map((f) => ({
      x1: ACTIVITY.left,
      x2: ACTIVITY.width - ACTIVITY.right,
      y: round(ACTIVITY.top + plotHeight * (1 - f)),
    })),
    baseline: { x1: ACTIVITY.left, x2: ACTIVITY.width - ACTIVITY.right, y: ACTIVITY.top + plotHeight },
    legend: classes.map((c) => ({ label: CLASS_LABELS[c], fill: CLASS_COLOURS[c] })) as LegendItem[],
    description:
      `Actions per day by actor class over ${axisDays.length} days; the busiest day had ${num(peak)} actions` +
      (quiet.length ? `; ${quiet.length} day(s) had none.` : '.'),
  };
}

const STACKED = { width: 680, rowHeight: 26, labelWidth: 200, right: 60 } as const;

/** Open findings per framework, split by severity: a finding counts once per framework it maps to. */
function findingsByFrameworkChart(
  findings: readonly Finding[],
  controls: readonly ControlResult[],
  frameworks: readonly { id: FrameworkId; name: string }[],
) {
  const frameworkOf = new Map(controls.map((c) => [c.id, c.framework]));
  const rows = frameworks.map((fw) => {
    const counts = Object.fromEntries(SEVERITIES_DESC.map((s) => [s, 0])) as Record<Severity, number>;
    for (const f of findings) {
      if (f.controls.some((c) => frameworkOf.get(c) === fw.id)) counts[f.severity]++;
    }
    return { fw, counts, total: SEVERITIES_DESC.reduce((n, s) => n + counts[s], 0) };
  });
  const max = Math.max(1, ...rows.map((r) => r.total));
  const plot = STACKED.width - STACKED.labelWidth - STACKED.right;
  const bars: Bar[] = [];
  const labels: AxisLabel[] = [];
  const totals: AxisLabel[] = [];
  rows.forEach((row, i) => {
    const y = i * STACKED.rowHeight;
    labels.push({ x: 0, y: y + 16, text: row.fw.name });
    let x: number = STACKED.labelWidth;
    for (const s of SEVERITIES_DESC) {
      const n = row.counts[s];
      if (!n) continue;
      const w = (n / max) * plot;
      bars.push({
        x: round(x),
        y: y + 4,
        width: round(Math.max(w, 1)),
        height: 16,
        fill: SEVERITY_COLOURS[s],
        title: `${row.fw.name} · ${s}: ${num(n)}`,
      });
      x += w;
    }
    totals.push({ x: round(x + 6), y: y + 16, text: num(row.total) });
  });
  const used = SEVERITIES_DESC.filter((s) => rows.some((r) => r.counts[s] > 0));
  return {
    width: STACKED.width,
    height: Math.max(1, rows.length) * STACKED.rowHeight,
    bars,
    labels,
    totals,
    legend: used.map((s) => ({ label: s, fill: SEVERITY_COLOURS[s] })) as LegendItem[],
    description: rows.map((r) => `${r.fw.name}: ${num(r.total)} open findings`).join('; '),
    empty: rows.every((r) => r.total === 0),
  };
}

/** The actors with the most privileged actions (IAM, policy, key, logging and similar changes). */
function topPrivilegedChart(actors: readonly ActorSummary[], limit = 10) {
  const top = actors
    .filter((a) => a.privilegedActions > 0)
    .sort((a, b) => b.privilegedActions - a.privilegedActions || a.id.localeCompare(b.id))
    .slice(0, limit);
  const max = Math.max(1, ...top.map((a) => a.privilegedActions));
  const plot = STACKED.width - STACKED.labelWidth - STACKED.right;
  // Several people share one permission set's name: tell them apart by the end of their id.
  const tailOf = (a: ActorSummary) => clip(a.id.split('/').at(-1) ?? a.id, 16);
  const accountOf = (a: ActorSummary) => /:(\d{12}):/.exec(a.id)?.[1] ?? '';
  const repeated = (keys: string[]) => new Set(keys.filter((k, i) => keys.indexOf(k) !== i));
  const sharedNames = repeated(top.map((a) => a.name));
  const sharedTails = repeated(top.map((a) => `${a.name}\u0000${tailOf(a)}`));
  const labelOf = (a: ActorSummary) => {
    if (!sharedNames.has(a.name)) return clip(a.name, 34);
    const tail = sharedTails.has(`${a.name}\u0000${tailOf(a)}`)
      ? `${tailOf(a)} · ${accountOf(a)}`
      : tailOf(a);
    return `${clip(a.name, 16)} (${tail})`;
  };
  return {
    width: STACKED.width,
    height: Math.max(1, top.length) * STACKED.rowHeight,
    rows: top.map((a, i) => ({
      y: i * STACKED.rowHeight,
      textY: i * STACKED.rowHeight + 16,
      label: labelOf(a),
      fill: CLASS_COLOURS[a.class],
      width: round(Math.max((a.privilegedActions / max) * plot, 1)),
      valueX: round(STACKED.labelWidth + (a.privilegedActions / max) * plot + 6),
      value: num(a.privilegedActions),
      title: `${a.name} (${CLASS_LABELS[a.class]}): ${num(a.privilegedActions)} privileged actions`,
    })),
    labelWidth: STACKED.labelWidth,
    legend: ACTOR_CLASSES.filter((c) => top.some((a) => a.class === c)).map((c) => ({
      label: CLASS_LABELS[c],
      fill: CLASS_COLOURS[c],
    })) as LegendItem[],
    description: top.length
      ? `Top ${top.length} actors by privileged actions; the first is ${top[0]!.name} with ${num(top[0]!.privilegedActions)}.`
      : 'No privileged actions in this period.',
    empty: top.length === 0,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

export type { AxisLabel, Bar, LegendItem };
export {
  activityChart,
  CLASS_COLOURS,
  CLASS_LABELS,
  findingsByFrameworkChart,
  niceCeiling,
  SEVERITY_COLOURS,
  topPrivilegedChart,
};
